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
    /// IMDb title number (tt0114709 is 114709), from the release's links file.
    pub imdb_id: Option<u32>,
    /// TMDb movie id, from the release's links file.
    pub tmdb_id: Option<u32>,
}

/// Articles MovieLens moves to the end of a title or alternate title ("Matrix, The",
/// "Sjunde inseglet, Det"), in the languages its titles come in. Only the text after a part's
/// last ", " is looked up, and it must be one of these exactly. By line: English; French and
/// Italian; Spanish and Portuguese; German, Dutch and Scandinavian.
const TRAILING_ARTICLES: &[&str] = &[
    "The", "A", "An", //
    "Le", "La", "Les", "L'", "Un", "Une", "Il", "Lo", "Gli", "I", "Uno", "Una", "Un'", //
    "El", "Los", "Las", "O", "Os", "As", "Um", "Uma", //
    "Der", "Die", "Das", "Ein", "Eine", "De", "Het", "Een", "Den", "Det", "En", "Ett",
];

/// Articles of languages that write titles in sentence case: moved to the front, they take the
/// capital from the next word ("Sjunde inseglet, Det" -> "Det sjunde inseglet"). French, German
/// and English keep it ("La Haine", "Das Boot").
const SENTENCE_CASE_ARTICLES: &[&str] = &["De", "Het", "Een", "Den", "Det", "En", "Ett"];

/// `part` with a trailing article moved to the front: "Matrix, The" -> "The Matrix".
pub(crate) fn article_to_front(part: &str) -> String {
    if let Some((head, article)) = part.rsplit_once(", ")
        && !head.is_empty()
        && TRAILING_ARTICLES.contains(&article)
    {
        let head = if SENTENCE_CASE_ARTICLES.contains(&article) {
            lowercase_first_word(head)
        } else {
            head.to_owned()
        };
        let sep = if article.ends_with('\'') { "" } else { " " };
        return format!("{article}{sep}{head}");
    }
    part.to_owned()
}

/// `text` with its first letter lowercased when its first word is an ordinary capitalised word
/// ("Sjunde inseglet" -> "sjunde inseglet"); acronyms and single letters stay ("DVD", "X").
fn lowercase_first_word(text: &str) -> String {
    let mut chars = text.chars();
    let Some(first) = chars.next() else {
        return String::new();
    };
    let rest = chars.as_str();
    let rest_of_word = rest.split(' ').next().unwrap_or("");
    if first.is_uppercase()
        && rest_of_word.chars().any(char::is_lowercase)
        && !rest_of_word.chars().any(char::is_uppercase)
    {
        first.to_lowercase().chain(rest.chars()).collect()
    } else {
        text.to_owned()
    }
}

