//! Checkpoint files: what `state.json` records (the run's [`RunSettings`] and the SHA-256 of every
//! file it points at), how they are written (synced, then published by renaming `state.json`)
//! and how a resume verifies them before loading anything.

use super::History;
use crate::claim::{Claim, claim};
use anyhow::{Context, Result, anyhow, bail};
use burn::module::AutodiffModule;
use burn::optim::Optimizer;
use burn::prelude::*;
use burn::record::{BinFileRecorder, FullPrecisionSettings, Record, Recorder};
use burn::tensor::backend::AutodiffBackend;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A run's identity for its checkpoints: named settings (model, data, split, loss, sizes,
/// training settings, ...), each with its value in words. `state.json` stores them; resuming, or
/// starting over, in a folder written with other settings is refused, naming each difference.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RunSettings(BTreeMap<String, String>);

impl RunSettings {
    pub fn new() -> Self {
        Self::default()
    }

    /// These settings and `name = value` (replacing an earlier value of `name`).
    pub fn with(mut self, name: &str, value: impl std::fmt::Display) -> Self {
        self.0.insert(name.to_string(), value.to_string());
        self
    }

    /// Every setting of `config` by its path (`training.learning_rate`), values as JSON.
    pub fn of(config: &impl Serialize) -> Self {
        fn flatten(prefix: &str, value: &serde_json::Value, out: &mut BTreeMap<String, String>) {
            match value {
                serde_json::Value::Object(fields) => {
                    for (name, value) in fields {
                        let path = if prefix.is_empty() {
                            name.clone()
                        } else {
                            format!("{prefix}.{name}")
                        };
                        flatten(&path, value, out);
                    }
                }
                other => {
                    out.insert(prefix.to_string(), other.to_string());
                }
            }
        }
        let mut settings = BTreeMap::new();
        let value = serde_json::to_value(config).expect("a config is plain data");
        flatten("", &value, &mut settings);
        Self(settings)
    }

    /// These settings without those called `name`, at any depth (`epochs`,
    /// `fit.training.epochs`).
    pub fn without(mut self, name: &str) -> Self {
        self.0
            .retain(|path, _| path != name && !path.ends_with(&format!(".{name}")));
        self
    }

