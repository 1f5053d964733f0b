//! Benchmark JSON lines to SVG charts, for the docs:
//!
//! ```text
//! cargo run -p lockstep-models --example plots -- [--out DIR] FILE.jsonl...
//! ```
//!
//! writes one chart per benchmark (`DIR/<bench>.svg`, default `docs/plots`) and prints each
//! path. Input: one JSON object per line (other lines are skipped), in the generic schema
//!
//! ```text
//! {"bench": B, "program": P, "strategy": S, "y": Y}          a bar: group P, series S
//! {"bench": B, "program": P, "strategy": S, "x": X, "y": Y}  a point of the line "P S" at X
//! ```
//!
//! with optional `"y_label"` and `"title"` (for the chart; the last one given wins) and
//! `"y": null` for "not found" (drawn as ✕). A benchmark whose lines have `x` is a line chart,
//! otherwise a grouped bar chart (the x axis of a line chart is logarithmic when its values span
//! more than a factor of 20); the y axis is logarithmic when the values span more than a
//! factor of 20. The lines `cargo bench -p lockstep-sim --bench compare -- --json` prints are
//! read as they are: `exhaustive` and `find_bug_dfs` (executions per checker and preemption
//! bound, plus a `CHECKER traces` series where a line has a `traces` count), `find_bug` (median
//! schedules per checker) and `throughput` (schedules per second, lockstep-sim and shuttle).
//!
//! The output is a function of the input alone (no dates, no randomness): re-running the
//! command on the checked-in data reproduces the checked-in charts byte for byte.

use serde_json::Value;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

/// One value to draw.
#[derive(Debug, Clone)]
struct Point {
    category: String,
    series: String,
    x: Option<f64>,
    y: Option<f64>,
}

/// One chart: a benchmark's points.
#[derive(Debug, Clone, Default)]
struct Chart {
    name: String,
    title: String,
    y_label: String,
    points: Vec<Point>,
}

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    let mut out = PathBuf::from("docs/plots");
    let mut inputs = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => out = args.next().ok_or("--out needs a directory")?.into(),
            "-h" | "--help" => {
                println!("usage: plots [--out DIR] FILE.jsonl...  (see the example's docs)");
                return Ok(());
            }
            _ => inputs.push(PathBuf::from(arg)),
        }
    }
    if inputs.is_empty() {
        return Err("no input: plots [--out DIR] FILE.jsonl...".into());
    }
    let mut charts: Vec<Chart> = Vec::new();
    for input in &inputs {
        let text = std::fs::read_to_string(input)
            .map_err(|e| format!("cannot read {}: {e}", input.display()))?;
        for line in text.lines() {
            if let Ok(value) = serde_json::from_str::<Value>(line) {
                add_line(&mut charts, &value);
            }
        }
    }
    if charts.is_empty() {
        return Err(format!("no benchmark lines in {}", inputs[0].display()));
    }
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    for chart in &charts {
        let path = out.join(format!("{}.svg", file_stem(&chart.name)));
        std::fs::write(&path, render(chart))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        println!("{}", path.display());
    }
    Ok(())
}

fn file_stem(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn number(value: &Value, key: &str) -> Option<f64> {
    value.get(key).and_then(Value::as_f64)
}

/// The chart named `name` (created on first use, with its defaults).
fn chart<'c>(charts: &'c mut Vec<Chart>, name: &str) -> &'c mut Chart {
    if let Some(i) = charts.iter().position(|c| c.name == name) {
        return &mut charts[i];
    }
    let (title, y_label) = match name {
        "exhaustive" => (
            "Exhaustive search: executions to cover every interleaving",
            "executions",
        ),
        "find_bug_dfs" => (
            "Exhaustive search: executions to find the lost wakeup",
            "executions",
        ),
        "find_bug" => (
            "Random and PCT: schedules to find the lost wakeup (median)",
            "schedules",
        ),
        "throughput" => ("Schedules per second", "schedules/s"),
        _ => (name, "y"),
    };
    charts.push(Chart {
        name: name.to_owned(),
        title: title.to_owned(),
        y_label: y_label.to_owned(),
        points: Vec::new(),
    });
    charts.last_mut().expect("just pushed")
}

