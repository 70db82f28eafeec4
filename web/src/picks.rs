//! The visitor's choices: movies they like, movies that are "not for me", movies they have
//! seen and movies they gave stars, the actions that change them, and their text form
//! (`liked=1,50&not=3&seen=7&rated=260:4.5`), used
//! both for localStorage and for share URLs; also the context that hands them to the page's
//! components ([`PicksContext`]) and when a share link's picks must wait for the visitor.

use shared::stars::HIGH_STARS;
use shared::{Catalog, FoldedStars, Recommender};
use std::rc::Rc;
use yew::{Callback, Reducible};

/// Movie ids (MovieLens ids) the visitor chose, each list in the order they were chosen. A
/// movie is on at most one list.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Picks {
    pub liked: Vec<u32>,
    /// "Not for me": never recommended, and the movies like them are pushed down.
    pub disliked: Vec<u32>,
    /// "Seen it": never recommended, nothing else.
    pub seen: Vec<u32>,
    /// Movies given stars, in half-stars (1 is half a star, 10 five stars).
    pub rated: Vec<(u32, u8)>,
}

/// The stars of `halves` half-stars.
pub fn stars(halves: u8) -> f32 {
    f32::from(halves) / 2.0
}

/// "3.5" for 7 half-stars, "4" for 8: as [`stars`] prints, without formatting a float (slow in
/// wasm, and the share link writes one for every rated movie on every click).
pub fn stars_figure(halves: u8) -> String {
    let half = if halves % 2 == 1 { ".5" } else { "" };
    format!("{}{half}", halves / 2)
}

/// "★★★½" for 7 half-stars.
pub fn star_text(halves: u8) -> String {
    let mut text = "★".repeat(usize::from(halves / 2));
    if halves % 2 == 1 {
        text.push('½');
    }
    text
}

/// What a click does to the picks.
#[derive(Clone, Debug, PartialEq)]
pub enum PickAction {
    /// Adds to "Movies you like" (and takes it off the other lists).
    Like(u32),
    /// Adds to "Not for me" (and takes it off the other lists).
    Dislike(u32),
    /// Adds to "Seen it" (and takes it off the other lists).
    Seen(u32),
    /// Gives the movie stars, in half-stars from 1 to 10 (and takes it off the other lists).
    Rate(u32, u8),
    /// Gives each movie its stars (an import): a movie already on a list takes the new stars.
    RateAll(Vec<(u32, u8)>),
    /// Takes the movie off whichever list holds it.
    Forget(u32),
    /// Empties every list.
    Clear,
    /// Replaces everything, e.g. with picks from a share URL.
    Replace(Picks),
    /// Adds picks from a share URL to these; where both name a movie, these win.
    Merge(Picks),
}

/// Where a movie stands with the visitor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PickStatus {
    Liked,
    Disliked,
    Seen,
    /// Given stars, in half-stars.
    Rated(u8),
    Undecided,
}

/// The visitor's picks and the one way to change them, for every component that shows a movie.
#[derive(Clone, PartialEq)]
pub struct PicksContext {
    pub picks: Rc<Picks>,
    pub act: Callback<PickAction>,
    /// The last change, for the confirmation that follows a click far from the lists.
    pub last: Option<PickAction>,
    /// The visitor folded into the stars network for these picks ([`folded_stars`]): the
    /// lists predict only the movies they show, no click predicts every movie.
    pub folded: Rc<Option<FoldedStars>>,
}

impl PicksContext {
    /// The predicted stars of catalogue movie `index` in tenths (42 for 4.2), as a card shows
    /// them: a card re-renders only when what it shows changes. The catalogue's tail has none.
    pub fn predicted_tenths(&self, model: &Recommender, index: usize) -> Option<u8> {
        let stars = model.stars_of((*self.folded).as_ref()?, index)?;
        Some((stars * 10.0).round() as u8)
    }
}

