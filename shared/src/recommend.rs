//! Recommendations for a new user: picks in, ranked movies with a reason out.

use crate::catalog::Catalog;
use crate::foldin::Scorer;
use crate::format::{FormatError, InvalidModel, ModelFile, ModelInfo};
use crate::rank::top_k;
use crate::search::SearchIndex;

/// What a visitor asks for. Ids are MovieLens movie ids.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub liked: Vec<u32>,
    /// "Not for me": never recommended.
    pub excluded: Vec<u32>,
    pub top_n: usize,
    /// Only movies of this genre (index into the catalogue's genre names).
    pub genre: Option<usize>,
    /// Only movies of this decade (1990 for the 1990s).
    pub decade: Option<u16>,
}

impl Request {
    pub fn liking(liked: Vec<u32>, top_n: usize) -> Self {
        Self {
            liked,
            excluded: Vec::new(),
            top_n,
            genre: None,
            decade: None,
        }
    }
}

/// One recommended movie.
#[derive(Clone, Debug, PartialEq)]
pub struct Recommendation {
    /// Index into the catalogue.
    pub index: usize,
    pub score: f32,
    /// Up to two picked movies (catalogue indices) most similar to this one.
    pub because: Vec<usize>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum RecommendError {
    #[error("no liked movies given: pick at least one movie")]
    NoPicks,
    #[error("movie id {0} is not in this model's catalogue")]
    UnknownMovie(u32),
}

/// A loaded model, ready to answer requests.
pub struct Recommender {
    pub info: ModelInfo,
    pub catalog: Catalog,
    scorer: Scorer,
    search: SearchIndex,
}

impl Recommender {
    /// Loads a model built in memory, after checking it as a decoded file is checked.
    pub fn new(file: ModelFile) -> Result<Self, InvalidModel> {
        file.validate()?;
        Ok(Self::from_valid(file))
    }

    /// Decodes, verifies and loads a weights file.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, FormatError> {
        ModelFile::from_bytes(bytes).map(Self::from_valid)
    }

    /// `file` has passed [`ModelFile::validate`], so scoring cannot index out of bounds.
    fn from_valid(file: ModelFile) -> Self {
        let scorer = Scorer::new(&file.weights);
        let search = SearchIndex::new(&file.catalog);
        Self {
            info: file.info,
            catalog: file.catalog,
            scorer,
            search,
        }
    }

    /// Catalogue indices of MovieLens ids; the first unknown id is an error.
    pub fn indices_of(&self, ids: &[u32]) -> Result<Vec<usize>, RecommendError> {
        ids.iter()
            .map(|&id| {
                self.catalog
                    .index_of(id)
                    .ok_or(RecommendError::UnknownMovie(id))
            })
            .collect()
    }

    /// Raw scores for every catalogue item, for picks given as catalogue indices.
    pub fn scores(&self, picks: &[usize]) -> Vec<f32> {
        self.scorer.score_picks(picks)
    }

    /// The top movies for a new user: never a pick or an excluded movie, filters applied.
    pub fn recommend(&self, request: &Request) -> Result<Vec<Recommendation>, RecommendError> {
        let picks = self.indices_of(&request.liked)?;
        if picks.is_empty() {
            return Err(RecommendError::NoPicks);
        }
        let excluded = self.indices_of(&request.excluded)?;
        let mut hidden = vec![false; self.catalog.len()];
        for &i in picks.iter().chain(&excluded) {
            hidden[i] = true;
        }
        let scores = self.scores(&picks);
        let candidates: Vec<usize> = (0..self.catalog.len())
            .filter(|&i| !hidden[i])
            .filter(|&i| {
                let movie = &self.catalog.movies[i];
                request.genre.is_none_or(|g| movie.has_genre(g))
                    && request.decade.is_none_or(|d| movie.decade() == Some(d))
            })
            .collect();
        let candidates = top_k(&scores, candidates, request.top_n);
        Ok(candidates
            .into_iter()
            .map(|index| Recommendation {
                index,
                score: scores[index],
                because: self.because(index, &picks),
            })
            .collect())
    }

    /// The (up to) two picks most similar to `item`, ranked as recommendations are.
    fn because(&self, item: usize, picks: &[usize]) -> Vec<usize> {
        let similarities: Vec<f32> = picks
            .iter()
            .map(|&p| self.scorer.similarity(item, p))
            .collect();
        top_k(&similarities, (0..picks.len()).collect(), 2)
            .into_iter()
            .map(|i| picks[i])
            .collect()
    }

    /// Catalogue indices whose titles match `query`, best first.
    pub fn search(&self, query: &str, limit: usize) -> Vec<usize> {
        self.search.search(&self.catalog, query, limit)
    }

    /// The most-rated movies, optionally of one genre.
    pub fn popular(&self, genre: Option<usize>, limit: usize) -> Vec<usize> {
        crate::search::popular(&self.catalog, genre, limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::tiny_file;

    fn recommender() -> Recommender {
        Recommender::from_bytes(&tiny_file().to_bytes()).unwrap()
    }

    #[test]
    fn ranks_by_score_and_never_returns_picks() {
        let rec = recommender();
        // Liking id 1 (index 0): pooled [1,0] -> tower [1, 0.5]; scores: idx1 = 0.6, idx2 = 0.75 - 1 = -0.25.
        let out = rec.recommend(&Request::liking(vec![1], 10)).unwrap();
        let ids: Vec<u32> = out.iter().map(|r| rec.catalog.movies[r.index].id).collect();
        assert_eq!(ids, [2, 3]);
        assert!((out[0].score - 0.6).abs() < 1e-3);
        assert_eq!(out[0].because, [0]);
    }

    #[test]
    fn filters_and_exclusions_apply() {
        let rec = recommender();
        let mut request = Request::liking(vec![1], 10);
        request.genre = Some(0); // Animation: only Babe remains.
        let ids: Vec<usize> = rec
            .recommend(&request)
            .unwrap()
            .iter()
            .map(|r| r.index)
            .collect();
        assert_eq!(ids, [2]);
        request.genre = None;
        request.excluded = vec![3];
        let ids: Vec<usize> = rec
            .recommend(&request)
            .unwrap()
            .iter()
            .map(|r| r.index)
            .collect();
        assert_eq!(ids, [1]);
        request.decade = Some(1980);
        assert!(rec.recommend(&request).unwrap().is_empty());
    }

    #[test]
    fn bad_requests_get_named_errors() {
        let rec = recommender();
        assert_eq!(
            rec.recommend(&Request::liking(vec![], 5)).unwrap_err(),
            RecommendError::NoPicks
        );
        assert_eq!(
            rec.recommend(&Request::liking(vec![1, 999], 5))
                .unwrap_err(),
            RecommendError::UnknownMovie(999)
        );
    }
}
