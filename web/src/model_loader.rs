//! Fetches and decodes the exported model; every way that can fail becomes a [`LoadError`]
//! whose text says what went wrong and what to run to fix it.

use shared::tail::TailFile;
use shared::{FormatError, ModelFile, Recommender};
use std::fmt;
use std::ops::Deref;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Where the page finds the model, relative to the page itself, when `index.html` does not say.
pub const MODEL_URL: &str = "model.bin";

/// Where the page finds the model: the `href` of `<link id="model">` in `index.html` (which
/// also starts its download early; the published folder names the file by its content hash),
/// else [`MODEL_URL`].
pub fn model_url() -> String {
    web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.get_element_by_id("model"))
        .and_then(|link| link.get_attribute("href"))
        .unwrap_or_else(|| MODEL_URL.to_string())
}

/// Where the page finds the catalogue's tail ([`shared::tail`]): the `href` of
/// `<link id="tail">` in `index.html`, else the model's name with `.tail.bin` ([`model_url`]).
pub fn tail_url() -> String {
    web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.get_element_by_id("tail"))
        .and_then(|link| link.get_attribute("href"))
        .unwrap_or_else(|| shared::tail::file_name(&model_url()))
}

/// Where the catalogue's tail stands ([`shared::tail`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tail {
    /// On its way: the model's own movies only, for now.
    Loading,
    /// Attached: every movie of the release.
    Attached,
    /// It did not load (the console says why): the model's own movies only.
    Unavailable,
}

impl Tail {
    /// The name the page's footer carries in `data-tail`.
    pub fn name(self) -> &'static str {
        match self {
            Tail::Loading => "loading",
            Tail::Attached => "attached",
            Tail::Unavailable => "unavailable",
        }
    }
}

/// A loaded model, shared by every component. Two handles are equal when they are the same
/// model with the same tail, which keeps yew's prop comparisons cheap.
#[derive(Clone)]
pub struct LoadedModel {
    recommender: Rc<Recommender>,
    /// The model file's payload checksum, which its tail file names.
    checksum: u32,
    pub tail: Tail,
}

impl LoadedModel {
    pub fn new(recommender: Recommender, checksum: u32) -> Self {
        Self {
            recommender: Rc::new(recommender),
            checksum,
            tail: Tail::Loading,
        }
    }

    /// This model, its tail given up on.
    pub fn without_tail(&self) -> Self {
        Self {
            tail: Tail::Unavailable,
            ..self.clone()
        }
    }
}

impl PartialEq for LoadedModel {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.recommender, &other.recommender) && self.tail == other.tail
    }
}

impl Deref for LoadedModel {
    type Target = Recommender;

    fn deref(&self) -> &Recommender {
        &self.recommender
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum LoadError {
    /// The request itself failed (server down, offline).
    Unreachable(String),
    /// The server answered, but not with the file (404 when it was never exported).
    Http { status: u16 },
    /// The bytes arrived but are not a usable model.
    Format(Rc<FormatError>),
    /// The catalogue's tail, which kept picks need, did not load (what failed, with its URL).
    Tail(String),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = model_url();
        match self {
            LoadError::Unreachable(detail) => {
                write!(f, "The model ({url}) could not be downloaded: {detail}.")
            }
            LoadError::Http { status: 404 } => write!(
                f,
                "The model ({url}) is missing: the server answered 404 Not Found."
            ),
            LoadError::Http { status } => write!(
                f,
                "The model ({url}) could not be downloaded: the server answered HTTP {status}."
            ),
            LoadError::Format(error) => {
                let error = error.to_string();
                let mut chars = error.chars();
                let capitalised: String = chars
                    .next()
                    .map(|first| first.to_uppercase().chain(chars).collect())
                    .unwrap_or_default();
                write!(f, "{capitalised} ({url}).")
            }
            LoadError::Tail(detail) => write!(
                f,
                "The rest of the catalogue could not be loaded ({detail}). Your saved picks name movies in it: they are kept until it loads."
            ),
        }
    }
}

/// How much of the model has arrived so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Bytes received so far, as the page gets them (after any decompression by the browser).
    pub received: u64,
    /// The download's size, from the Content-Length header of an uncompressed answer, or else
    /// from the model file's own header once its first bytes are in (a compressed answer's
    /// length counts compressed bytes while `received` counts decompressed ones); `None` until
    /// either says.
    pub total: Option<u64>,
}