/// Read one JSON line into its chart.
fn add_line(charts: &mut Vec<Chart>, value: &Value) {
    let Some(bench) = text(value, "bench") else {
        return;
    };
    let program = text(value, "program").unwrap_or_default();
    let point = |series: String, y: Option<f64>| Point {
        category: program.clone(),
        series,
        x: number(value, "x"),
        y,
    };
    let mut points = Vec::new();
    if let Some(strategy) = text(value, "strategy").filter(|_| value.get("y").is_some()) {
        points.push(point(strategy, number(value, "y")));
    } else if let Some(checker) = text(value, "checker") {
        let bound = match number(value, "preemption_bound") {
            Some(b) => format!(", bound {b}"),
            None => ", unbounded".to_owned(),
        };
        let y = number(value, "executions").or_else(|| number(value, "median"));
        let series = if value.get("median").is_some() {
            checker.clone()
        } else {
            format!("{checker}{bound}")
        };
        points.push(point(series, y));
        if let Some(traces) = number(value, "traces") {
            points.push(point(format!("{checker} traces{bound}"), Some(traces)));
        }
    } else if bench == "throughput" {
        let strategy = text(value, "strategy").unwrap_or_default();
        let category = format!("{program}, {strategy}");
        for (series, key) in [("lockstep-sim", "sim_per_s"), ("shuttle", "shuttle_per_s")] {
            let mut p = point(series.to_owned(), number(value, key));
            p.category.clone_from(&category);
            points.push(p);
        }
    } else {
        return;
    }
    let chart = chart(charts, &bench);
    if let Some(title) = text(value, "title") {
        chart.title = title;
    }
    if let Some(label) = text(value, "y_label") {
        chart.y_label = label;
    }
    chart.points.extend(points);
}

// ---------------------------------------------------------------------------------------------
// SVG.

/// The narrowest chart; a bar chart with many bars grows so that each bar keeps [`MIN_BAR`].
const WIDTH: f64 = 760.0;
/// The narrowest bar of a grouped bar chart, in pixels.
const MIN_BAR: f64 = 9.0;
const HEIGHT: f64 = 400.0;
const LEFT: f64 = 78.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 64.0;
const BOTTOM: f64 = 64.0;
const PALETTE: [&str; 12] = [
    "#1e88e5", "#e53935", "#43a047", "#fb8c00", "#8e24aa", "#00897b", "#6d4c41", "#546e7a",
    "#fdd835", "#d81b60", "#3949ab", "#7cb342",
];

