//! `trainer data`, and where every command finds a release: `--data-dir` (or `MOVIELENS_DIR`),
//! else the verified download into `--cache-dir`.

use crate::emit;
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;
use trainer::data::{DataSource, Dataset, DatasetName};

/// Where the MovieLens folders are.
#[derive(Args)]
pub struct SourceArgs {
    /// Folder holding the MovieLens folders (ml-100k/, ...). Without it the release is
    /// downloaded from GroupLens into --cache-dir.
    #[arg(long, env = "MOVIELENS_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Where downloads are cached.
    #[arg(long, env = "MOVIEREC_CACHE", default_value = "data-cache")]
    pub cache_dir: PathBuf,
}

impl SourceArgs {
    pub fn source(&self) -> DataSource {
        match &self.data_dir {
            Some(dir) => DataSource::Dir(dir.clone()),
            None => DataSource::Download {
                cache_dir: self.cache_dir.clone(),
            },
        }
    }
}

/// One release, and where it is.
#[derive(Args)]
pub struct DataArgs {
    #[arg(long, default_value = "ml-100k")]
    pub dataset: DatasetName,
    #[command(flatten)]
    pub source: SourceArgs,
}

impl DataArgs {
    /// The release, with a warning when it rated a movie twice for one user or tagged one
    /// movie past the limit.
    pub fn load(&self) -> Result<Dataset> {
        let dataset = Dataset::load(&self.source.source(), self.dataset)?;
        let duplicates = dataset.duplicate_ratings;
        if duplicates > 0 {
            eprintln!(
                "warning: {}: {duplicates} duplicate {} of the same user and movie; kept the latest of each",
                dataset.name,
                if duplicates == 1 { "rating" } else { "ratings" }
            );
        }
        if dataset.tags_beyond_limit > 0 {
            eprintln!(
                "warning: {}: {} tag lines left out: their movie already had 10,000 other tags, the most kept per movie",
                dataset.name, dataset.tags_beyond_limit
            );
        }
        Ok(dataset)
    }
}

/// `trainer data`: counts, histogram and density.
pub fn print(args: &DataArgs) -> Result<()> {
    let dataset = args.load()?;
    emit(format_args!("{}\n{}", dataset.name, dataset.stats()))
}