/// The visitor's stars, likes and dislikes folded into the stars network; `None` before they
/// gave any, or when the model carries no stars.
pub fn folded_stars(model: &Recommender, picks: &Picks) -> Option<FoldedStars> {
    let indices = |ids: &[u32]| -> Vec<usize> {
        ids.iter()
            .filter_map(|&id| model.catalog.index_of(id))
            .collect()
    };
    let rated: Vec<(usize, f32)> = (picks.rated.iter())
        .filter_map(|&(id, halves)| Some((model.catalog.index_of(id)?, stars(halves))))
        .collect();
    let (liked, disliked) = (indices(&picks.liked), indices(&picks.disliked));
    if rated.is_empty() && liked.is_empty() && disliked.is_empty() {
        return None;
    }
    model.fold_in_stars(&rated, &liked, &disliked)
}

/// Ids a model did not know and left out, and where they came from, for the note that says so.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Dropped {
    pub count: usize,
    pub from: Origin,
}

/// Where picks came from.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Origin {
    /// The visitor's own, saved by an earlier visit (perhaps with an older model).
    #[default]
    Saved,
    /// A share link.
    Link,
}

impl Dropped {
    /// "2 saved picks are not in this model, so left out." (empty when none were dropped).
    pub fn message(&self) -> String {
        let (count, plural) = (self.count, self.count != 1);
        match (count, self.from) {
            (0, _) => String::new(),
            (_, Origin::Saved) => format!(
                "{count} saved pick{} not in this model, so left out.",
                if plural { "s are" } else { " is" }
            ),
            (_, Origin::Link) => format!(
                "{count} movie{} in the shared link {} not in this model, so left out.",
                if plural { "s" } else { "" },
                if plural { "are" } else { "is" }
            ),
        }
    }
}

/// A share link's picks that this model knows, and how many it named that the model does not.
#[derive(Clone, Debug, PartialEq)]
pub struct SharedLink {
    pub picks: Picks,
    pub unknown: usize,
}

/// Whether a share link's picks must wait for the visitor's choice: they would overwrite
/// different picks of the visitor's own.
pub fn link_asks_first(mine: &Picks, link: &Picks) -> bool {
    !mine.is_empty() && mine != link
}

/// The action that puts a movie on one list (`PickAction::Like`, …).
type PutOnList = fn(u32) -> PickAction;

const LIKED_KEY: &str = "liked";
const DISLIKED_KEY: &str = "not";
const SEEN_KEY: &str = "seen";
const RATED_KEY: &str = "rated";

impl Picks {
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Movies on all lists.
    pub fn len(&self) -> usize {
        self.liked.len() + self.disliked.len() + self.seen.len() + self.rated.len()
    }

    /// The movies the list starts from: the liked, and those given [`HIGH_STARS`] or more.
    pub fn liked_or_starred(&self) -> Vec<u32> {
        let starred = (self.rated.iter())
            .filter(|&&(_, halves)| stars(halves) >= HIGH_STARS)
            .map(|&(id, _)| id);
        self.liked.iter().copied().chain(starred).collect()
    }

    /// The stars given, as the recommender takes them (MovieLens id, stars).
    pub fn rated_stars(&self) -> Vec<(u32, f32)> {
        self.rated.iter().map(|&(id, h)| (id, stars(h))).collect()
    }

