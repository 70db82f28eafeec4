//! "Import your ratings": a ratings export the visitor chooses (movielens.org's, IMDb's or
//! Letterboxd's), read in the browser (nothing leaves it) a slice of lines at a time so the
//! page stays responsive and shows its progress, matched by `shared::import`, and merged into
//! the visitor's stars. A file too large, of another format or malformed is named in a message
//! and changes nothing.

use crate::hooks::{use_model, use_picks};
use crate::picks::PickAction;
use shared::import::{ImportError, Imported, Importer, MAX_IMPORT_BYTES};
use std::time::Duration;
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Lines matched between two yields to the browser.
const LINES_PER_SLICE: usize = 2_000;

/// Where an import stands.
#[derive(Clone, PartialEq)]
enum Progress {
    Idle,
    /// Reading: the share of lines done, in percent.
    Reading(u32),
    Done {
        format: &'static str,
        found: Imported,
    },
    Failed(String),
}

#[function_component]
pub fn ImportRatings() -> Html {
    let model = use_model();
    let act = use_picks().act;
    let progress = use_state(|| Progress::Idle);
    let onchange = {
        let progress = progress.clone();
        Callback::from(move |event: Event| {
            let Some(input) = event.target_dyn_into::<HtmlInputElement>() else {
                return;
            };
            let Some(file) = input.files().and_then(|files| files.get(0)) else {
                return;
            };
            // The same file chosen again is a new import.
            input.set_value("");
            let (model, act, progress) = (model.clone(), act.clone(), progress.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let size = file.size() as usize;
                if size > MAX_IMPORT_BYTES {
                    progress.set(Progress::Failed(
                        ImportError::TooLarge { bytes: size }.to_string(),
                    ));
                    return;
                }
                progress.set(Progress::Reading(0));
                let text = match JsFuture::from(file.text()).await {
                    Ok(text) => text.as_string().unwrap_or_default(),
                    Err(_) => {
                        progress.set(Progress::Failed(
                            "the browser could not read the file".into(),
                        ));
                        return;
                    }
                };
                match import_in_slices(&model.catalog, &text, &progress).await {
                    Ok((format, found)) => {
                        let rated = (found.rated.iter())
                            .map(|&(id, stars)| (id, (stars * 2.0) as u8))
                            .collect();
                        act.emit(PickAction::RateAll(rated));
                        progress.set(Progress::Done { format, found });
                    }
                    Err(error) => progress.set(Progress::Failed(error.to_string())),
                }
            });
        })
    };
    let status = match &*progress {
        Progress::Idle => Html::default(),
        Progress::Reading(percent) => html! {
            <p role="status">
                <label for="import-progress">{ "Reading your ratings… " }</label>
                <progress id="import-progress" max="100" value={percent.to_string()}></progress>
            </p>
        },
        Progress::Done { format, found } => html! {
            <div id="import-summary" role="status">
                <p>{ format!(
                    "{format}: {} of {} matched; {} not in this catalogue.",
                    found.rows - found.unmatched_rows, found.rows, found.unmatched_rows
                ) }</p>
                if !found.unmatched.is_empty() {
                    <details>
                        <summary>{ "Not in this catalogue" }</summary>
                        <ul id="import-unmatched">
                            { for found.unmatched.iter().map(|name| html! { <li>{ name }</li> }) }
                        </ul>
                    </details>
                }
            </div>
        },
        Progress::Failed(message) => html! {
            <p id="import-error" class="error" role="alert">
                { format!("Nothing imported: {message}") }
            </p>
        },
    };
    html! {
        <div class="import">
            <label for="import-file">{ "Import your ratings (MovieLens, IMDb or Letterboxd export, .csv)" }</label>
            <input id="import-file" type="file" accept=".csv,text/csv" {onchange} />
            { status }
        </div>
    }
}

/// Matches `text` a slice of lines at a time, yielding to the browser between slices and
/// showing the share done in `progress`.
async fn import_in_slices(
    catalog: &shared::Catalog,
    text: &str,
    progress: &UseStateHandle<Progress>,
) -> Result<(&'static str, Imported), ImportError> {
    let mut lines = text.lines();
    let mut importer = Importer::new(catalog, lines.next().ok_or(ImportError::Empty)?)?;
    let total = text.lines().count().max(1);
    let mut done = 1;
    loop {
        let mut slice = lines.by_ref().take(LINES_PER_SLICE).peekable();
        if slice.peek().is_none() {
            break;
        }
        for line in slice {
            importer.feed(line)?;
            done += 1;
        }
        progress.set(Progress::Reading((done * 100 / total) as u32));
        yew::platform::time::sleep(Duration::ZERO).await;
    }
    Ok((importer.format().name(), importer.finish()))
}