/// The chart's width: [`WIDTH`], or wider for a bar chart whose bars would be narrower than
/// [`MIN_BAR`].
fn width_of(chart: &Chart) -> f64 {
    if chart.points.iter().any(|p| p.x.is_some()) {
        return WIDTH;
    }
    let categories = distinct(chart.points.iter().map(|p| p.category.clone())).len() as f64;
    let series = distinct(chart.points.iter().map(|p| p.series.clone())).len() as f64;
    (LEFT + RIGHT + categories * series * MIN_BAR / 0.8)
        .max(WIDTH)
        .ceil()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A y axis: linear from 0, or logarithmic over whole decades.
#[derive(Debug, Clone, Copy)]
struct Scale {
    log: bool,
    low: f64,
    high: f64,
}

impl Scale {
    fn new(values: impl Iterator<Item = f64>) -> Self {
        let values: Vec<f64> = values.filter(|v| v.is_finite()).collect();
        let max = values.iter().copied().fold(0.0_f64, f64::max).max(1.0);
        let min = values
            .iter()
            .copied()
            .filter(|v| *v > 0.0)
            .fold(max, f64::min);
        if values.iter().all(|v| *v > 0.0) && max / min > 20.0 {
            let low = 10f64.powf(min.log10().floor());
            let high = 10f64.powf(max.log10().ceil());
            Scale {
                log: true,
                low,
                high,
            }
        } else {
            let step = nice_step(max / 5.0);
            Scale {
                log: false,
                low: 0.0,
                high: (max / step).ceil() * step,
            }
        }
    }

    /// The SVG y of `value`.
    fn y(&self, value: f64) -> f64 {
        let fraction = if self.log {
            (value.max(self.low).log10() - self.low.log10())
                / (self.high.log10() - self.low.log10())
        } else {
            (value - self.low) / (self.high - self.low)
        };
        HEIGHT - BOTTOM - fraction * (HEIGHT - TOP - BOTTOM)
    }

    fn ticks(&self) -> Vec<f64> {
        if self.log {
            let (a, b) = (
                self.low.log10().round() as i32,
                self.high.log10().round() as i32,
            );
            (a..=b).map(|e| 10f64.powi(e)).collect()
        } else {
            let step = nice_step(self.high / 5.0);
            (0..=((self.high / step).round() as usize))
                .map(|i| i as f64 * step)
                .collect()
        }
    }
}

/// 1, 2 or 5 times a power of ten, at least `raw`.
fn nice_step(raw: f64) -> f64 {
    let power = 10f64.powf(raw.max(1e-9).log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * power)
}

/// `65332` → `65,332`; `0.5` → `0.5`; `1e6` → `1,000,000`.
fn format_value(value: f64) -> String {
    if value.fract() != 0.0 && value.abs() < 100.0 {
        return format!("{}", (value * 100.0).round() / 100.0);
    }
    let digits = format!("{}", value.round() as i64);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 && c != '-' {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn distinct(values: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

fn render(chart: &Chart) -> String {
    let lines = chart.points.iter().any(|p| p.x.is_some());
    let scale = Scale::new(chart.points.iter().filter_map(|p| p.y));
    let width = width_of(chart);
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {HEIGHT}\" width=\"{width}\" \
         height=\"{HEIGHT}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n\
         <text x=\"{}\" y=\"22\" font-size=\"15\" font-weight=\"bold\" text-anchor=\"middle\">{}</text>",
        width / 2.0,
        escape(&chart.title)
    );
    axis(&mut svg, &scale, &chart.y_label, width);
    let series = if lines {
        line_chart(&mut svg, chart, &scale)
    } else {
        bar_chart(&mut svg, chart, &scale, width)
    };
    legend(&mut svg, &series, width);
    svg.push_str("</svg>\n");
    svg
}

fn axis(svg: &mut String, scale: &Scale, label: &str, width: f64) {
    for tick in scale.ticks() {
        let y = scale.y(tick);
        let _ = writeln!(
            svg,
            "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#e0e0e0\"/>\
             <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#555\">{}</text>",
            width - RIGHT,
            LEFT - 6.0,
            y + 4.0,
            format_value(tick)
        );
    }
    let middle = (TOP + HEIGHT - BOTTOM) / 2.0;
    let log = if scale.log { " (log scale)" } else { "" };
    let _ = writeln!(
        svg,
        "<line x1=\"{LEFT}\" x2=\"{LEFT}\" y1=\"{TOP}\" y2=\"{}\" stroke=\"#888\"/>\
         <text transform=\"translate(16 {middle}) rotate(-90)\" text-anchor=\"middle\" fill=\"#333\">{}{log}</text>",
        HEIGHT - BOTTOM,
        escape(label)
    );
}

/// Grouped bars: one group per category, one bar per series. Returns the series in order.
fn bar_chart(svg: &mut String, chart: &Chart, scale: &Scale, width: f64) -> Vec<String> {
    let categories = distinct(chart.points.iter().map(|p| p.category.clone()));
    let series = distinct(chart.points.iter().map(|p| p.series.clone()));
    let group = (width - LEFT - RIGHT) / categories.len() as f64;
    let bar = group * 0.8 / series.len() as f64;
    // Value labels only where a bar is wide enough to carry one (the tooltip always has it).
    let labelled = bar >= 16.0;
    let base = HEIGHT - BOTTOM;
    for (c, category) in categories.iter().enumerate() {
        let x0 = LEFT + c as f64 * group + group * 0.1;
        let (x, y) = (x0 + group * 0.4, base + 18.0);
        // Names of crowded groups are turned so they do not run into each other.
        let turned = if 7.0 * category.chars().count() as f64 > group {
            format!(" transform=\"rotate(-25 {x:.1} {y:.1})\" text-anchor=\"end\"")
        } else {
            " text-anchor=\"middle\"".to_owned()
        };
        let _ = writeln!(
            svg,
            "<text x=\"{x:.1}\" y=\"{y:.1}\"{turned} fill=\"#333\">{}</text>",
            escape(category)
        );
        for (s, name) in series.iter().enumerate() {
            let found = chart
                .points
                .iter()
                .find(|p| &p.category == category && &p.series == name);
            let Some(point) = found else { continue };
            let x = x0 + s as f64 * bar;
            let middle = x + bar / 2.0;
            match point.y {
                Some(y) => {
                    // At least a sliver: a value at the foot of a log axis (1) stays visible.
                    let top = scale.y(y).min(base - 3.0);
                    let _ = write!(
                        svg,
                        "<rect x=\"{x:.1}\" y=\"{top:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"><title>{}, {}: {}</title></rect>",
                        (bar - 2.0).max(1.0),
                        (base - top).max(0.0),
                        PALETTE[s % PALETTE.len()],
                        escape(category),
                        escape(name),
                        format_value(y),
                    );
                    if labelled {
                        let _ = write!(
                            svg,
                            "<text x=\"{middle:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"11\">{}</text>",
                            top - 4.0,
                            format_value(y)
                        );
                    }
                    svg.push('\n');
                }
                None => {
                    let text = if labelled { "✕ not found" } else { "✕" };
                    let _ = writeln!(
                        svg,
                        "<text x=\"{middle:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{}\">{text}<title>{}, {}: not found</title></text>",
                        base - 6.0,
                        PALETTE[s % PALETTE.len()],
                        escape(category),
                        escape(name),
                    );
                }
            }
        }
    }
    series
}

/// Lines over a numeric x: one per (category, series). Returns the line names in order.
fn line_chart(svg: &mut String, chart: &Chart, scale: &Scale) -> Vec<String> {
    let name = |p: &Point| {
        if p.category.is_empty() {
            p.series.clone()
        } else {
            format!("{} {}", p.category, p.series)
        }
    };
    let names = distinct(chart.points.iter().map(name));
    let xs: Vec<f64> = chart.points.iter().filter_map(|p| p.x).collect();
    let (lo, hi) = xs
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(*x), b.max(*x)));
    // Logarithmic, like the y axis, when the x values span more than a factor of 20 (N from 2
    // to 100): a linear axis would crowd the small N together.
    let log = lo > 0.0 && hi / lo > 20.0;
    let at = |x: f64| if log { x.ln() } else { x };
    let span = if hi > lo { at(hi) - at(lo) } else { 1.0 };
    let x_of = |x: f64| LEFT + 20.0 + (at(x) - at(lo)) / span * (WIDTH - LEFT - RIGHT - 40.0);
    for x in distinct(xs.iter().map(|x| format_value(*x))) {
        let value: f64 = x.replace(',', "").parse().unwrap_or(lo);
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#333\">{x}</text>",
            x_of(value),
            HEIGHT - BOTTOM + 18.0
        );
    }
    for (i, line) in names.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let mut points: Vec<(f64, f64)> = chart
            .points
            .iter()
            .filter(|p| &name(p) == line)
            .filter_map(|p| Some((p.x?, p.y?)))
            .collect();
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        let path: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{:.1},{:.1}", x_of(*x), scale.y(*y)))
            .collect();
        let _ = writeln!(
            svg,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"/>",
            path.join(" ")
        );
        for (x, y) in &points {
            let _ = writeln!(
                svg,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{colour}\"><title>{}: {} at {}</title></circle>",
                x_of(*x),
                scale.y(*y),
                escape(line),
                format_value(*y),
                format_value(*x)
            );
        }
    }
    names
}