/// Downloads the model ([`model_url`]) and loads it, calling `on_progress` each time a piece arrives.
pub async fn load_model(on_progress: impl Fn(Progress)) -> Result<LoadedModel, LoadError> {
    let bytes = download(&model_url(), &on_progress).await?;
    decode(&bytes)
}

/// Checks and decodes model bytes.
pub fn decode(bytes: &[u8]) -> Result<LoadedModel, LoadError> {
    let checksum = ModelFile::checksum(bytes).unwrap_or_default();
    Recommender::from_bytes(bytes)
        .map(|recommender| LoadedModel::new(recommender, checksum))
        .map_err(|error| LoadError::Format(Rc::new(error)))
}

/// `model` with the catalogue's tail ([`tail_url`]) attached: every movie of the release. The
/// error says what failed, for the console: the page goes on with the model's own movies.
pub async fn with_tail(model: &LoadedModel) -> Result<LoadedModel, String> {
    let url = tail_url();
    let bytes = download(&url, &|_: Progress| {})
        .await
        .map_err(|error| format!("{url}: {error:?}"))?;
    let tail = TailFile::from_bytes(&bytes).map_err(|error| format!("{url}: {error}"))?;
    let mut recommender = (*model.recommender).clone();
    recommender
        .attach_tail(tail, model.checksum)
        .map_err(|error| format!("{url}: {error}"))?;
    Ok(LoadedModel {
        recommender: Rc::new(recommender),
        checksum: model.checksum,
        tail: Tail::Attached,
    })
}

/// The most bytes reserved up front from a Content-Length header, so that a wrong header cannot
/// make the page ask for an absurd allocation.
const MAX_PREALLOCATION: u64 = 64 << 20;

fn unreachable(error: JsValue) -> LoadError {
    LoadError::Unreachable(
        error
            .dyn_ref::<js_sys::Error>()
            .map_or_else(|| format!("{error:?}"), |e| String::from(e.message())),
    )
}

async fn download(url: &str, on_progress: &dyn Fn(Progress)) -> Result<Vec<u8>, LoadError> {
    let window = web_sys::window().ok_or_else(|| LoadError::Unreachable("no window".into()))?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(unreachable)?
        .unchecked_into();
    if !response.ok() {
        return Err(LoadError::Http {
            status: response.status(),
        });
    }
    let total = expected_length(&response.headers());
    match response.body() {
        Some(body) => read_stream(&body, total, on_progress).await,
        // Browsers give a body to every successful GET; this is only a fallback.
        None => {
            let buffer = JsFuture::from(response.array_buffer().map_err(unreachable)?)
                .await
                .map_err(unreachable)?;
            let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
            let received = bytes.len() as u64;
            on_progress(Progress {
                received,
                total: Some(received),
            });
            Ok(bytes)
        }
    }
}

/// The number of bytes the body will have once the browser has decoded it, when the headers say.
fn expected_length(headers: &web_sys::Headers) -> Option<u64> {
    let header = |name: &str| headers.get(name).ok().flatten();
    let compressed = header("content-encoding")
        .is_some_and(|encoding| !encoding.trim().eq_ignore_ascii_case("identity"));
    if compressed {
        return None;
    }
    header("content-length")?.trim().parse().ok()
}

