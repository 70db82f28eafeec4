//! Forgiving title search, run on every keystroke in the browser.
//!
//! Case, accents, punctuation and articles don't matter, and each typed word may be the start
//! of a title word, so results appear as the visitor types. Missing spaces and hyphens are
//! understood ("spiderman" finds "Spider-Man", "walle" finds "WALL·E"), and so are initials
//! ("lotr"). Only when none of that finds anything are small typos forgiven ("star wras"), and
//! then the corrected query comes back as a "did you mean" suggestion. Sequel numbers are
//! understood however they are written: "godfather 2" finds "Godfather: Part II", "star wars 5"
//! "Star Wars: Episode V", "rocky iv" "Rocky IV" and "alien 3" "Alien³" (see [`numbered`]).
//!
//! The index holds up to ~15,000 titles and the search runs in wasm on every keystroke, so
//! everything about a title is prepared once in [`SearchIndex::new`], and the typo distance
//! stops as soon as it exceeds its bound.

use crate::catalog::Catalog;
use std::cmp::Reverse;

/// Articles ignored in queries ("the matrix" finds "Matrix, The").
const ARTICLES: &[&str] = &[
    "the", "a", "an", "le", "la", "les", "l", "il", "el", "los", "las", "der", "die", "das",
];

/// Longest word (in bytes) that typo matching compares; longer words match exactly or not at
/// all. Keeps the distance rows on the stack.
const MAX_FUZZY_LEN: usize = 63;

/// Lowercase ASCII words of `text`, accents folded ("Amélie" -> ["amelie"]).
pub fn words(text: &str) -> Vec<String> {
    let mut folded = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        match fold_accent(c) {
            // A superscript digit is a word of its own: "Alien³" is "alien 3".
            Some(digit @ ("1" | "2" | "3")) => {
                folded.push(' ');
                folded.push_str(digit);
                folded.push(' ');
            }
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
        '¹' => "1",
        '²' => "2",
        '³' => "3",
        _ => return None,
    })
}

/// Words that may stand before a sequel number, and go when they do ("part 2" is "2").
const SEQUEL_MARKERS: &[&str] = &["part", "episode", "chapter", "vol", "volume"];
/// Numbers written as words, only read as numbers after a [`SEQUEL_MARKERS`] word ("Part Two").
const NUMBER_WORDS: &[&str] = &[
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
];

/// The value of a Roman numeral from 1 to 39 written the usual way ("iv", "xii"), if `word` is one.
fn roman(word: &str) -> Option<u32> {
    let tens = word.len() - word.trim_start_matches('x').len();
    let ones = match &word[tens..] {
        "" => 0,
        "i" => 1,
        "ii" => 2,
        "iii" => 3,
        "iv" => 4,
        "v" => 5,
        "vi" => 6,
        "vii" => 7,
        "viii" => 8,
        "ix" => 9,
        _ => return None,
    };
    let value = 10 * tens as u32 + ones;
    (tens <= 3 && value > 0).then_some(value)
}

/// `words` with sequel numbers in one form, digits: a Roman numeral of two letters or more
/// ("ii", "xiv") anywhere, a one-letter one ("i", "v", "x") only after a marker word or at the
/// end (so "X-Men" keeps its "x"), and a number word after a marker word; a marker word before
/// a number goes. "godfather part ii" and "godfather 2" both become "godfather 2", "star wars
/// episode v the empire strikes back" becomes "star wars 5 the empire strikes back".
pub fn numbered(words: &[String]) -> Vec<String> {
    let after_marker = |k: usize| k > 0 && SEQUEL_MARKERS.contains(&words[k - 1].as_str());
    let number = |k: usize| -> Option<u32> {
        let word = words[k].as_str();
        if let Some(value) = roman(word)
            && (word.len() > 1 || after_marker(k) || k + 1 == words.len())
        {
            return Some(value);
        }
        let spelled = NUMBER_WORDS.iter().position(|&w| w == word)?;
        after_marker(k).then_some(spelled as u32 + 1)
    };
    let is_number = |k: usize| number(k).is_some() || words[k].bytes().all(|b| b.is_ascii_digit());
    (0..words.len())
        .filter(|&k| {
            let marker = SEQUEL_MARKERS.contains(&words[k].as_str());
            !(marker && k + 1 < words.len() && is_number(k + 1))
        })
        .map(|k| number(k).map_or_else(|| words[k].clone(), |n| n.to_string()))
        .collect()
}

