//! Training ratings as the classic rating models read them: grouped by user and by movie
//! ([`RatingMatrix`]), and the [`RatingPredictor`] trait they implement.

use super::Fitted;
use crate::data::{Dataset, Rating};
use rayon::prelude::*;

/// Training ratings grouped by user and by item (Surprise's `ur` and `ir`), with dense indices.
pub struct RatingMatrix {
    /// Mean of all training ratings.
    pub mean: f64,
    /// Per user, `(item, rating)` in the order of the training ratings.
    pub by_user: Vec<Vec<(u32, f32)>>,
    /// Per item, `(user, rating)` in the order of the training ratings.
    pub by_item: Vec<Vec<(u32, f32)>>,
}

impl RatingMatrix {
    /// The training ratings over every user and movie of `dataset`.
    pub fn of(train: &[Rating], dataset: &Dataset) -> Self {
        Self::new(train, dataset.n_users(), dataset.n_items())
    }

    pub fn new(train: &[Rating], users: usize, items: usize) -> Self {
        let mut by_user = vec![Vec::new(); users];
        let mut by_item = vec![Vec::new(); items];
        for r in train {
            by_user[r.user as usize].push((r.item, r.rating));
            by_item[r.item as usize].push((r.user, r.rating));
        }
        let mean = train.iter().map(|r| f64::from(r.rating)).sum::<f64>() / train.len() as f64;
        Self {
            mean,
            by_user,
            by_item,
        }
    }

    pub fn users(&self) -> usize {
        self.by_user.len()
    }

    pub fn items(&self) -> usize {
        self.by_item.len()
    }

    /// Every rating as `(user, item, rating)`, grouped by user (Surprise's `all_ratings()`).
    pub fn iter(&self) -> impl Iterator<Item = (usize, usize, f64)> + '_ {
        self.by_user
            .iter()
            .enumerate()
            .flat_map(|(u, row)| row.iter().map(move |&(i, r)| (u, i as usize, f64::from(r))))
    }

    pub fn knows_user(&self, user: usize) -> bool {
        self.by_user.get(user).is_some_and(|row| !row.is_empty())
    }

    pub fn knows_item(&self, item: usize) -> bool {
        self.by_item.get(item).is_some_and(|row| !row.is_empty())
    }
}

/// A model that estimates the rating a known user would give a movie.
pub trait RatingPredictor: Sync {
    /// The estimate, before it is clipped to the rating scale.
    fn estimate(&self, user: usize, item: usize) -> f64;
    /// Number of fitted values (biases, factors, similarities).
    fn parameters(&self) -> usize;

    /// The fitted model as the rating protocol runs it.
    fn into_fitted<'a>(self) -> Fitted<'a>
    where
        Self: Sized + 'a,
    {
        Fitted {
            parameters: self.parameters(),
            predict: Box::new(move |ratings: &[Rating]| {
                ratings
                    .par_iter()
                    .map(|r| self.estimate(r.user as usize, r.item as usize) as f32)
                    .collect()
            }),
            history: Default::default(),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn rating(user: u32, item: u32, rating: f32) -> Rating {
        Rating {
            user,
            item,
            rating,
            timestamp: 0,
        }
    }

    #[test]
    fn rating_matrix_groups_both_ways() {
        let m = RatingMatrix::new(
            &[rating(0, 1, 4.0), rating(1, 1, 2.0), rating(0, 0, 3.0)],
            3,
            2,
        );
        assert_eq!(m.mean, 3.0);
        assert_eq!(m.by_user[0], [(1, 4.0), (0, 3.0)]);
        assert_eq!(m.by_item[1], [(0, 4.0), (1, 2.0)]);
        assert!(m.knows_user(1) && !m.knows_user(2) && !m.knows_user(7));
        let all: Vec<_> = m.iter().collect();
        assert_eq!(all, [(0, 1, 4.0), (0, 0, 3.0), (1, 1, 2.0)]);
    }
}