    /// How many ratings a run learns from and the start of their SHA-256: a checkpoint of other
    /// data (another release, other excluded users) is refused.
    pub fn digest(ratings: &[crate::data::Rating]) -> String {
        let mut hasher = Sha256::new();
        for r in ratings {
            hasher.update(r.user.to_le_bytes());
            hasher.update(r.item.to_le_bytes());
            hasher.update(r.rating.to_le_bytes());
            hasher.update(r.timestamp.to_le_bytes());
        }
        let digest = hex::encode(&hasher.finalize()[..8]);
        format!("{} (sha256 {digest}...)", ratings.len())
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// The names of the settings whose values differ, or that only one of the two has, in order.
    pub fn differing<'a>(&'a self, other: &'a RunSettings) -> Vec<&'a str> {
        let names: BTreeSet<&str> = self
            .0
            .keys()
            .chain(other.0.keys())
            .map(String::as_str)
            .collect();
        names
            .into_iter()
            .filter(|name| self.get(name) != other.get(name))
            .collect()
    }

    /// "it was written with lr = 0.003, this run has lr = 0.01" when `self`, a checkpoint's
    /// settings, differ from `this_run`'s.
    fn mismatch(&self, this_run: &RunSettings) -> Option<String> {
        let names = self.differing(this_run);
        if names.is_empty() {
            return None;
        }
        let show = |settings: &RunSettings| {
            let parts: Vec<String> = names
                .iter()
                .map(|name| format!("{name} = {}", settings.get(name).unwrap_or("(not set)")))
                .collect();
            crate::report::join_with_and(&parts)
        };
        Some(format!(
            "it was written with {}, this run has {}",
            show(self),
            show(this_run)
        ))
    }
}

/// The small JSON file that commits a checkpoint: written last, renamed into place.
#[derive(Serialize, Deserialize)]
pub(super) struct CheckpointState {
    /// Epochs completed.
    pub(super) epoch: usize,
    pub(super) history: History,
    pub(super) best_value: f64,
    /// The run's settings: resuming, or starting over, with other settings is refused.
    pub(super) settings: RunSettings,
    /// SHA-256 (lower-case hex) of each file this state points at, by name: `model-E.bin` and
    /// `optim-E.bin` for `epoch`, and `best-B.bin` for `history.best_epoch`.
    pub(super) files: BTreeMap<String, String>,
}

pub(super) type FileRecorder = BinFileRecorder<FullPrecisionSettings>;

fn model_file(epoch: usize) -> String {
    format!("model-{epoch}.bin")
}

fn optim_file(epoch: usize) -> String {
    format!("optim-{epoch}.bin")
}

pub(super) fn best_file(epoch: usize) -> String {
    format!("best-{epoch}.bin")
}

/// Whether `name` is one of the files a checkpoint writes (`model-E.bin`, `optim-E.bin`,
/// `best-E.bin`): only those are ever removed.
fn is_checkpoint_file(name: &str) -> bool {
    let Some(stem) = name.strip_suffix(".bin") else {
        return false;
    };
    let epoch = ["model-", "optim-", "best-"]
        .into_iter()
        .find_map(|prefix| stem.strip_prefix(prefix));
    epoch.is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Refuses a folder whose checkpoint was written with other settings, naming each difference.
pub(super) fn check_settings(
    dir: &Path,
    written: &RunSettings,
    this_run: &RunSettings,
    resume: bool,
) -> Result<()> {
    let Some(mismatch) = written.mismatch(this_run) else {
        return Ok(());
    };
    if resume {
        bail!(
            "the checkpoint in {} is from a run with other settings: {mismatch}; \
             use another --checkpoint-dir or drop --resume",
            dir.display()
        );
    }
    bail!(
        "{} holds the checkpoint of a run with other settings: {mismatch}; \
         use another --checkpoint-dir, or delete {} to start this run there",
        dir.display(),
        dir.display()
    )
}

/// The folder's `state.json`, or `None` when there is none yet.
pub(super) fn read_state(dir: &Path) -> Result<Option<CheckpointState>> {
    let path = dir.join("state.json");
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    match serde_json::from_slice::<CheckpointState>(&bytes) {
        Ok(state) => Ok(Some(state)),
        Err(e) => bail!(
            "{} is not a checkpoint state this trainer can read ({e}): it is corrupt, truncated \
             or written by another version; delete {} or use another --checkpoint-dir",
            path.display(),
            dir.display()
        ),
    }
}

/// Checks that `dir/name` is the file `state.json` recorded: present, with the same SHA-256.
fn verify(dir: &Path, files: &BTreeMap<String, String>, name: &str) -> Result<()> {
    let path = dir.join(name);
    let state = dir.join("state.json");
    let Some(expected) = files.get(name) else {
        bail!(
            "{} records no checksum for {name}: the checkpoint is incomplete or from another \
             version; delete {} or drop --resume",
            state.display(),
            dir.display()
        );
    };
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "{} is missing: the checkpoint in {} is incomplete; delete {} or drop --resume",
            path.display(),
            dir.display(),
            dir.display()
        ),
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    };
    if sha256_hex(&bytes) != *expected {
        bail!(
            "{} does not match the checksum recorded in {}: it is corrupt, truncated or from \
             another run; delete {} or drop --resume",
            path.display(),
            state.display(),
            dir.display()
        );
    }
    Ok(())
}

/// Reads `dir/name`, already verified, as a record.
fn read_record<Bk: Backend, R: Record<Bk>>(
    recorder: &FileRecorder,
    dir: &Path,
    name: &str,
    device: &Bk::Device,
) -> Result<R> {
    let path = dir.join(name);
    Recorder::<Bk>::load(recorder, path.clone(), device).map_err(|e| {
        anyhow!(
            "{} matches its checksum but this trainer cannot read it ({e}); it was probably \
             written by another version: delete {} or drop --resume",
            path.display(),
            dir.display()
        )
    })
}

/// Writes `record` to `dir/name` (under a partial name, renamed into place) and returns the
/// SHA-256 of the file written.
fn write_record<Bk: Backend, R: Record<Bk>>(
    recorder: &FileRecorder,
    record: R,
    dir: &Path,
    name: &str,
) -> Result<String> {
    let path = dir.join(name);
    let partial = dir.join(format!("{}-partial.bin", name.trim_end_matches(".bin")));
    Recorder::<Bk>::record(recorder, record, partial.clone())
        .with_context(|| format!("writing {}", path.display()))?;
    let bytes =
        std::fs::read(&partial).with_context(|| format!("reading back {}", partial.display()))?;
    sync(&partial)?;
    std::fs::rename(&partial, &path).with_context(|| format!("writing {}", path.display()))?;
    Ok(sha256_hex(&bytes))
}

