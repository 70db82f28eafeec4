//! Fetches and decodes the exported model; every way that can fail becomes a [`LoadError`]
//! whose text says what went wrong and what to run to fix it.

use shared::{FormatError, Recommender};
use std::fmt;
use std::ops::Deref;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Where the page finds the model, relative to the page itself.
pub const MODEL_URL: &str = "model.bin";

/// A loaded model, shared by every component. Two handles are equal when they are the same
/// model, which keeps yew's prop comparisons cheap.
#[derive(Clone)]
pub struct Model(Rc<Recommender>);

impl Model {
    pub fn new(recommender: Recommender) -> Self {
        Self(Rc::new(recommender))
    }
}

impl PartialEq for Model {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Deref for Model {
    type Target = Recommender;

    fn deref(&self) -> &Recommender {
        &self.0
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
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Unreachable(detail) => {
                write!(
                    f,
                    "The model ({MODEL_URL}) could not be downloaded: {detail}."
                )
            }
            LoadError::Http { status: 404 } => write!(
                f,
                "The model ({MODEL_URL}) is missing: the server answered 404 Not Found."
            ),
            LoadError::Http { status } => write!(
                f,
                "The model ({MODEL_URL}) could not be downloaded: the server answered HTTP {status}."
            ),
            LoadError::Format(error) => {
                let error = error.to_string();
                let mut chars = error.chars();
                let capitalised: String = chars
                    .next()
                    .map(|first| first.to_uppercase().chain(chars).collect())
                    .unwrap_or_default();
                write!(f, "{capitalised} ({MODEL_URL}).")
            }
        }
    }
}

/// Downloads [`MODEL_URL`] and loads it.
pub async fn load_model() -> Result<Model, LoadError> {
    let bytes = download(MODEL_URL).await?;
    decode(&bytes)
}

/// Checks and decodes model bytes.
pub fn decode(bytes: &[u8]) -> Result<Model, LoadError> {
    Recommender::from_bytes(bytes)
        .map(Model::new)
        .map_err(|error| LoadError::Format(Rc::new(error)))
}

async fn download(url: &str) -> Result<Vec<u8>, LoadError> {
    let unreachable = |error: JsValue| {
        LoadError::Unreachable(
            error
                .dyn_ref::<js_sys::Error>()
                .map_or_else(|| format!("{error:?}"), |e| String::from(e.message())),
        )
    };
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
    let buffer = JsFuture::from(response.array_buffer().map_err(unreachable)?)
        .await
        .map_err(unreachable)?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::tiny_model_file;
    use wasm_bindgen_test::wasm_bindgen_test;

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
        let error = download("no-such-model.bin").await.unwrap_err();
        assert!(
            matches!(
                error,
                LoadError::Http { status: 404 } | LoadError::Unreachable(_)
            ),
            "{error}"
        );
    }
}