    pub fn status(&self, movie_id: u32) -> PickStatus {
        if self.liked.contains(&movie_id) {
            PickStatus::Liked
        } else if self.disliked.contains(&movie_id) {
            PickStatus::Disliked
        } else if self.seen.contains(&movie_id) {
            PickStatus::Seen
        } else if let Some(&(_, halves)) = self.rated.iter().find(|(id, _)| *id == movie_id) {
            PickStatus::Rated(halves)
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
            PickAction::Dislike(id) => {
                self.forget(id);
                self.disliked.push(id);
            }
            PickAction::Seen(id) => {
                self.forget(id);
                self.seen.push(id);
            }
            PickAction::Rate(id, halves) => {
                self.forget(id);
                self.rated.push((id, halves.clamp(1, 10)));
            }
            PickAction::RateAll(rated) => {
                // One pass over each list, not one per movie: an import may hold thousands.
                let stars: std::collections::HashMap<u32, u8> = rated.iter().copied().collect();
                self.liked.retain(|id| !stars.contains_key(id));
                self.disliked.retain(|id| !stars.contains_key(id));
                self.seen.retain(|id| !stars.contains_key(id));
                self.rated.retain(|(id, _)| !stars.contains_key(id));
                let mut added = std::collections::HashSet::new();
                for (id, _) in rated {
                    if added.insert(id) {
                        self.rated.push((id, stars[&id].clamp(1, 10)));
                    }
                }
            }
            PickAction::Forget(id) => self.forget(id),
            PickAction::Clear => *self = Picks::default(),
            PickAction::Replace(picks) => *self = picks,
            PickAction::Merge(other) => {
                for (ids, make) in other.lists() {
                    for &id in ids {
                        if self.status(id) == PickStatus::Undecided {
                            self.apply(make(id));
                        }
                    }
                }
                for (id, halves) in other.rated {
                    if self.status(id) == PickStatus::Undecided {
                        self.apply(PickAction::Rate(id, halves));
                    }
                }
            }
        }
    }

    /// Each list with the action that puts a movie on it.
    fn lists(&self) -> [(&[u32], PutOnList); 3] {
        [
            (&self.liked, PickAction::Like),
            (&self.disliked, PickAction::Dislike),
            (&self.seen, PickAction::Seen),
        ]
    }