/// The model, optimizer and best model of the checkpoint `state` commits, each file checked
/// against its recorded SHA-256 before any is read.
pub(super) fn restore<B, M, O>(
    dir: &Path,
    state: &CheckpointState,
    recorder: &FileRecorder,
    model: M,
    optim: O,
    device: &B::Device,
) -> Result<(M, O, M::InnerModule)>
where
    B: AutodiffBackend,
    M: AutodiffModule<B>,
    O: Optimizer<M, B>,
{
    let model_name = model_file(state.epoch);
    let optim_name = optim_file(state.epoch);
    let best_name = best_file(state.history.best_epoch);
    for name in [&model_name, &optim_name, &best_name] {
        verify(dir, &state.files, name)?;
    }
    let model = model.load_record(read_record::<B, _>(recorder, dir, &model_name, device)?);
    let optim = optim.load_record(read_record::<B, _>(recorder, dir, &optim_name, device)?);
    let record = read_record::<B::InnerBackend, _>(recorder, dir, &best_name, device)?;
    let best = model.valid().load_record(record);
    Ok((model, optim, best))
}

/// Model and optimizer go to epoch-numbered files, and the best model to a file named by its
/// epoch (written once, so the untrained model is kept when it stays best); then `state.json`,
/// holding their checksums, is replaced atomically to point at them: an interrupted write leaves
/// the previous checkpoint intact. Returns the files the new state points at.
pub(super) fn write_checkpoint<B, M, O>(
    dir: &Path,
    recorder: &FileRecorder,
    model: &M,
    optim: &O,
    best: &M::InnerModule,
    best_saved: &mut Option<(String, String)>,
    mut state: CheckpointState,
) -> Result<BTreeMap<String, String>>
where
    B: AutodiffBackend,
    M: AutodiffModule<B>,
    O: Optimizer<M, B>,
{
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let model_name = model_file(state.epoch);
    let sha = write_record::<B, _>(recorder, model.clone().into_record(), dir, &model_name)?;
    state.files.insert(model_name, sha);
    let optim_name = optim_file(state.epoch);
    let sha = write_record::<B, _>(recorder, optim.to_record(), dir, &optim_name)?;
    state.files.insert(optim_name, sha);
    let best_name = best_file(state.history.best_epoch);
    let best_sha = match best_saved.take() {
        Some((name, sha)) if name == best_name => sha,
        _ => {
            let record = best.clone().into_record();
            write_record::<B::InnerBackend, _>(recorder, record, dir, &best_name)?
        }
    };
    *best_saved = Some((best_name.clone(), best_sha.clone()));
    state.files.insert(best_name, best_sha);
    let partial = dir.join("state-partial.json");
    let path = dir.join("state.json");
    std::fs::write(&partial, serde_json::to_string_pretty(&state)?)
        .with_context(|| format!("writing {}", partial.display()))?;
    sync(&partial)?;
    std::fs::rename(&partial, &path).with_context(|| format!("writing {}", path.display()))?;
    // The rename itself reaches the disk before the caller removes the previous checkpoint.
    sync(dir)?;
    Ok(state.files)
}

/// Flushes a file (or a folder's entries) to disk, so that a rename never publishes data the
/// disk does not hold yet and a power cut cannot leave `state.json` pointing at nothing.
fn sync(path: &Path) -> Result<()> {
    std::fs::File::open(path)
        .and_then(|file| file.sync_all())
        .with_context(|| format!("syncing {}", path.display()))
}

/// Creates the checkpoint folder and claims it for this run (`.lock` inside it): refused while
/// another run holds it.
pub(super) fn claim_folder(dir: &Path) -> Result<Claim> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    claim(
        &dir.join(".lock"),
        &format!("--checkpoint-dir {}", dir.display()),
    )
}

/// Removes the checkpoint files the replaced state pointed at that the new one does not.
pub(super) fn remove_stale(
    dir: &Path,
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) {
    for name in old.keys() {
        if !new.contains_key(name) && is_checkpoint_file(name) {
            let _ = std::fs::remove_file(dir.join(name));
        }
    }
}