/// Reads `body` to the end, one chunk at a time, reporting the bytes received after each chunk.
async fn read_stream(
    body: &web_sys::ReadableStream,
    total: Option<u64>,
    on_progress: &dyn Fn(Progress),
) -> Result<Vec<u8>, LoadError> {
    let reader: web_sys::ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let done_key = JsValue::from_str("done");
    let value_key = JsValue::from_str("value");
    let mut bytes = Vec::with_capacity(total.unwrap_or(0).min(MAX_PREALLOCATION) as usize);
    loop {
        // Each read resolves to `{ done, value }`, `value` being a Uint8Array until `done`.
        let result = JsFuture::from(reader.read()).await.map_err(unreachable)?;
        let done = js_sys::Reflect::get(&result, &done_key)
            .map_err(unreachable)?
            .as_bool()
            .unwrap_or(false);
        if done {
            break;
        }
        let chunk: js_sys::Uint8Array = js_sys::Reflect::get(&result, &value_key)
            .map_err(unreachable)?
            .dyn_into()
            .map_err(|value| {
                LoadError::Unreachable(format!("the download gave {value:?} instead of bytes"))
            })?;
        let start = bytes.len();
        bytes.resize(start + chunk.length() as usize, 0);
        chunk.copy_to(&mut bytes[start..]);
        let received = bytes.len() as u64;
        let total = total.or_else(|| shared::format::stated_file_len(&bytes));
        on_progress(Progress {
            received,
            // A length the body outgrows was wrong; say nothing rather than over 100%.
            total: total.filter(|&total| received <= total),
        });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::tiny_model_file;
    use wasm_bindgen_test::wasm_bindgen_test;

    /// The page's dot products run in wasm's SIMD (`.cargo/config.toml`), the trainer's in plain
    /// code: the same sums bit for bit, so the page ranks and predicts exactly as measured.
    #[wasm_bindgen_test]
    fn dot_products_in_simd_sum_as_the_trainer_does() {
        let lanes_then_rest = |a: &[f32], b: &[f32]| {
            let blocks = a.len() / 8 * 8;
            let mut sums = [0f32; 8];
            for i in 0..blocks {
                sums[i % 8] += a[i] * b[i];
            }
            let rest: f32 = (blocks..a.len()).map(|i| a[i] * b[i]).sum();
            sums.iter().sum::<f32>() + rest
        };
        for n in 0..70 {
            // Magnitudes far apart, so that any other order of additions rounds differently.
            let a: Vec<f32> = (0..n)
                .map(|i| (i as f32 * 1.37).sin() * 10f32.powi(i % 7 - 3))
                .collect();
            let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.71).cos() + 1e-3).collect();
            let page = shared::foldin::dot(&a, &b);
            assert_eq!(
                page.to_bits(),
                lanes_then_rest(&a, &b).to_bits(),
                "length {n}"
            );
        }
    }

    #[wasm_bindgen_test]
    fn decodes_a_good_model_and_names_what_is_wrong_with_a_bad_one() {
        let bytes = tiny_model_file().to_bytes();
        assert_eq!(decode(&bytes).unwrap().catalog.len(), 4);
        let truncated = decode(&bytes[..bytes.len() / 2]).err().unwrap().to_string();
        assert!(
            truncated.starts_with("Model file is truncated:"),
            "{truncated}"
        );
        let mut hostile = tiny_model_file();
        hostile.weights.output_bias[0] = f32::NAN;
        let hostile = decode(&hostile.to_bytes()).err().unwrap().to_string();
        assert_eq!(
            hostile,
            "Model file is inconsistent: output bias 0 is NaN: weights must be finite (model.bin)."
        );
        let foreign = decode(b"<!doctype html>").err().unwrap().to_string();
        assert!(foreign.starts_with("Not a movie model file"), "{foreign}");
        assert!(
            LoadError::Http { status: 404 }
                .to_string()
                .contains("missing")
        );
    }

    #[wasm_bindgen_test]
    async fn a_missing_file_is_reported_not_thrown() {
        let error = download("no-such-model.bin", &|_: Progress| {})
            .await
            .unwrap_err();
        assert!(
            matches!(
                error,
                LoadError::Http { status: 404 } | LoadError::Unreachable(_)
            ),
            "{error}"
        );
    }

    #[wasm_bindgen_test]
    async fn progress_is_reported_as_the_bytes_arrive() {
        // A blob URL stands in for the server: its response streams like any download and has
        // a Content-Length, without depending on which files the test server happens to have.
        let sent: Vec<u8> = (0..300_000_u32).map(|i| (i % 251) as u8).collect();
        let parts = js_sys::Array::of1(&js_sys::Uint8Array::new_from_slice(&sent));
        let blob = web_sys::Blob::new_with_u8_array_sequence(&parts).unwrap();
        let url = web_sys::Url::create_object_url_with_blob(&blob).unwrap();
        let seen = std::cell::RefCell::new(Vec::new());
        let received = download(&url, &|progress: Progress| seen.borrow_mut().push(progress))
            .await
            .unwrap();
        web_sys::Url::revoke_object_url(&url).unwrap();

        assert!(received == sent, "the bytes arrive unchanged");
        let seen = seen.into_inner();
        let last = *seen.last().expect("progress is reported at least once");
        assert_eq!(
            last,
            Progress {
                received: 300_000,
                total: Some(300_000)
            }
        );
        assert!(
            seen.windows(2)
                .all(|pair| pair[0].received < pair[1].received),
            "{seen:?}"
        );
        assert!(
            seen.iter().all(|progress| progress.total == Some(300_000)),
            "{seen:?}"
        );
    }
}
