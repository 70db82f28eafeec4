//! Forgiving title search: case, accents, punctuation and articles don't matter, and each typed
//! word may be the start of a title word, so results appear as the visitor types.

use crate::catalog::Catalog;

/// Articles ignored in queries ("the matrix" finds "Matrix, The").
const ARTICLES: &[&str] = &[
    "the", "a", "an", "le", "la", "les", "l", "il", "el", "los", "las", "der", "die", "das",
];

/// Lowercase ASCII words of `text`, accents folded ("Amélie" -> ["amelie"]).
pub fn words(text: &str) -> Vec<String> {
    let mut folded = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        match fold_accent(c) {
            Some(plain) => folded.push_str(plain),
            None if c.is_alphanumeric() => folded.push(c),
            None if c == '\'' || c == '\u{2019}' => {} // "bug's" -> "bugs"
            None => folded.push(' '),
        }
    }
    folded.split_whitespace().map(str::to_owned).collect()
}

fn fold_accent(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'č' => "c",
        'ď' | 'đ' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' => "i",
        'ł' | 'ľ' => "l",
        'ñ' | 'ń' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'œ' => "oe",
        'ř' => "r",
        'ś' | 'š' | 'ş' => "s",
        'ß' => "ss",
        'ť' | 'ţ' => "t",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => "u",
        'ý' | 'ÿ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    })
}

/// Pre-computed title words for every catalogue movie.
#[derive(Clone, Debug, Default)]
pub struct SearchIndex {
    titles: Vec<Vec<String>>,
}

impl SearchIndex {
    pub fn new(catalog: &Catalog) -> Self {
        let titles = catalog
            .movies
            .iter()
            .map(|m| {
                let mut w = words(&m.title);
                w.extend(m.year.map(|y| y.to_string()));
                w
            })
            .collect();
        Self { titles }
    }

    /// Movies whose title words start with every query word; titles that begin with the query
    /// come first, then the most rated.
    pub fn search(&self, catalog: &Catalog, query: &str, limit: usize) -> Vec<usize> {
        let all = words(query);
        let content: Vec<&String> = all
            .iter()
            .filter(|w| !ARTICLES.contains(&w.as_str()))
            .collect();
        // A query of articles alone ("the") still searches for them.
        let query: Vec<&String> = if content.is_empty() {
            all.iter().collect()
        } else {
            content
        };
        if query.is_empty() {
            return Vec::new();
        }
        let mut hits: Vec<(bool, u32, usize)> = self
            .titles
            .iter()
            .enumerate()
            .filter(|(_, title)| {
                query
                    .iter()
                    .all(|q| title.iter().any(|t| t.starts_with(q.as_str())))
            })
            .map(|(i, title)| {
                let leading = title
                    .first()
                    .is_some_and(|t| t.starts_with(query[0].as_str()));
                (leading, catalog.movies[i].rating_count, i)
            })
            .collect();
        hits.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
        hits.into_iter().take(limit).map(|(_, _, i)| i).collect()
    }
}

/// The most-rated movies, optionally of one genre: the browse rows for a visitor with no picks.
pub fn popular(catalog: &Catalog, genre: Option<usize>, limit: usize) -> Vec<usize> {
    let mut ids: Vec<usize> = (0..catalog.len())
        .filter(|&i| genre.is_none_or(|g| catalog.movies[i].has_genre(g)))
        .collect();
    ids.sort_unstable_by(|&a, &b| {
        catalog.movies[b]
            .rating_count
            .cmp(&catalog.movies[a].rating_count)
            .then(a.cmp(&b))
    });
    ids.truncate(limit);
    ids
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Movie;

    fn catalog() -> Catalog {
        let movie = |id, title: &str, year, count| Movie {
            id,
            title: String::from(title),
            year: Some(year),
            genres: id % 2 + 1,
            rating_count: count,
        };
        Catalog::new(
            vec!["Comedy".into(), "Drama".into()],
            vec![
                movie(1, "Matrix, The", 1999, 300),
                movie(2, "Matrix Reloaded, The", 2003, 100),
                movie(
                    3,
                    "Amélie (Fabuleux destin d'Amélie Poulain, Le)",
                    2001,
                    120,
                ),
                movie(4, "Animatrix, The", 2003, 10),
                movie(5, "Bug's Life, A", 1998, 90),
            ],
        )
    }

    #[test]
    fn finds_titles_regardless_of_case_accents_and_articles() {
        let c = catalog();
        let index = SearchIndex::new(&c);
        assert_eq!(index.search(&c, "matrix", 10), [0, 1]);
        assert_eq!(index.search(&c, "The MATRIX", 10), [0, 1]);
        assert_eq!(index.search(&c, "matr rel", 10), [1]);
        assert_eq!(index.search(&c, "amelie", 10), [2]);
        assert_eq!(index.search(&c, "Amélie", 10), [2]);
        assert_eq!(index.search(&c, "bug's", 10), [4]);
        assert_eq!(index.search(&c, "bugs life", 10), [4]);
        assert_eq!(index.search(&c, "matrix 2003", 10), [1]);
        assert!(index.search(&c, "zzz", 10).is_empty());
        assert!(index.search(&c, "  ", 10).is_empty());
    }

    #[test]
    fn popular_orders_by_rating_count_within_a_genre() {
        let c = catalog();
        assert_eq!(popular(&c, None, 3), [0, 2, 1]);
        // Genre 0 holds the even ids: 2 and 4.
        assert_eq!(popular(&c, Some(0), 10), [1, 3]);
    }
}