/// Splits the parenthesised alternate titles off the end of a MovieLens title:
/// "Seventh Seal, The (Sjunde inseglet, Det)" -> ("Seventh Seal, The", ["Sjunde inseglet, Det"]).
/// Parentheses inside the main title, or a title that is all parentheses, stay where they are.
pub(crate) fn split_alternates(title: &str) -> (&str, Vec<&str>) {
    let mut main = title.trim_end();
    let mut alternates = Vec::new();
    while main.ends_with(')') {
        let mut depth = 0usize;
        let mut open = None;
        for (i, byte) in main.bytes().enumerate().rev() {
            match byte {
                b')' => depth += 1,
                b'(' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        open = Some(i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(open) = open else { break };
        let before = &main[..open];
        if !before.ends_with(' ') || before.trim().is_empty() {
            break;
        }
        alternates.push(&main[open + 1..main.len() - 1]);
        main = before.trim_end();
    }
    alternates.reverse();
    (main, alternates)
}

impl Movie {
    /// The title as people write it: MovieLens's trailing articles moved to the front, in the
    /// main title and in each parenthesised alternate title ("Seventh Seal, The (Sjunde
    /// inseglet, Det)" -> "The Seventh Seal (Det sjunde inseglet)"); other titles unchanged.
    pub fn display_title(&self) -> String {
        let (main, alternates) = split_alternates(&self.title);
        let mut out = article_to_front(main);
        for alternate in alternates {
            out.push_str(" (");
            match alternate.strip_prefix("a.k.a. ") {
                Some(rest) => {
                    out.push_str("a.k.a. ");
                    out.push_str(&article_to_front(rest));
                }
                None => out.push_str(&article_to_front(alternate)),
            }
            out.push(')');
        }
        out
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

    /// Adds `movies` at the end (the tail's, [`crate::tail`]); an id already here is refused.
    pub fn extend(&mut self, movies: Vec<Movie>) -> Result<(), u32> {
        if let Some(known) = movies.iter().find(|m| self.index_by_id.contains_key(&m.id)) {
            return Err(known.id);
        }
        self.movies.extend(movies);
        self.build_index();
        Ok(())
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
            imdb_id: None,
            tmdb_id: None,
        }
    }

    fn shown(title: &str) -> String {
        movie(title, None).display_title()
    }

    #[test]
    fn trailing_articles_move_to_the_front() {
        assert_eq!(
            movie("Matrix, The", Some(1999)).label(),
            "The Matrix (1999)"
        );
        assert_eq!(movie("Bug's Life, A", None).label(), "A Bug's Life");
        assert_eq!(movie("Haine, La", Some(1995)).display_title(), "La Haine");
        assert_eq!(
            shown("Shawshank Redemption, The"),
            "The Shawshank Redemption"
        );
        assert_eq!(shown("Avventura, L'"), "L'Avventura");
        assert_eq!(shown("Boot, Das"), "Das Boot");
        // A comma that is not an article stays.
        assert_eq!(
            shown("Crouching Tiger, Hidden Dragon"),
            "Crouching Tiger, Hidden Dragon"
        );
        // Only what follows the last ", " can be an article.
        assert_eq!(
            shown("Good, the Bad and the Ugly, The"),
            "The Good, the Bad and the Ugly"
        );
        assert_eq!(shown("Me, Myself and I"), "Me, Myself and I");
    }

    #[test]
    fn articles_move_inside_alternate_titles_too() {
        assert_eq!(
            movie("Seventh Seal, The (Sjunde inseglet, Det)", Some(1957)).label(),
            "The Seventh Seal (Det sjunde inseglet) (1957)"
        );
        assert_eq!(
            shown("Amélie (Fabuleux destin d'Amélie Poulain, Le)"),
            "Amélie (Le Fabuleux destin d'Amélie Poulain)"
        );
        assert_eq!(
            shown("City of Lost Children, The (Cité des enfants perdus, La)"),
            "The City of Lost Children (La Cité des enfants perdus)"
        );
        assert_eq!(
            shown("Good, the Bad and the Ugly, The (buono, il brutto, il cattivo, Il)"),
            "The Good, the Bad and the Ugly (Il buono, il brutto, il cattivo)"
        );
        assert_eq!(
            shown("Assault, The (Aanslag, De)"),
            "The Assault (De aanslag)"
        );
        // Nothing to move: unchanged, "a.k.a." and all.
        assert_eq!(
            shown("Léon: The Professional (a.k.a. The Professional) (Léon)"),
            "Léon: The Professional (a.k.a. The Professional) (Léon)"
        );
        assert_eq!(
            shown("Crouching Tiger, Hidden Dragon (Wo hu cang long)"),
            "Crouching Tiger, Hidden Dragon (Wo hu cang long)"
        );
        assert_eq!(shown("Seven (a.k.a. Se7en)"), "Seven (a.k.a. Se7en)");
        assert_eq!(
            shown("Postman, The (Postino, Il) (a.k.a. Postman, The)"),
            "The Postman (Il Postino) (a.k.a. The Postman)"
        );
        // Acronyms keep their capitals after a sentence-case article.
        assert_eq!(shown("Film (DVD, Het)"), "Film (Het DVD)");
        // Parentheses that are not trailing alternates, or are the whole title, stay put.
        assert_eq!(shown("(500) Days of Summer"), "(500) Days of Summer");
        assert_eq!(shown("(Untitled)"), "(Untitled)");
        assert_eq!(shown("Broken (Title"), "Broken (Title");
        assert_eq!(shown(""), "");
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