/// What [`SearchIndex::search`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchResults {
    /// Catalogue indices, best first.
    pub movies: Vec<usize>,
    /// The query with its typos corrected ("star wars" for "star wras"), in the lowercase words
    /// [`words`] yields: set only when no title matched the query as typed and `movies` come
    /// from forgiving typos, so the page can ask "did you mean …?".
    pub suggestion: Option<String>,
}

/// One title prepared for search: built once, read on every keystroke.
#[derive(Clone, Debug, Default)]
struct Title {
    /// The title's words, then its year, without spaces: "spiderman2002". Matching a query word
    /// against `joined` from a word start lets it run over word boundaries ("spiderman").
    joined: String,
    /// Byte offset in `joined` where each word starts; the first is 0.
    starts: Vec<usize>,
    /// First letter of each title word (not the year), articles included: "lotrtfotrt".
    initials: String,
}

/// Where a query word matched in a title, and how many typos that took.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct WordMatch {
    distance: usize,
    /// The title words the query word stands for (inclusive); meaningless at distance 0.
    first: usize,
    last: usize,
}

impl Title {
    fn new(title_words: &[String], year: Option<u16>) -> Self {
        let length: usize = title_words.iter().map(String::len).sum::<usize>() + 5;
        let mut joined = String::with_capacity(length);
        let mut starts = Vec::with_capacity(title_words.len() + 1);
        let mut initials = String::with_capacity(title_words.len());
        for word in title_words {
            starts.push(joined.len());
            joined.push_str(word);
            initials.extend(word.chars().next());
        }
        if let Some(year) = year {
            starts.push(joined.len());
            joined.push_str(&year.to_string());
        }
        Self {
            joined,
            starts,
            initials,
        }
    }

    /// Word `i` (a title word or the year).
    fn word(&self, i: usize) -> &str {
        let end = self.starts.get(i + 1).copied().unwrap_or(self.joined.len());
        &self.joined[self.starts[i]..end]
    }

    /// `word` is one of the title's words (or its year), whole.
    fn has_word(&self, word: &str) -> bool {
        (0..self.starts.len()).any(|i| self.word(i) == word)
    }

    /// Words `i` and `i + 1` without a space, if there is a next word.
    fn pair(&self, i: usize) -> Option<&str> {
        if i + 1 >= self.starts.len() {
            return None;
        }
        let start = self.starts[i];
        let end = self.starts.get(i + 2).copied().unwrap_or(self.joined.len());
        Some(&self.joined[start..end])
    }

    /// The word holding byte `offset` of `joined`.
    fn word_at(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }

    /// Words `first..=last` joined by spaces: what a suggestion shows for them.
    fn words_text(&self, first: usize, last: usize) -> String {
        (first..=last)
            .map(|i| self.word(i))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// `query_word` starts a title word, possibly running on into the following words without
    /// their spaces ("spiderman" in "spider man", "xmen" in "x men").
    fn has_prefix(&self, query_word: &str) -> bool {
        self.starts
            .iter()
            .any(|&s| self.joined[s..].starts_with(query_word))
    }

    /// The closest match for a query word within `bound` typos; distance 0 for an exact prefix
    /// match. The last query word may still be half typed, so it is compared with the start of
    /// the title from each word on ("godfath" is close to "godfather"); other query words are
    /// compared with whole title words and with two words run together ("spidrman").
    fn closest(&self, query_word: &str, bound: usize, last_word: bool) -> Option<WordMatch> {
        if self.has_prefix(query_word) {
            return Some(WordMatch {
                distance: 0,
                first: 0,
                last: 0,
            });
        }
        let query = query_word.as_bytes();
        let mut best: Option<WordMatch> = None;
        for (i, &start) in self.starts.iter().enumerate() {
            // Fuzzy distances are at least 1 (0 would have been a prefix match above), so only a
            // strictly better match is worth looking for.
            let cap = best.map_or(bound, |b| b.distance.saturating_sub(1));
            if cap == 0 {
                break;
            }
            let found = if last_word {
                osa_within(query, &self.joined.as_bytes()[start..], cap, true).map(|(d, len)| {
                    WordMatch {
                        distance: d,
                        first: i,
                        last: self.word_at(start + len.max(1) - 1),
                    }
                })
            } else {
                let single =
                    osa_within(query, self.word(i).as_bytes(), cap, false).map(|(d, _)| {
                        WordMatch {
                            distance: d,
                            first: i,
                            last: i,
                        }
                    });
                let pair = self
                    .pair(i)
                    .and_then(|p| osa_within(query, p.as_bytes(), cap, false))
                    .map(|(d, _)| WordMatch {
                        distance: d,
                        first: i,
                        last: i + 1,
                    });
                match (single, pair) {
                    (Some(s), Some(p)) if p.distance < s.distance => Some(p),
                    (Some(s), _) => Some(s),
                    (None, p) => p,
                }
            };
            if found.is_some() {
                best = found;
            }
        }
        best
    }
}

/// Typos forgiven in a query word: none below 4 letters (too many short words are that close),
/// one for 4 to 7 letters, two from 8; none in a word with digits ("1998" is not "1999").
fn typo_bound(word: &str) -> usize {
    if word.chars().any(|c| c.is_ascii_digit()) {
        return 0;
    }
    match word.chars().count() {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// Optimal-string-alignment (Damerau–Levenshtein without repeated edits of one substring)
/// distance between `query` and `target`, as `(distance, target bytes used)`, if it is at most
/// `bound`. With `prefix`, the distance to the closest prefix of `target` instead (the shortest
/// such prefix on ties), for a word still being typed.
///
/// Cheap when the answer is "no": lengths that differ by more than `bound` are refused at once,
/// and the table stops at the first row whose every cell exceeds `bound` (no later row can come
/// back under it: a row's minimum is at most one more than the row before's). Words longer than
/// [`MAX_FUZZY_LEN`] bytes are refused.
fn osa_within(query: &[u8], target: &[u8], bound: usize, prefix: bool) -> Option<(usize, usize)> {
    let n = query.len();
    // A prefix longer than the query plus `bound` is too far from it already.
    let target = if prefix {
        &target[..target.len().min(n + bound)]
    } else {
        target
    };
    let m = target.len();
    if n.abs_diff(m) > bound || n > MAX_FUZZY_LEN || m > MAX_FUZZY_LEN {
        return None;
    }
    // rows[i % 3] holds row i (query[..i] against every target[..j]).
    let mut rows = [[0u8; MAX_FUZZY_LEN + 1]; 3];
    for (j, cell) in rows[0][..=m].iter_mut().enumerate() {
        *cell = j as u8;
    }
    for i in 1..=n {
        let (cur, prev, prev2) = (i % 3, (i + 2) % 3, (i + 1) % 3);
        rows[cur][0] = i as u8;
        let mut row_min = rows[cur][0];
        for j in 1..=m {
            let cost = u8::from(query[i - 1] != target[j - 1]);
            let mut d = (rows[prev][j - 1] + cost)
                .min(rows[prev][j] + 1)
                .min(rows[cur][j - 1] + 1);
            if i > 1 && j > 1 && query[i - 1] == target[j - 2] && query[i - 2] == target[j - 1] {
                d = d.min(rows[prev2][j - 2] + 1);
            }
            rows[cur][j] = d;
            row_min = row_min.min(d);
        }
        if usize::from(row_min) > bound {
            return None;
        }
    }
    let last = &rows[n % 3][..=m];
    let (distance, used) = if prefix {
        // The first (shortest) prefix at the smallest distance.
        let mut best = (last[0], 0);
        for (j, &d) in last.iter().enumerate() {
            if d < best.0 {
                best = (d, j);
            }
        }
        best
    } else {
        (last[m], m)
    };
    (usize::from(distance) <= bound).then_some((usize::from(distance), used))
}

/// The `limit` smallest keys, sorted; keys end with the catalogue index, so they are distinct
/// and the order is deterministic.
fn best_first<K: Ord>(mut keys: Vec<K>, limit: usize) -> Vec<K> {
    if keys.len() > limit {
        let _ = keys.select_nth_unstable(limit);
        keys.truncate(limit);
    }
    keys.sort_unstable();
    keys
}

/// 0 when every query word starts a word of `title` and the first starts the title, 1 when
/// every word does elsewhere, `None` otherwise.
fn word_tier(title: &Title, query: &[&str]) -> Option<u8> {
    if !query.iter().all(|q| title.has_prefix(q)) {
        return None;
    }
    Some(if title.joined.starts_with(query[0]) {
        0
    } else {
        1
    })
}

/// Ratings of catalogue movie `i`: the popularity that orders equally good matches.
fn popularity(catalog: &Catalog, i: usize) -> u32 {
    catalog.movies.get(i).map_or(0, |m| m.rating_count)
}

/// Every catalogue title prepared for search (see the module docs).
#[derive(Clone, Debug, Default)]
pub struct SearchIndex {
    titles: Vec<Title>,
    /// Each title with its sequel numbers as digits (see [`numbered`]), where that differs.
    numbered: Vec<Option<Title>>,
}

impl SearchIndex {
    /// Prepares every title of `catalog` once: its words, their joined form and initials.
    pub fn new(catalog: &Catalog) -> Self {
        let (titles, numbered) = catalog
            .movies
            .iter()
            .map(|m| {
                let title_words = words(&m.title);
                let numbered_words = numbered(&title_words);
                let alias =
                    (numbered_words != title_words).then(|| Title::new(&numbered_words, m.year));
                (Title::new(&title_words, m.year), alias)
            })
            .unzip();
        Self { titles, numbered }
    }

    /// Up to `limit` movies matching `query`, best first.
    ///
    /// First the exact pass: every query word starts a title word (or several title words run
    /// together: "spiderman"), or a single query word of 3+ letters starts the title's initials
    /// ("lotr"). Titles that begin with the query come first, then other word matches, then
    /// initials; within each, the most rated.
    ///
    /// Only if that finds nothing, the tolerant pass forgives typos (optimal string alignment
    /// distance): none in words under 4 letters or with digits, one in 4 to 7 letters, two from
    /// 8. It ranks by total typos, then the most rated, and suggests the query as corrected by
    /// the best hit's words.
    pub fn search(&self, catalog: &Catalog, query: &str, limit: usize) -> SearchResults {
        let all = words(query);
        let mut content: Vec<usize> = (0..all.len())
            .filter(|&k| !ARTICLES.contains(&all[k].as_str()))
            .collect();
        // A query of articles alone ("the") still searches for them.
        if content.is_empty() {
            content = (0..all.len()).collect();
        }
        if content.is_empty() || limit == 0 {
            return SearchResults::default();
        }
        let query_words: Vec<&str> = content.iter().map(|&k| all[k].as_str()).collect();
        let movies = self.exact(catalog, &query_words, limit);
        if !movies.is_empty() {
            return SearchResults {
                movies,
                suggestion: None,
            };
        }
        self.tolerant(catalog, &all, &content, limit)
    }

    fn exact(&self, catalog: &Catalog, query: &[&str], limit: usize) -> Vec<usize> {
        let initials_query = match query {
            [only] if only.chars().count() >= 3 && only.chars().all(char::is_alphabetic) => {
                Some(*only)
            }
            _ => None,
        };
        // The query with its sequel numbers as digits, matched against titles written so too.
        let owned: Vec<String> = query.iter().map(|q| q.to_string()).collect();
        let numbered_owned = numbered(&owned);
        let query_changed = numbered_owned != owned;
        let numbered_query: Vec<&str> = numbered_owned.iter().map(String::as_str).collect();
        // "star wars 1" means Episode I, not a title whose year starts with 1: a title holding
        // the query's numbers as whole words comes first among equals.
        let numbers: Vec<&str> = numbered_query
            .iter()
            .copied()
            .filter(|w| w.bytes().all(|b| b.is_ascii_digit()))
            .collect();
        let mut hits: Vec<(u8, bool, Reverse<u32>, usize)> = Vec::new();
        for (i, title) in self.titles.iter().enumerate() {
            let as_written = word_tier(title, query).or_else(|| {
                initials_query
                    .is_some_and(|q| title.initials.starts_with(q))
                    .then_some(2)
            });
            // Nothing numbered on either side would only repeat the match as written.
            let as_numbered = match &self.numbered[i] {
                None if !query_changed => None,
                _ if numbered_query.is_empty() => None,
                alias => word_tier(alias.as_ref().unwrap_or(title), &numbered_query),
            };
            let Some(tier) = as_written.into_iter().chain(as_numbered).min() else {
                continue;
            };
            let numbered_title = self.numbered[i].as_ref().unwrap_or(title);
            let numbers_missing = !numbers.iter().all(|n| numbered_title.has_word(n));
            hits.push((tier, numbers_missing, Reverse(popularity(catalog, i)), i));
        }
        best_first(hits, limit)
            .into_iter()
            .map(|(_, _, _, i)| i)
            .collect()
    }

    /// `all` are the query's words, `content` the positions of those searched for.
    fn tolerant(
        &self,
        catalog: &Catalog,
        all: &[String],
        content: &[usize],
        limit: usize,
    ) -> SearchResults {
        let typed: Vec<(&str, usize, bool)> = content
            .iter()
            .enumerate()
            .map(|(n, &k)| (all[k].as_str(), typo_bound(&all[k]), n + 1 == content.len()))
            .collect();
        // With no typo allowed anywhere, this pass would repeat the exact one.
        if typed.iter().all(|&(_, bound, _)| bound == 0) {
            return SearchResults::default();
        }
        let mut hits: Vec<(usize, Reverse<u32>, usize)> = Vec::new();
        'titles: for (i, title) in self.titles.iter().enumerate() {
            let mut total = 0;
            for &(word, bound, last_word) in &typed {
                match title.closest(word, bound, last_word) {
                    Some(m) => total += m.distance,
                    None => continue 'titles,
                }
            }
            hits.push((total, Reverse(popularity(catalog, i)), i));
        }
        let hits = best_first(hits, limit);
        let Some(&(_, _, best)) = hits.first() else {
            return SearchResults::default();
        };
        let title = &self.titles[best];
        let mut corrected = all.to_vec();
        for (&k, &(word, bound, last_word)) in content.iter().zip(&typed) {
            if let Some(m) = title.closest(word, bound, last_word)
                && m.distance > 0
            {
                corrected[k] = title.words_text(m.first, m.last);
            }
        }
        SearchResults {
            movies: hits.into_iter().map(|(_, _, i)| i).collect(),
            suggestion: Some(corrected.join(" ")),
        }
    }
}

/// The most-rated movies, optionally of one genre (ties by index): the order browse rows
/// ([`crate::browse`]) draw from.
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

    fn movie(id: u32, title: &str, year: u16, count: u32) -> Movie {
        Movie {
            id,
            title: String::from(title),
            year: Some(year),
            genres: id % 2 + 1,
            rating_count: count,
            imdb_id: None,
            tmdb_id: None,
        }
    }

    fn catalog() -> Catalog {
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

    /// Titles people misspell or write without their punctuation.
    fn typo_catalog() -> Catalog {
        Catalog::new(
            vec!["Comedy".into(), "Drama".into()],
            vec![
                movie(1, "Godfather, The", 1972, 500),                     // 0
                movie(2, "Godfather: Part II, The", 1974, 300),            // 1
                movie(3, "Matrix, The", 1999, 400),                        // 2
                movie(4, "Star Wars: Episode IV - A New Hope", 1977, 600), // 3
                movie(5, "Spider-Man", 2002, 250),                         // 4
                movie(6, "WALL·E", 2008, 200),                             // 5
                movie(
                    7,
                    "Lord of the Rings: The Fellowship of the Ring, The",
                    2001,
                    450,
                ), // 6
                movie(8, "Lord of the Rings: The Two Towers, The", 2002, 420), // 7
                movie(9, "X-Men", 2000, 220),                              // 8
                movie(10, "Star Trek: Generations", 1994, 700),            // 9
                movie(11, "Terminator, The", 1984, 100),                   // 10
                movie(12, "Terminal, The", 2004, 900),                     // 11
            ],
        )
    }

    fn search(c: &Catalog, query: &str) -> SearchResults {
        SearchIndex::new(c).search(c, query, 10)
    }

    fn found(movies: &[usize]) -> SearchResults {
        SearchResults {
            movies: movies.to_vec(),
            suggestion: None,
        }
    }

    fn corrected(movies: &[usize], suggestion: &str) -> SearchResults {
        SearchResults {
            movies: movies.to_vec(),
            suggestion: Some(suggestion.into()),
        }
    }

    #[test]
    fn finds_titles_regardless_of_case_accents_and_articles() {
        let c = catalog();
        let index = SearchIndex::new(&c);
        assert_eq!(index.search(&c, "matrix", 10).movies, [0, 1]);
        assert_eq!(index.search(&c, "The MATRIX", 10).movies, [0, 1]);
        assert_eq!(index.search(&c, "matr rel", 10).movies, [1]);
        assert_eq!(index.search(&c, "amelie", 10).movies, [2]);
        assert_eq!(index.search(&c, "Amélie", 10).movies, [2]);
        assert_eq!(index.search(&c, "bug's", 10).movies, [4]);
        assert_eq!(index.search(&c, "bugs life", 10).movies, [4]);
        assert_eq!(index.search(&c, "matrix 2003", 10).movies, [1]);
        assert_eq!(index.search(&c, "matrix", 1).movies, [0]);
        assert_eq!(index.search(&c, "zzz", 10), SearchResults::default());
        assert_eq!(index.search(&c, "  ", 10), SearchResults::default());
        assert_eq!(index.search(&c, "matrix", 0), SearchResults::default());
    }

    #[test]
    fn missing_spaces_and_hyphens_match_without_a_suggestion() {
        let c = typo_catalog();
        assert_eq!(search(&c, "spiderman"), found(&[4]));
        assert_eq!(search(&c, "Spider-Man"), found(&[4]));
        assert_eq!(search(&c, "walle"), found(&[5]));
        assert_eq!(search(&c, "wall-e"), found(&[5]));
        assert_eq!(search(&c, "xmen"), found(&[8]));
        assert_eq!(search(&c, "x men"), found(&[8]));
        // Still typing: the start of the joined form is enough.
        assert_eq!(search(&c, "spiderm"), found(&[4]));
    }

    #[test]
    fn initials_match_a_single_word_query() {
        let c = typo_catalog();
        // Both Lord of the Rings films, the most rated first.
        assert_eq!(search(&c, "lotr"), found(&[6, 7]));
        assert_eq!(search(&c, "LOTR"), found(&[6, 7]));
        // "Star Wars: Episode IV - A New Hope": initials need a single word of 3+ letters.
        assert_eq!(search(&c, "swe"), found(&[3]));
        assert_eq!(search(&c, "sw"), SearchResults::default());
        assert_eq!(search(&c, "swe iv"), SearchResults::default());
    }

    #[test]
    fn initial_matches_come_after_word_matches() {
        let c = Catalog::new(
            vec!["Drama".into()],
            vec![
                movie(1, "Lord of the Rings: The Two Towers, The", 2002, 900),
                movie(2, "Lotr Story", 2010, 1),
            ],
        );
        assert_eq!(search(&c, "lotr"), found(&[1, 0]));
    }

    #[test]
    fn typos_are_forgiven_and_corrected() {
        let c = typo_catalog();
        assert_eq!(search(&c, "godfathr"), corrected(&[0, 1], "godfather"));
        assert_eq!(
            search(&c, "The Godfathr"),
            corrected(&[0, 1], "the godfather")
        );
        assert_eq!(search(&c, "matrx"), corrected(&[2], "matrix"));
        assert_eq!(search(&c, "star wras"), corrected(&[3], "star wars"));
        assert_eq!(search(&c, "stra wars"), corrected(&[3], "star wars"));
        // Two words run together, misspelt: the suggestion puts the space back.
        assert_eq!(search(&c, "spidrman"), corrected(&[4], "spider man"));
    }

    #[test]
    fn fewer_typos_rank_before_more_ratings() {
        let c = typo_catalog();
        // One typo from "terminator", two from the more rated "terminal".
        assert_eq!(search(&c, "terminatr"), corrected(&[10, 11], "terminator"));
    }

    #[test]
    fn only_the_last_word_may_be_an_unfinished_prefix() {
        let c = typo_catalog();
        // "gdfath" is one typo from the start of "godfather": fine while it is being typed...
        assert_eq!(search(&c, "part gdfath"), corrected(&[1], "part godfather"));
        // ...but a finished word is compared with whole words.
        assert_eq!(search(&c, "gdfath part"), SearchResults::default());
    }

    #[test]
    fn correct_queries_and_hopeless_ones_get_no_suggestion() {
        let c = typo_catalog();
        assert_eq!(search(&c, "godfather"), found(&[0, 1]));
        assert_eq!(search(&c, "star wars"), found(&[3]));
        assert_eq!(search(&c, "star"), found(&[9, 3]));
        assert_eq!(search(&c, "zzz"), SearchResults::default());
        assert_eq!(search(&c, "zzzzzzzz"), SearchResults::default());
        // Short words and numbers are never "corrected".
        assert_eq!(search(&c, "mtx"), SearchResults::default());
        assert_eq!(search(&c, "matrix 1998"), SearchResults::default());
    }

    #[test]
    fn typo_distance_is_optimal_string_alignment() {
        assert_eq!(osa_within(b"abcd", b"abdc", 1, false), Some((1, 4)));
        assert_eq!(osa_within(b"kitten", b"sitting", 3, false), Some((3, 7)));
        assert_eq!(osa_within(b"kitten", b"sitting", 2, false), None);
        // Optimal string alignment does not edit a transposed pair again: "ca" -> "abc" is 3.
        assert_eq!(osa_within(b"ca", b"abc", 3, false), Some((3, 3)));
        assert_eq!(osa_within(b"ca", b"abc", 2, false), None);
        // Length alone rules these out.
        assert_eq!(osa_within(b"star", b"starship", 2, false), None);
        // Against prefixes: the shortest closest prefix of "godfather1972" is "godfath".
        assert_eq!(
            osa_within(b"godfathr", b"godfather1972", 2, true),
            Some((1, 7))
        );
        assert_eq!(osa_within(b"wras", b"warsepisode", 1, true), Some((1, 4)));
        assert_eq!(osa_within(b"star", b"starship", 0, true), Some((0, 4)));
        assert_eq!(osa_within(b"xyzw", b"starship", 1, true), None);
    }

    #[test]
    fn typo_bounds_grow_with_word_length() {
        assert_eq!(typo_bound("mtx"), 0);
        assert_eq!(typo_bound("matrx"), 1);
        assert_eq!(typo_bound("godfathr"), 2);
        assert_eq!(typo_bound("19999"), 0);
    }

    #[test]
    fn popular_orders_by_rating_count_within_a_genre() {
        let c = catalog();
        assert_eq!(popular(&c, None, 3), [0, 2, 1]);
        // Genre 0 holds the even ids: 2 and 4.
        assert_eq!(popular(&c, Some(0), 10), [1, 3]);
    }

    /// Sequels as MovieLens writes them, and as visitors type them.
    #[test]
    fn sequel_numbers_find_each_other() {
        let catalog = Catalog::new(
            vec!["Drama".into()],
            vec![
                movie(1, "Godfather, The", 1972, 500),                     // 0
                movie(2, "Godfather: Part II, The", 1974, 400),            // 1
                movie(3, "Godfather: Part III, The", 1990, 200),           // 2
                movie(4, "Star Wars: Episode IV - A New Hope", 1977, 600), // 3
                movie(
                    5,
                    "Star Wars: Episode V - The Empire Strikes Back",
                    1980,
                    550,
                ), // 4
                movie(6, "Star Wars: Episode I - The Phantom Menace", 1999, 300), // 5
                movie(7, "Rocky", 1976, 200),                              // 6
                movie(8, "Rocky IV", 1985, 100),                           // 7
                movie(9, "Alien³ (a.k.a. Alien)", 1992, 90),               // 8
                movie(10, "Toy Story 3", 2010, 150),                       // 9
                movie(11, "X-Men", 2000, 250),                             // 10
                movie(12, "Back to the Future Part II", 1989, 260),        // 11
            ],
        );
        let index = SearchIndex::new(&catalog);
        let first = |query: &str| index.search(&catalog, query, 5).movies.first().copied();
        for (query, expected) in [
            ("godfather 2", 1),
            ("godfather ii", 1),
            ("godfather part 2", 1),
            ("godfather part two", 1),
            ("godfather 3", 2),
            ("star wars 5", 4),
            ("star wars v", 4),
            ("star wars episode 5", 4),
            ("star wars 1", 5),
            ("rocky 4", 7),
            ("rocky iv", 7),
            ("alien 3", 8),
            ("toy story iii", 9),
            ("back to the future 2", 11),
            ("x men", 10),
        ] {
            assert_eq!(first(query), Some(expected), "{query:?}");
        }
        // A number that no title carries finds nothing rather than everything.
        assert_eq!(first("rocky 7"), None);
        assert_eq!(index.search(&catalog, "godfather", 5).movies, [0, 1, 2]);
        let text =
            |words: &[&str]| numbered(&words.iter().map(|w| w.to_string()).collect::<Vec<_>>());
        assert_eq!(
            text(&["part", "of", "me"]),
            ["part", "of", "me"],
            "no number, no change"
        );
        assert_eq!(text(&["i", "robot"]), ["i", "robot"]);
        assert_eq!(text(&["malcolm", "x"]), ["malcolm", "10"]);
    }
}
