//! The movie catalogue shipped inside the weights file: what the page shows and searches.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One movie the model can recommend.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Movie {
    /// MovieLens movie id.
    pub id: u32,
    /// Title as MovieLens writes it, without the year: "Matrix, The".
    pub title: String,
    pub year: Option<u16>,
    /// Bitmask over [`Catalog::genre_names`].
    pub genres: u32,
    /// Number of ratings in the training data: the popularity used for browse rows and search order.
    pub rating_count: u32,
}

/// Trailing articles MovieLens moves to the end of titles ("Matrix, The").
const TRAILING_ARTICLES: &[&str] = &[
    "The", "A", "An", "Les", "La", "Le", "L'", "Il", "El", "Los", "Las", "Der", "Die", "Das", "Den",
];

impl Movie {
    /// "The Matrix" for "Matrix, The"; other titles unchanged.
    pub fn display_title(&self) -> String {
        if let Some((head, article)) = self.title.rsplit_once(", ")
            && TRAILING_ARTICLES.contains(&article)
        {
            let sep = if article.ends_with('\'') { "" } else { " " };
            return format!("{article}{sep}{head}");
        }
        self.title.clone()
    }

    /// "The Matrix (1999)".
    pub fn label(&self) -> String {
        match self.year {
            Some(year) => format!("{} ({year})", self.display_title()),
            None => self.display_title(),
        }
    }

    pub fn has_genre(&self, genre: usize) -> bool {
        genre < 32 && self.genres & (1 << genre) != 0
    }

    pub fn decade(&self) -> Option<u16> {
        self.year.map(|y| y / 10 * 10)
    }
}

/// All movies of a model, in the model's item order, with their genre names.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Catalog {
    pub genre_names: Vec<String>,
    pub movies: Vec<Movie>,
    #[serde(skip)]
    index_by_id: HashMap<u32, usize>,
}

impl PartialEq for Catalog {
    fn eq(&self, other: &Self) -> bool {
        self.genre_names == other.genre_names && self.movies == other.movies
    }
}

impl Catalog {
    pub fn new(genre_names: Vec<String>, movies: Vec<Movie>) -> Self {
        let mut catalog = Self {
            genre_names,
            movies,
            index_by_id: HashMap::new(),
        };
        catalog.build_index();
        catalog
    }

    /// Rebuilds the id lookup; needed after deserialising.
    pub(crate) fn build_index(&mut self) {
        self.index_by_id = self
            .movies
            .iter()
            .enumerate()
            .map(|(i, m)| (m.id, i))
            .collect();
    }

    pub fn len(&self) -> usize {
        self.movies.len()
    }

    pub fn is_empty(&self) -> bool {
        self.movies.is_empty()
    }

    /// Position of a MovieLens movie id in the model, if the model knows it.
    pub fn index_of(&self, movie_id: u32) -> Option<usize> {
        self.index_by_id.get(&movie_id).copied()
    }

    /// Genre names of a movie, in catalogue order.
    pub fn genres_of(&self, movie: &Movie) -> Vec<&str> {
        self.genre_names
            .iter()
            .enumerate()
            .filter(|(g, _)| movie.has_genre(*g))
            .map(|(_, name)| name.as_str())
            .collect()
    }

    /// Distinct decades present, ascending.
    pub fn decades(&self) -> Vec<u16> {
        let mut decades: Vec<u16> = self.movies.iter().filter_map(Movie::decade).collect();
        decades.sort_unstable();
        decades.dedup();
        decades
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn movie(title: &str, year: Option<u16>) -> Movie {
        Movie {
            id: 1,
            title: title.into(),
            year,
            genres: 0b101,
            rating_count: 3,
        }
    }

    #[test]
    fn trailing_articles_move_to_the_front() {
        assert_eq!(
            movie("Matrix, The", Some(1999)).label(),
            "The Matrix (1999)"
        );
        assert_eq!(movie("Bug's Life, A", None).label(), "A Bug's Life");
        assert_eq!(movie("Haine, La", Some(1995)).display_title(), "La Haine");
        // A comma that is not an article stays.
        assert_eq!(
            movie("Crouching Tiger, Hidden Dragon", None).display_title(),
            "Crouching Tiger, Hidden Dragon"
        );
    }

    #[test]
    fn genres_and_lookup() {
        let catalog = Catalog::new(
            vec!["Action".into(), "Comedy".into(), "Drama".into()],
            vec![Movie {
                id: 42,
                ..movie("X", Some(1987))
            }],
        );
        assert_eq!(catalog.index_of(42), Some(0));
        assert_eq!(catalog.index_of(7), None);
        assert_eq!(catalog.genres_of(&catalog.movies[0]), ["Action", "Drama"]);
        assert_eq!(catalog.decades(), [1980]);
    }
}
