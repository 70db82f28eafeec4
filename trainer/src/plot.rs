//! SVG charts for the bench report, drawn with plotters: lines (training curves), grouped bars
//! (rating distributions) and labelled points (accuracy against model size).

use anyhow::{Context, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::ops::Range;
use std::path::Path;

/// One named line, bar group or point set.
#[derive(Clone, Debug)]
pub struct Series {
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

/// Axis titles and the chart's caption.
pub struct Labels<'a> {
    pub title: &'a str,
    pub x: &'a str,
    pub y: &'a str,
}

const SIZE: (u32, u32) = (900, 540);
const FONT: &str = "sans-serif";

/// The range covering `values`, widened by 5% on each side (and to a unit range when flat).
fn padded(values: impl Iterator<Item = f64>) -> Range<f64> {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if lo > hi {
        return 0.0..1.0;
    }
    let pad = if hi > lo { (hi - lo) * 0.05 } else { 0.5 };
    lo - pad..hi + pad
}

/// Matplotlib's "tab10" colours: distinct, readable on white.
const PALETTE: [(u8, u8, u8); 10] = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
];

fn color(index: usize) -> RGBColor {
    let (r, g, b) = PALETTE[index % PALETTE.len()];
    RGBColor(r, g, b)
}

/// Draws onto a fresh SVG file and writes it.
fn draw_svg(
    path: &Path,
    draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> Result<()>,
) -> Result<()> {
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    draw(&root)?;
    root.present()?;
    Ok(())
}

/// One line per series.
pub fn lines(path: &Path, labels: &Labels, series: &[Series]) -> Result<()> {
    let all = || series.iter().flat_map(|s| s.points.iter());
    let (x, y) = (padded(all().map(|p| p.0)), padded(all().map(|p| p.1)));
    draw_svg(path, |root| {
        let mut chart = chart_on(root, labels.title).build_cartesian_2d(x, y)?;
        chart
            .configure_mesh()
            .x_desc(labels.x)
            .y_desc(labels.y)
            .draw()?;
        for (i, s) in series.iter().enumerate() {
            let style = color(i).stroke_width(2);
            chart
                .draw_series(LineSeries::new(s.points.iter().copied(), style))?
                .label(s.label.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight)
    })
    .with_context(|| format!("drawing {}", path.display()))
}

/// Bars side by side at each x value (one group per series), x values `step` apart.
pub fn grouped_bars(path: &Path, labels: &Labels, series: &[Series], step: f64) -> Result<()> {
    let all = || series.iter().flat_map(|s| s.points.iter());
    let x = padded(all().map(|p| p.0));
    let x = x.start - step / 2.0..x.end + step / 2.0;
    let top = all().map(|p| p.1).fold(0f64, f64::max) * 1.1;
    let width = step * 0.8 / series.len().max(1) as f64;
    draw_svg(path, |root| {
        let mut chart = chart_on(root, labels.title).build_cartesian_2d(x, 0.0..top.max(1e-9))?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_desc(labels.x)
            .y_desc(labels.y)
            .draw()?;
        for (i, s) in series.iter().enumerate() {
            let style = color(i).filled();
            let offset = (i as f64 - (series.len() as f64 - 1.0) / 2.0) * width;
            chart
                .draw_series(s.points.iter().map(|&(x, y)| {
                    let left = x + offset - width / 2.0;
                    Rectangle::new([(left, 0.0), (left + width, y)], style)
                }))?
                .label(s.label.as_str())
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 15, y + 5)], style));
        }
        legend(&mut chart, SeriesLabelPosition::UpperLeft)
    })
    .with_context(|| format!("drawing {}", path.display()))
}

/// Labelled points on a logarithmic x axis (x > 0), one colour per series (a legend when
/// there are several).
pub fn labelled_points_log_x(
    path: &Path,
    labels: &Labels,
    series: &[(Series, Vec<String>)],
) -> Result<()> {
    let all = || series.iter().flat_map(|(s, _)| s.points.iter());
    let (lo, hi) = all()
        .map(|p| p.0)
        .filter(|x| *x > 0.0)
        .fold((f64::INFINITY, 0f64), |(lo, hi), x| (lo.min(x), hi.max(x)));
    let x = if lo <= hi {
        lo / 2.0..hi * 2.0
    } else {
        1.0..10.0
    };
    let y = padded(all().map(|p| p.1));
    draw_svg(path, |root| {
        let mut chart = chart_on(root, labels.title).build_cartesian_2d(x.log_scale(), y)?;
        chart
            .configure_mesh()
            .x_label_formatter(&|x| format!("{x:.0}"))
            .x_desc(labels.x)
            .y_desc(labels.y)
            .draw()?;
        for (i, (s, names)) in series.iter().enumerate() {
            let style = color(i).filled();
            chart
                .draw_series(s.points.iter().zip(names).map(|(&point, name)| {
                    EmptyElement::at(point)
                        + Circle::new((0, 0), 5, style)
                        + Text::new(name.clone(), (7, -7), (FONT, 13))
                }))?
                .label(s.label.as_str())
                .legend(move |(x, y)| Circle::new((x + 8, y), 5, style));
        }
        if series.len() > 1 {
            legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        }
        Ok(())
    })
    .with_context(|| format!("drawing {}", path.display()))
}

/// A chart on `root` with the report's caption, margin and axis label areas.
fn chart_on<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, Shift>,
    title: &str,
) -> ChartBuilder<'a, 'b, SVGBackend<'b>> {
    let mut builder = ChartBuilder::on(root);
    builder
        .caption(title, (FONT, 22))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(65);
    builder
}

/// The series' names in a box at `position`.
fn legend<'a, DB, X, Y>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    position: SeriesLabelPosition,
) -> Result<()>
where
    DB: DrawingBackend + 'a,
    DB::ErrorType: 'static,
    X: Ranged,
    Y: Ranged,
{
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::test_util::TempDir;

    fn series(label: &str, points: &[(f64, f64)]) -> Series {
        Series {
            label: label.into(),
            points: points.to_vec(),
        }
    }

    #[test]
    fn writes_svg_files_with_the_labels() {
        let dir = TempDir::new("plot");
        let labels = Labels {
            title: "A title",
            x: "epoch",
            y: "RMSE",
        };
        let line = dir.path().join("lines.svg");
        lines(&line, &labels, &[series("mf", &[(1.0, 1.0), (2.0, 0.95)])]).unwrap();
        let bars = dir.path().join("bars.svg");
        grouped_bars(
            &bars,
            &labels,
            &[
                series("a", &[(1.0, 10.0), (2.0, 20.0)]),
                series("b", &[(1.0, 5.0)]),
            ],
            1.0,
        )
        .unwrap();
        let points = dir.path().join("points.svg");
        labelled_points_log_x(
            &points,
            &labels,
            &[(
                series("rating", &[(10.0, 0.9), (1e5, 0.95)]),
                vec!["x".into(), "y".into()],
            )],
        )
        .unwrap();
        for path in [line, bars, points] {
            let svg = std::fs::read_to_string(&path).unwrap();
            assert!(
                svg.starts_with("<svg") && svg.contains("A title"),
                "{}",
                path.display()
            );
        }
        // An empty chart still draws.
        lines(&dir.path().join("empty.svg"), &labels, &[]).unwrap();
    }
}
