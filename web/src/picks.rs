//! The visitor's choices: movies they like and movies that are "not for me", the actions that
//! change them, and their text form (`liked=1,50,181&not=3`), used both for localStorage and
//! for share URLs.

use shared::Catalog;
use std::rc::Rc;
use yew::Reducible;

/// Movie ids (MovieLens ids) the visitor liked and excluded, in the order they were chosen.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Picks {
    pub liked: Vec<u32>,
    pub excluded: Vec<u32>,
}

/// What a click does to the picks.
#[derive(Clone, Debug, PartialEq)]
pub enum PickAction {
    /// Adds to "Movies you like" (and takes it off "Not for me").
    Like(u32),
    /// Adds to "Not for me" (and takes it off "Movies you like").
    Exclude(u32),
    /// Takes the movie off whichever list holds it.
    Forget(u32),
    /// Empties both lists.
    Clear,
    /// Replaces everything, e.g. with picks from a share URL.
    Replace(Picks),
}

/// Where a movie stands with the visitor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PickStatus {
    Liked,
    Excluded,
    Undecided,
}

const LIKED_KEY: &str = "liked";
const EXCLUDED_KEY: &str = "not";

impl Picks {
    pub fn is_empty(&self) -> bool {
        self.liked.is_empty() && self.excluded.is_empty()
    }

    pub fn status(&self, movie_id: u32) -> PickStatus {
        if self.liked.contains(&movie_id) {
            PickStatus::Liked
        } else if self.excluded.contains(&movie_id) {
            PickStatus::Excluded
        } else {
            PickStatus::Undecided
        }
    }

    pub fn apply(&mut self, action: PickAction) {
        match action {
            PickAction::Like(id) => {
                self.forget(id);
                self.liked.push(id);
            }
            PickAction::Exclude(id) => {
                self.forget(id);
                self.excluded.push(id);
            }
            PickAction::Forget(id) => self.forget(id),
            PickAction::Clear => *self = Picks::default(),
            PickAction::Replace(picks) => *self = picks,
        }
    }

    fn forget(&mut self, id: u32) {
        self.liked.retain(|&m| m != id);
        self.excluded.retain(|&m| m != id);
    }

    /// The picks this model knows, and how many ids were dropped (saved by an older model).
    pub fn known_to(&self, catalog: &Catalog) -> (Picks, usize) {
        let known = |ids: &[u32]| -> Vec<u32> {
            ids.iter()
                .copied()
                .filter(|&id| catalog.index_of(id).is_some())
                .collect()
        };
        let picks = Picks {
            liked: known(&self.liked),
            excluded: known(&self.excluded),
        };
        let dropped =
            self.liked.len() + self.excluded.len() - picks.liked.len() - picks.excluded.len();
        (picks, dropped)
    }

    /// `liked=1,50,181&not=3`; empty lists are left out.
    pub fn to_fragment(&self) -> String {
        let list = |key: &str, ids: &[u32]| {
            let ids: Vec<String> = ids.iter().map(u32::to_string).collect();
            format!("{key}={}", ids.join(","))
        };
        let mut parts = Vec::new();
        if !self.liked.is_empty() {
            parts.push(list(LIKED_KEY, &self.liked));
        }
        if !self.excluded.is_empty() {
            parts.push(list(EXCLUDED_KEY, &self.excluded));
        }
        parts.join("&")
    }

    /// Reads [`Picks::to_fragment`]'s form; `None` when the text names neither list, so an
    /// unrelated `#anchor` is not mistaken for empty picks. Ids that are not numbers are skipped
    /// and a movie on both lists stays only on the last one named.
    pub fn from_fragment(text: &str) -> Option<Picks> {
        let mut picks = Picks::default();
        let mut found = false;
        for (key, ids) in text
            .trim_start_matches('#')
            .split('&')
            .filter_map(|part| part.split_once('='))
        {
            let make: fn(u32) -> PickAction = match key {
                LIKED_KEY => PickAction::Like,
                EXCLUDED_KEY => PickAction::Exclude,
                _ => continue,
            };
            found = true;
            for id in ids.split(',').filter_map(|id| id.trim().parse().ok()) {
                picks.apply(make(id));
            }
        }
        found.then_some(picks)
    }
}

impl Reducible for Picks {
    type Action = PickAction;

    fn reduce(self: Rc<Self>, action: PickAction) -> Rc<Self> {
        let mut picks = (*self).clone();
        picks.apply(action);
        Rc::new(picks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::tiny_model_file;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn picks(liked: &[u32], excluded: &[u32]) -> Picks {
        Picks {
            liked: liked.to_vec(),
            excluded: excluded.to_vec(),
        }
    }

    #[wasm_bindgen_test]
    fn liking_and_excluding_move_a_movie_between_lists() {
        let mut p = Picks::default();
        p.apply(PickAction::Like(1));
        p.apply(PickAction::Like(2));
        p.apply(PickAction::Exclude(1));
        assert_eq!(p, picks(&[2], &[1]));
        assert_eq!(p.status(1), PickStatus::Excluded);
        p.apply(PickAction::Like(1));
        p.apply(PickAction::Like(1));
        assert_eq!(p, picks(&[2, 1], &[]));
        p.apply(PickAction::Forget(2));
        assert_eq!(p.status(2), PickStatus::Undecided);
        p.apply(PickAction::Clear);
        assert!(p.is_empty());
    }

    #[wasm_bindgen_test]
    fn fragments_round_trip_and_tolerate_junk() {
        let p = picks(&[1, 50, 181], &[3]);
        assert_eq!(p.to_fragment(), "liked=1,50,181&not=3");
        assert_eq!(Picks::from_fragment(&p.to_fragment()), Some(p));
        assert_eq!(
            Picks::from_fragment("#liked=4,x,,5&utm=1"),
            Some(picks(&[4, 5], &[]))
        );
        assert_eq!(Picks::from_fragment("liked="), Some(Picks::default()));
        assert_eq!(Picks::from_fragment("#section-2"), None);
        assert_eq!(Picks::default().to_fragment(), "");
    }

    #[wasm_bindgen_test]
    fn unknown_ids_are_dropped_and_counted() {
        let catalog = tiny_model_file().catalog;
        let (known, dropped) = picks(&[1, 999], &[6, 7]).known_to(&catalog);
        assert_eq!(known, picks(&[1], &[6]));
        assert_eq!(dropped, 2);
    }
}