    fn forget(&mut self, id: u32) {
        self.liked.retain(|&m| m != id);
        self.disliked.retain(|&m| m != id);
        self.seen.retain(|&m| m != id);
        self.rated.retain(|&(m, _)| m != id);
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
            disliked: known(&self.disliked),
            seen: known(&self.seen),
            rated: (self.rated.iter())
                .copied()
                .filter(|&(id, _)| catalog.index_of(id).is_some())
                .collect(),
        };
        let dropped = self.len() - picks.len();
        (picks, dropped)
    }

    /// `liked=1,50,181&not=3&seen=7&rated=260:4.5,1196:2`; empty lists are left out.
    pub fn to_fragment(&self) -> String {
        let rated: Vec<String> = (self.rated.iter())
            .map(|&(id, halves)| format!("{id}:{}", stars_figure(halves)))
            .collect();
        [
            (LIKED_KEY, &self.liked),
            (DISLIKED_KEY, &self.disliked),
            (SEEN_KEY, &self.seen),
        ]
        .into_iter()
        .map(|(key, ids)| (key, ids.iter().map(u32::to_string).collect::<Vec<_>>()))
        .chain([(RATED_KEY, rated)])
        .filter(|(_, ids)| !ids.is_empty())
        .map(|(key, ids)| format!("{key}={}", ids.join(",")))
        .collect::<Vec<_>>()
        .join("&")
    }

    /// Reads [`Picks::to_fragment`]'s form; `None` when the text names no list, so an unrelated
    /// `#anchor` is not mistaken for empty picks. Ids that are not numbers are skipped and a
    /// movie on several lists stays only on the last one named.
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
                DISLIKED_KEY => PickAction::Dislike,
                SEEN_KEY => PickAction::Seen,
                RATED_KEY => {
                    found = true;
                    let rated = ids
                        .split(',')
                        .filter_map(|r| shared::stars::parse_rated(r).ok());
                    for (id, halves) in rated {
                        picks.apply(PickAction::Rate(id, halves));
                    }
                    continue;
                }
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

    fn picks(liked: &[u32], disliked: &[u32]) -> Picks {
        Picks {
            liked: liked.to_vec(),
            disliked: disliked.to_vec(),
            seen: Vec::new(),
            rated: Vec::new(),
        }
    }

    #[wasm_bindgen_test]
    fn a_number_of_stars_reads_as_the_float_prints() {
        for halves in 1..=10 {
            assert_eq!(stars_figure(halves), stars(halves).to_string(), "{halves}");
        }
    }

    #[wasm_bindgen_test]
    fn liking_and_excluding_move_a_movie_between_lists() {
        let mut p = Picks::default();
        p.apply(PickAction::Like(1));
        p.apply(PickAction::Like(2));
        p.apply(PickAction::Dislike(1));
        assert_eq!(p, picks(&[2], &[1]));
        assert_eq!(p.status(1), PickStatus::Disliked);
        p.apply(PickAction::Seen(1));
        assert_eq!(p.status(1), PickStatus::Seen);
        assert!(p.disliked.is_empty());
        p.apply(PickAction::Like(1));
        p.apply(PickAction::Like(1));
        assert_eq!(p, picks(&[2, 1], &[]));
        p.apply(PickAction::Merge(Picks {
            liked: vec![3],
            disliked: vec![2],
            seen: vec![4],
            rated: Vec::new(),
        }));
        assert_eq!(p.liked, [2, 1, 3], "on both: mine wins");
        assert_eq!(
            (p.disliked.as_slice(), p.seen.as_slice()),
            (&[][..], &[4][..])
        );
        p.apply(PickAction::Forget(2));
        assert_eq!(p.status(2), PickStatus::Undecided);
        p.apply(PickAction::Clear);
        assert!(p.is_empty());
    }

    #[wasm_bindgen_test]
    fn stars_move_a_movie_off_the_other_lists_and_imports_merge() {
        let mut p = picks(&[1, 2], &[]);
        p.apply(PickAction::Rate(1, 9));
        assert_eq!(
            (p.liked.as_slice(), p.status(1)),
            (&[2][..], PickStatus::Rated(9))
        );
        p.apply(PickAction::RateAll(vec![(1, 4), (3, 10)]));
        assert_eq!(
            p.rated,
            [(1, 4), (3, 10)],
            "re-rated in place of a duplicate"
        );
        assert_eq!(p.rated_stars(), [(1, 2.0), (3, 5.0)]);
        p.apply(PickAction::Forget(1));
        assert_eq!(p.status(1), PickStatus::Undecided);
        assert_eq!(star_text(7), "★★★½");
    }

    #[wasm_bindgen_test]
    fn fragments_round_trip_and_tolerate_junk() {
        let rated = Picks {
            rated: vec![(260, 9), (1196, 4)],
            ..picks(&[1], &[])
        };
        assert_eq!(rated.to_fragment(), "liked=1&rated=260:4.5,1196:2");
        assert_eq!(Picks::from_fragment(&rated.to_fragment()), Some(rated));
        assert_eq!(
            Picks::from_fragment("rated=5:4.2,6:0,7:x,8:5")
                .unwrap()
                .rated,
            [(8, 10)]
        );
        let p = picks(&[1, 50, 181], &[3]);
        assert_eq!(p.to_fragment(), "liked=1,50,181&not=3");
        assert_eq!(Picks::from_fragment(&p.to_fragment()), Some(p));
        let with_seen = Picks::from_fragment("seen=9,3&not=3").unwrap();
        assert_eq!((with_seen.seen, with_seen.disliked), (vec![9], vec![3]));
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

    #[wasm_bindgen_test]
    fn the_note_on_dropped_ids_names_where_they_came_from() {
        let note = |count, from| Dropped { count, from }.message();
        assert_eq!(note(0, Origin::Link), "");
        assert_eq!(
            note(1, Origin::Saved),
            "1 saved pick is not in this model, so left out."
        );
        assert_eq!(
            note(3, Origin::Link),
            "3 movies in the shared link are not in this model, so left out."
        );
    }
}