fn legend(svg: &mut String, series: &[String], chart_width: f64) {
    let mut x = LEFT;
    let mut y = 42.0;
    for (i, name) in series.iter().enumerate() {
        let width = 22.0 + 6.5 * name.chars().count() as f64;
        if x + width > chart_width - RIGHT {
            x = LEFT;
            y += 16.0;
        }
        let _ = writeln!(
            svg,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"12\" height=\"12\" fill=\"{}\"/>\
             <text x=\"{:.1}\" y=\"{y:.1}\" fill=\"#333\">{}</text>",
            y - 10.0,
            PALETTE[i % PALETTE.len()],
            x + 16.0,
            escape(name)
        );
        x += width + 12.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_schemas_and_draws_deterministically() {
        let mut charts = Vec::new();
        for line in [
            r#"{"bench":"exhaustive","program":"increments","checker":"lockstep-sim","preemption_bound":null,"executions":65332,"exhausted":true,"seconds":0.47}"#,
            r#"{"bench":"exhaustive","program":"increments","checker":"loom","preemption_bound":2,"executions":502,"exhausted":null,"seconds":0.01}"#,
            r#"{"bench":"scaling","program":"reorder","strategy":"dfs","x":3,"y":40}"#,
            r#"{"bench":"scaling","program":"reorder","strategy":"dfs","x":5,"y":null}"#,
        ] {
            add_line(&mut charts, &serde_json::from_str(line).unwrap());
        }
        assert_eq!(charts.len(), 2);
        assert_eq!(charts[0].points[1].series, "loom, bound 2");
        assert_eq!(render(&charts[0]), render(&charts[0].clone()));
        assert!(render(&charts[0]).contains("65,332") && render(&charts[1]).contains("<polyline"));
        assert_eq!(file_stem("a/b"), "a_b");
    }

    /// N from 2 to 100: each doubling of N takes the same width (a log axis), so N = 2, 4 and 8
    /// are not crowded into the first few pixels.
    #[test]
    fn a_wide_x_range_is_drawn_on_a_log_axis() {
        let mut charts = Vec::new();
        for n in [2, 4, 8, 100] {
            let line = format!(
                r#"{{"bench":"scaling","program":"reorder","strategy":"pct3","x":{n},"y":5}}"#
            );
            add_line(&mut charts, &serde_json::from_str(&line).unwrap());
        }
        let svg = render(&charts[0]);
        let at = |n: &str| -> f64 {
            let label = format!("text-anchor=\"middle\" fill=\"#333\">{n}</text>");
            let end = svg.find(&label).expect("an x label");
            let start = svg[..end].rfind("x=\"").unwrap() + 3;
            svg[start..].split('"').next().unwrap().parse().unwrap()
        };
        let (two, four, eight) = (at("2"), at("4"), at("8"));
        assert!(
            ((four - two) - (eight - four)).abs() < 0.2,
            "{two} {four} {eight}"
        );
    }

    #[test]
    fn the_checked_in_charts_are_redrawn_byte_for_byte() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/plots");
        // Each data file and the charts drawn from it: compare's four, SCTBench's three.
        for (data, expected) in [("compare.jsonl", 4), ("sctbench.jsonl", 3)] {
            let mut charts = Vec::new();
            let text = std::fs::read_to_string(dir.join(data)).unwrap();
            for line in text.lines() {
                add_line(&mut charts, &serde_json::from_str(line).unwrap());
            }
            assert_eq!(charts.len(), expected, "{data}");
            for chart in &charts {
                let path = dir.join(format!("{}.svg", file_stem(&chart.name)));
                let checked_in = std::fs::read_to_string(&path).unwrap();
                assert!(
                    checked_in == render(chart),
                    "{} is stale: cargo run -p lockstep-models --example plots -- docs/plots/{data}",
                    path.display()
                );
            }
        }
    }
}
