//! What a run reports: its test metrics, time, size, training history and settings, printed as a
//! table or as JSON.

use crate::training::History;
use serde::Serialize;
use std::time::Instant;

/// The seconds each phase of a run took, in order, each said on stderr as it ends.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Phases(pub Vec<(String, f64)>);

impl Phases {
    /// Runs `phase`, named `name`, and records its time.
    pub fn time<T>(&mut self, name: &str, phase: impl FnOnce() -> T) -> T {
        let started = Instant::now();
        let result = phase();
        let seconds = started.elapsed().as_secs_f64();
        eprintln!("phase {name}: {seconds:.1} s");
        self.0.push((name.to_string(), seconds));
        result
    }

    /// Adds the steps of phase `whole` (timed inside it) after it, each named `whole: step`.
    pub fn nest(&mut self, whole: &str, steps: Phases) {
        self.0.extend(
            (steps.0.into_iter()).map(|(step, seconds)| (format!("{whole}: {step}"), seconds)),
        );
    }
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct RunReport {
    /// The model's `--model` name (a bench row may say more: "knn-user (cosine)").
    pub model: String,
    pub dataset: String,
    /// The rating split (`u1`, `random:0.1`, `latest`) or the held-out users.
    pub split: String,
    pub metrics: Vec<(String, f64)>,
    pub train_seconds: f64,
    pub parameters: usize,
    pub history: History,
    /// Every setting of the run (the model's config).
    pub settings: serde_json::Value,
    /// Where the run's time went (parse, task, fit, steering, test tables, refit, export), as
    /// far as the run knows them.
    pub phases: Phases,
}

impl RunReport {
    pub fn metric(&self, name: &str) -> Option<f64> {
        self.metrics
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
    }

    /// The report as one JSON line or as a table.
    pub fn render(&self, file_bytes: Option<usize>, json: bool) -> String {
        if json {
            self.to_json(file_bytes)
        } else {
            self.to_table(file_bytes)
        }
    }

    /// One JSON line: the report, and the size of the exported file when there is one.
    pub fn to_json(&self, file_bytes: Option<usize>) -> String {
        #[derive(Serialize)]
        struct Line<'a> {
            #[serde(flatten)]
            report: &'a RunReport,
            model_bytes: Option<usize>,
        }
        serde_json::to_string(&Line {
            report: self,
            model_bytes: file_bytes,
        })
        .expect("a report is plain data")
    }

    /// A markdown table of the metrics, time, size and file size.
    pub fn to_table(&self, file_bytes: Option<usize>) -> String {
        let mut out = format!(
            "\n{} on {} ({})\n| metric | value |\n|---|---|\n",
            self.model, self.dataset, self.split
        );
        for (name, value) in &self.metrics {
            out += &format!("| {name} | {value:.4} |\n");
        }
        out += &format!("| train seconds | {:.1} |\n", self.train_seconds);
        for (phase, seconds) in &self.phases.0 {
            out += &format!("| phase {phase}, seconds | {seconds:.1} |\n");
        }
        out += &format!("| parameters | {} |", self.parameters);
        if let Some(bytes) = file_bytes {
            out += &format!("\n| model file bytes | {bytes} |");
        }
        out
    }
}

/// "a", "a and b", "a, b and c".
pub fn join_with_and(parts: &[impl AsRef<str>]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [rest @ .., last] => {
            let rest: Vec<&str> = rest.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", rest.join(", "), last.as_ref())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_follow_their_phase_named_after_it() {
        let mut phases = Phases::default();
        let mut steps = Phases::default();
        let answer = phases.time("fit", || steps.time("grid", || 42));
        phases.nest("fit", steps);
        let names: Vec<&str> = phases.0.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!((answer, names), (42, vec!["fit", "fit: grid"]));
        assert!(
            phases.0[0].1 >= phases.0[1].1,
            "the whole takes at least its step"
        );
    }
}
