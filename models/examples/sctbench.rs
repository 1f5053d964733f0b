//! SCTBench's CS group as a benchmark of lockstep-sim's strategies (see `docs/sctbench.md`).
//!
//! ```sh
//! cargo run --release -p lockstep-models --example sctbench -- --from FILE.jsonl...  # tables of saved lines
//! cargo run --release -p lockstep-models --example sctbench -- [--json] [--trials 20]
//!     [--budget 1000] [--only NAME]... [--strategy NAME]... [--verbose]
//! cargo run --release -p lockstep-models --example sctbench -- --ok [--budget 1000000]
//!     [--strategy NAME]...
//! cargo run --release -p lockstep-models --example sctbench -- --families [--n 3,10,100]
//!     [--trials 20] [--budget 1000] [--strategy NAME]...
//! ```
//!
//! For every buggy program of `lockstep_models::sctbench::programs()` and every strategy —
//! random walk, PCT of depth 2, 3 and 4, POS, URW, SURW, the delay-bounded search, DFS
//! (unbounded, optimal DPOR), the schedule fuzzer and the default portfolio — one trial per seed in 1..=trials, each
//! stopping at the first failure or after `budget` executions. The deterministic searches (delay,
//! DFS) run once and count for every seed. Failures are not shrunk: the time is the time to find
//! the bug. Per program and strategy it prints the median schedules-to-bug (a trial that missed
//! counts as +∞, so the median exists only when more than half found it), the found rate and the
//! median time of a trial; then, per strategy, the geometric mean of the medians, and the
//! portfolio against the goals of issue 13. `--json` prints one object per program and strategy
//! (with every trial) and one per strategy summary instead.
//!
//! `--families` prints the scaling table of `docs/fuzzing.md`: the median schedules-to-bug of
//! the fuzzer, PCT3, POS, random and SURW (or the `--strategy`s given) on `reorder_N` and
//! `twostage_N` for each N of `--n`.
//!
//! `--ok` runs the portfolio (or the `--strategy`s given) on the `_ok` twins for `budget`
//! schedules each (seed 1): none may fail (exit status 1 if one does). The portfolio stops
//! early, *exhausted*, once its DFS has covered every behaviour of a twin.

use lockstep_models::sctbench::{programs, Program};
use lockstep_sim::{Builder, FailureKind, Strategy};
use std::time::Instant;

/// A strategy of the benchmark.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Random,
    Pct(usize),
    Pos,
    Urw,
    Surw,
    Delay,
    Dfs,
    Fuzz,
    Portfolio,
}

const KINDS: [Kind; 11] = [
    Kind::Random,
    Kind::Pct(2),
    Kind::Pct(3),
    Kind::Pct(4),
    Kind::Pos,
    Kind::Urw,
    Kind::Surw,
    Kind::Delay,
    Kind::Dfs,
    Kind::Fuzz,
    Kind::Portfolio,
];

impl Kind {
    fn name(self) -> String {
        match self {
            Kind::Random => "random".into(),
            Kind::Pct(d) => format!("pct{d}"),
            Kind::Pos => "pos".into(),
            Kind::Urw => "urw".into(),
            Kind::Surw => "surw".into(),
            Kind::Delay => "delay".into(),
            Kind::Dfs => "dfs".into(),
            Kind::Fuzz => "fuzz".into(),
            Kind::Portfolio => "portfolio".into(),
        }
    }

    fn builder(self, budget: usize, seed: u64) -> Builder {
        let builder = match self {
            Kind::Random => Builder::random(budget),
            Kind::Pct(depth) => Builder::pct(budget, depth),
            Kind::Pos => Builder::pos(budget),
            Kind::Urw => Builder::urw(budget),
            Kind::Surw => Builder::surw(budget),
            Kind::Delay => Builder::delay(budget),
            Kind::Dfs => Builder::dfs(None).max_executions(budget),
            Kind::Fuzz => Builder::fuzz(budget),
            Kind::Portfolio => Builder::with_strategy(Strategy::Portfolio { iterations: budget }),
        };
        builder.seed(seed).shrink(false)
    }

    /// Runs the same executions whatever the seed.
    fn deterministic(self) -> bool {
        matches!(self, Kind::Delay | Kind::Dfs)
    }
}

/// One trial: schedules to the bug (if found), its time, and whether the failure was the
/// program's (`None`: the strategy cannot run the program, e.g. DFS over 63 threads).
#[derive(Debug, Clone, Copy)]
struct Trial {
    found: Option<usize>,
    ms: f64,
    kind_ok: bool,
}

fn trial(kind: Kind, budget: usize, seed: u64, program: &Program) -> Option<Trial> {
    let expected = if program.deadlock {
        FailureKind::Deadlock
    } else {
        FailureKind::Panic
    };
    trial_of(kind, budget, seed, program.run, expected)
}

/// One trial of any model whose bug is a failure of kind `expected`.
fn trial_of(
    kind: Kind,
    budget: usize,
    seed: u64,
    model: impl Fn() + Send + Sync + 'static,
    expected: FailureKind,
) -> Option<Trial> {
    let start = Instant::now();
    let result = kind.builder(budget, seed).run(model);
    let ms = start.elapsed().as_secs_f64() * 1e3;
    match result {
        Ok(_) => Some(Trial {
            found: None,
            ms,
            kind_ok: true,
        }),
        Err(failure) if failure.kind == FailureKind::Invalid => None,
        Err(failure) => Some(Trial {
            found: Some(failure.executions),
            ms,
            kind_ok: failure.kind == expected,
        }),
    }
}

/// The trials of one strategy on one program (`None`: it cannot run the program).
fn trials(kind: Kind, budget: usize, seeds: u64, program: &Program) -> Option<Vec<Trial>> {
    if kind.deterministic() {
        let one = trial(kind, budget, 0, program)?;
        return Some(vec![one; seeds as usize]);
    }
    (1..=seeds)
        .map(|seed| trial(kind, budget, seed, program))
        .collect()
}

/// The median of `values` (sorted here).
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// The median schedules-to-bug, a miss counting as +∞ (`None` if at least half missed).
fn median_found(trials: &[Trial]) -> Option<f64> {
    let m = median(
        trials
            .iter()
            .map(|t| t.found.map_or(f64::INFINITY, |e| e as f64))
            .collect(),
    );
    m.is_finite().then_some(m)
}

fn median_ms(trials: &[Trial]) -> f64 {
    median(trials.iter().map(|t| t.ms).collect())
}

fn found_count(trials: &[Trial]) -> usize {
    trials.iter().filter(|t| t.found.is_some()).count()
}

/// A table cell: `median (found/trials, ms)`.
fn cell(trials: &Option<Vec<Trial>>) -> String {
    let Some(trials) = trials else {
        return "n/a".into();
    };
    let median = median_found(trials).map_or("–".to_owned(), |m| format!("{m}"));
    let wrong = if trials.iter().all(|t| t.kind_ok) {
        ""
    } else {
        " (wrong kind!)"
    };
    format!(
        "{median} ({}/{}, {:.1} ms){wrong}",
        found_count(trials),
        trials.len(),
        median_ms(trials)
    )
}

/// Every strategy's trials on one program.
type Row = Vec<(Kind, Option<Vec<Trial>>)>;

fn json_row(program: &Program, kind: Kind, trials: &Option<Vec<Trial>>) -> String {
    let Some(trials) = trials else {
        return format!(
            "{{\"program\":\"{}\",\"strategy\":\"{}\",\"runs\":false}}",
            program.name,
            kind.name()
        );
    };
    let schedules: Vec<String> = trials
        .iter()
        .map(|t| t.found.map_or("null".into(), |e| e.to_string()))
        .collect();
    let ms: Vec<String> = trials.iter().map(|t| format!("{:.3}", t.ms)).collect();
    let median = median_found(trials).map_or("null".into(), |m| m.to_string());
    // Two charts (`docs/plots`): the strategies compared in the text, and the others; the
    // scaling chart over N for the first ones only.
    let charted = matches!(
        kind,
        Kind::Random | Kind::Pct(3) | Kind::Pos | Kind::Surw | Kind::Fuzz | Kind::Portfolio
    );
    let (bench, title) = if charted {
        (
            "sctbench",
            "SCTBench CS: median schedules to the bug (20 seeds, 1,000 per trial)",
        )
    } else {
        (
            "sctbench_others",
            "SCTBench CS, the other strategies: median schedules to the bug",
        )
    };
    let family = family(program.name).filter(|_| charted);
    let scaling = family.map_or(String::new(), |(family, n)| {
        // The scaling families also as a line chart over N (`docs/plots`).
        format!(
            "\n{{\"bench\":\"scaling\",\"title\":\"reorder_N and twostage_N: median \
             schedules to the bug (20 seeds, 1,000 per trial)\",\"y_label\":\"schedules\",\
             \"program\":\"{family}\",\"strategy\":\"{}\",\"x\":{n},\"y\":{median}}}",
            kind.name()
        )
    });
    format!(
        "{{\"bench\":\"{bench}\",\"title\":\"{title}\",\"y_label\":\"schedules\",\"y\":{median},\
         \"program\":\"{}\",\"strategy\":\"{}\",\"runs\":true,\"found\":{},\"trials\":{},\
         \"median_schedules\":{},\"median_ms\":{:.3},\"kind_ok\":{},\"schedules\":[{}],\
         \"ms\":[{}]}}",
        program.name,
        kind.name(),
        found_count(trials),
        trials.len(),
        median,
        median_ms(trials),
        trials.iter().all(|t| t.kind_ok),
        schedules.join(","),
        ms.join(",")
    ) + &scaling
}

/// `reorder_N` / `twostage_N` (and `twostage`, N = 2): the family and N.
fn family(name: &str) -> Option<(&'static str, usize)> {
    if name == "twostage" {
        return Some(("twostage", 2));
    }
    let (family, n) = name.rsplit_once('_')?;
    let family = match family {
        "reorder" => "reorder",
        "twostage" => "twostage",
        _ => return None,
    };
    Some((family, n.parse().ok()?))
}

/// Per strategy: the geometric mean of the finite medians (and how many), bugs found in every
/// trial, in at least one.
fn summary(rows: &[(Program, Row)], kind: Kind) -> (f64, usize, usize, usize) {
    let cells: Vec<&Vec<Trial>> = rows
        .iter()
        .filter_map(|(_, row)| row.iter().find(|(k, _)| *k == kind))
        .filter_map(|(_, t)| t.as_ref())
        .collect();
    let medians: Vec<f64> = cells.iter().filter_map(|t| median_found(t)).collect();
    let geo = (medians.iter().map(|m| m.ln()).sum::<f64>() / medians.len().max(1) as f64).exp();
    let every = cells.iter().filter(|t| found_count(t) == t.len()).count();
    let some = cells.iter().filter(|t| found_count(t) > 0).count();
    (geo, medians.len(), every, some)
}

/// The portfolio against issue 13's goals.
fn goals(rows: &[(Program, Row)], budget: usize) -> Vec<String> {
    let cells: Vec<(&Program, &Vec<Trial>)> = rows
        .iter()
        .filter_map(|(p, row)| {
            let cell = row.iter().find(|(k, _)| *k == Kind::Portfolio)?;
            Some((p, cell.1.as_ref()?))
        })
        .collect();
    let all_found = cells.iter().all(|(_, t)| found_count(t) == t.len());
    let (geo, n, _, _) = summary(rows, Kind::Portfolio);
    let worst = cells
        .iter()
        .map(|(p, t)| (median_found(t).unwrap_or(f64::INFINITY), p.name))
        .fold((0.0, ""), |a, b| if b.0 > a.0 { b } else { a });
    let ms = median(
        cells
            .iter()
            .flat_map(|(_, t)| t.iter().map(|t| t.ms))
            .collect(),
    );
    let mark = |met: bool| if met { "met" } else { "NOT met" };
    vec![
        format!(
            "every bug found within {budget} schedules for every seed: {}",
            mark(all_found && cells.len() == rows.len())
        ),
        format!(
            "geometric mean of medians {geo:.2} over {n} programs (goal <= 3.3): {}",
            mark(geo <= 3.3 && n == rows.len())
        ),
        format!(
            "largest median {} ({}) (goal <= 25): {}",
            worst.0,
            worst.1,
            mark(worst.0 <= 25.0)
        ),
        format!(
            "median time to bug {ms:.2} ms over all trials (goal <= 10 ms): {}",
            mark(ms <= 10.0)
        ),
    ]
}

/// Options of a run.
struct Args {
    trials: u64,
    budget: usize,
    only: Vec<String>,
    kinds: Vec<Kind>,
    json: bool,
    ok: bool,
    verbose: bool,
    /// `--strategy` was given.
    explicit_kinds: bool,
    /// `--families`: the reorder_N / twostage_N scaling table.
    families: bool,
    /// `--from FILE`: print the tables from the JSON lines of earlier runs instead of running.
    from: Vec<String>,
    /// The N of `--families`.
    ns: Vec<usize>,
}

/// A number for `flag`, or what is wrong with `text`.
fn number<T: std::str::FromStr>(text: &str, flag: &str) -> Result<T, String> {
    text.parse()
        .map_err(|_| format!("expected {flag}, got {text:?}"))
}

/// The arguments (without the program name), or what is wrong with them.
fn parse_args(argv: impl IntoIterator<Item = String>) -> Result<Args, String> {
    let mut args = Args {
        trials: 20,
        budget: 1_000,
        only: Vec::new(),
        kinds: Vec::new(),
        json: false,
        ok: false,
        verbose: false,
        explicit_kinds: false,
        families: false,
        ns: vec![3, 4, 5, 10, 20, 30, 50, 75, 100],
        from: Vec::new(),
    };
    let mut argv = argv.into_iter();
    while let Some(arg) = argv.next() {
        let mut value = || argv.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--trials" => args.trials = number(&value()?, "--trials N")?,
            "--budget" => args.budget = number(&value()?, "--budget N")?,
            "--only" => args.only.push(value()?),
            "--strategy" => {
                let name = value()?;
                let kind = KINDS.into_iter().find(|k| k.name() == name);
                args.kinds
                    .push(kind.ok_or_else(|| format!("no strategy {name}"))?);
            }
            "--json" => args.json = true,
            "--families" => args.families = true,
            "--n" => {
                args.ns = value()?
                    .split(',')
                    .map(|n| number(n.trim(), "--n 3,10,100"))
                    .collect::<Result<_, _>>()?
            }
            "--ok" => args.ok = true,
            "--from" => args.from.push(value()?),
            "--verbose" => args.verbose = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    args.explicit_kinds = !args.kinds.is_empty();
    if args.kinds.is_empty() {
        args.kinds = KINDS.to_vec();
    }
    Ok(args)
}

/// The `_ok` twins under each chosen strategy (the portfolio unless `--strategy` says
/// otherwise): `budget` schedules each (seed 1), no failure allowed.
fn check_ok(args: &Args, selected: &[Program]) -> bool {
    let kinds = if args.explicit_kinds {
        args.kinds.clone()
    } else {
        vec![Kind::Portfolio]
    };
    let mut clean = true;
    for kind in kinds {
        for program in selected {
            let start = Instant::now();
            let result = kind.builder(args.budget, 1).run(program.run);
            let seconds = start.elapsed().as_secs_f64();
            let verdict = match &result {
                Ok(report) if report.exhausted => {
                    format!("exhausted after {} schedules", report.executions)
                }
                Ok(report) => format!("no failure in {} schedules", report.executions),
                Err(failure) => {
                    clean = false;
                    format!("FALSE ALARM: {}", failure.summary())
                }
            };
            println!(
                "| {} | {} | {verdict} | {seconds:.1} s |",
                program.label(),
                kind.name()
            );
        }
    }
    clean
}

/// The rows of the `--json` lines in `args.from` (later files win for a program and strategy
/// they repeat), in the programs' order; `args.kinds` become the strategies found, in the order
/// of [`KINDS`], and `args.trials` the trials per cell.
fn rows_from(args: &mut Args) -> Result<Vec<(Program, Row)>, String> {
    let mut cells: std::collections::HashMap<(String, String), Option<Vec<Trial>>> =
        std::collections::HashMap::new();
    for path in &args.from {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
        for line in text.lines() {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            let (Some(program), Some(strategy), Some(runs)) = (
                v["program"].as_str(),
                v["strategy"].as_str(),
                v["runs"].as_bool(),
            ) else {
                continue;
            };
            let trials = if runs {
                let bad = || format!("{path}: a row of {program} / {strategy} without its trials");
                let schedules = v["schedules"].as_array().ok_or_else(bad)?;
                let ms = v["ms"].as_array().ok_or_else(bad)?;
                let trials = schedules
                    .iter()
                    .zip(ms)
                    .map(|(found, ms)| Trial {
                        found: found.as_u64().map(|n| n as usize),
                        ms: ms.as_f64().unwrap_or(0.0),
                        kind_ok: v["kind_ok"].as_bool().unwrap_or(false),
                    })
                    .collect();
                Some(trials)
            } else {
                None
            };
            cells.insert((program.to_owned(), strategy.to_owned()), trials);
        }
    }
    args.kinds = KINDS
        .into_iter()
        .filter(|k| cells.keys().any(|(_, s)| *s == k.name()))
        .collect();
    if let Some(Some(trials)) = cells.values().next() {
        args.trials = trials.len() as u64;
    }
    Ok(programs()
        .into_iter()
        .filter(|p| p.expect_bug)
        .filter_map(|program| {
            let row: Row = args
                .kinds
                .iter()
                .map(|&k| {
                    let key = (program.name.to_owned(), k.name());
                    cells.get(&key).cloned().map(|t| (k, t))
                })
                .collect::<Option<Row>>()?;
            Some((program, row))
        })
        .collect())
}

fn print_tables(args: &Args, rows: &[(Program, Row)]) {
    let names: Vec<String> = args.kinds.iter().map(|k| k.name()).collect();
    println!(
        "trials: seeds 1..={}; budget {} schedules per trial; cells: median schedules-to-bug \
         (found/trials, median ms per trial)",
        args.trials, args.budget
    );
    println!("| program | threads | {} |", names.join(" | "));
    println!("|---|---:|{}", "---|".repeat(names.len()));
    for (program, row) in rows {
        let cells: Vec<String> = row.iter().map(|(_, t)| cell(t)).collect();
        println!(
            "| {} | {} | {} |",
            program.name,
            program.threads,
            cells.join(" | ")
        );
    }
    println!("\n| strategy | geometric mean of medians | found in every trial | in some trial |");
    println!("|---|---:|---:|---:|");
    for &kind in &args.kinds {
        let (geo, n, every, some) = summary(rows, kind);
        println!("| {} | {geo:.2} ({n}) | {every} | {some} |", kind.name());
    }
    if args.kinds.contains(&Kind::Portfolio) {
        println!();
        for line in goals(rows, args.budget) {
            println!("- {line}");
        }
    }
}

/// `--families`: median schedules-to-bug of each chosen strategy (default: fuzz, PCT3, POS,
/// random, SURW) on `reorder_N` and `twostage_N` for each N of `--n` (default 3, 4, 5, 10, 20,
/// 30, 50, 75, 100), as one markdown table.
fn families(args: &Args) {
    let kinds = if args.explicit_kinds {
        args.kinds.clone()
    } else {
        vec![
            Kind::Fuzz,
            Kind::Pct(3),
            Kind::Pos,
            Kind::Random,
            Kind::Surw,
        ]
    };
    let names: Vec<String> = kinds.iter().map(|k| k.name()).collect();
    println!("| program | N | split | {} |", names.join(" | "));
    println!("|---|---:|---|{}", "---:|".repeat(kinds.len()));
    for family in ["reorder", "twostage"] {
        for &n in &args.ns {
            let scaled = match family {
                "reorder" => lockstep_models::sctbench::reorder(n),
                _ => lockstep_models::sctbench::twostage(n),
            };
            let cells: Vec<String> = kinds
                .iter()
                .map(|&kind| {
                    let trials: Option<Vec<Trial>> = (1..=args.trials)
                        .map(|seed| {
                            trial_of(kind, args.budget, seed, scaled.model(), FailureKind::Panic)
                        })
                        .collect();
                    if args.verbose {
                        eprintln!("{} {}: {}", scaled.name, kind.name(), cell(&trials));
                    }
                    trials.as_deref().map_or("n/a".to_owned(), |t| {
                        let median = median_found(t).map_or("–".to_owned(), |m| format!("{m}"));
                        format!("{median} ({}/{})", found_count(t), t.len())
                    })
                })
                .collect();
            println!(
                "| {family}_N | {n} | {} + {} | {} |",
                scaled.first,
                scaled.second,
                cells.join(" | ")
            );
        }
    }
}

fn main() -> std::process::ExitCode {
    // Bad usage or a bad `--from` file: one line on stderr, exit status 2.
    let usage = |message: String| {
        eprintln!("sctbench: {message}");
        std::process::ExitCode::from(2)
    };
    let mut args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => return usage(message),
    };
    if !args.from.is_empty() {
        let rows = match rows_from(&mut args) {
            Ok(rows) => rows,
            Err(message) => return usage(message),
        };
        print_tables(&args, &rows);
        return std::process::ExitCode::SUCCESS;
    }
    if args.families {
        families(&args);
        return std::process::ExitCode::SUCCESS;
    }
    let selected: Vec<Program> = programs()
        .into_iter()
        .filter(|p| p.expect_bug != args.ok)
        .filter(|p| args.only.is_empty() || args.only.iter().any(|o| *o == p.name))
        .collect();
    if args.ok {
        println!(
            "| twin | strategy | {} schedules (seed 1) | time |",
            args.budget
        );
        println!("|---|---|---|---:|");
        return if check_ok(&args, &selected) {
            std::process::ExitCode::SUCCESS
        } else {
            std::process::ExitCode::FAILURE
        };
    }
    let mut rows = Vec::new();
    for program in selected {
        let row: Row = args
            .kinds
            .iter()
            .map(|&kind| (kind, trials(kind, args.budget, args.trials, &program)))
            .collect();
        for (kind, trials) in &row {
            if args.json {
                println!("{}", json_row(&program, *kind, trials));
            } else if args.verbose {
                eprintln!("{} {}: {}", program.name, kind.name(), cell(trials));
            }
        }
        rows.push((program, row));
    }
    if args.json {
        for &kind in &args.kinds {
            let (geo, n, every, some) = summary(&rows, kind);
            println!(
                "{{\"summary\":\"{}\",\"geometric_mean\":{geo:.3},\"programs_with_median\":{n},\
                 \"found_every_trial\":{every},\"found_some_trial\":{some}}}",
                kind.name()
            );
        }
    } else {
        print_tables(&args, &rows);
    }
    std::process::ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args, String> {
        parse_args(args.iter().map(|a| (*a).to_owned()))
    }

    #[test]
    fn bad_arguments_are_refused_with_a_reason() {
        for (args, reason) in [
            (&["--bogus"][..], "unknown argument --bogus"),
            (&["--trials", "x"], "expected --trials N, got \"x\""),
            (&["--budget"], "--budget needs a value"),
            (&["--strategy", "nope"], "no strategy nope"),
            (&["--n", "3,x"], "expected --n 3,10,100, got \"x\""),
        ] {
            assert_eq!(parse(args).err().as_deref(), Some(reason), "{args:?}");
        }
        let args = parse(&["--trials", "3", "--strategy", "fuzz", "--n", "3, 10"]).unwrap();
        assert_eq!(
            (args.trials, args.kinds, args.ns),
            (3, vec![Kind::Fuzz], vec![3, 10])
        );
    }

    #[test]
    fn a_from_file_that_is_missing_or_lacks_trials_is_refused() {
        let dir = std::env::temp_dir().join(format!("sctbench-from-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let rows = dir.join("rows.jsonl");
        std::fs::write(
            &rows,
            r#"{"program":"account","strategy":"pct3","runs":true}"#,
        )
        .unwrap();
        let rows = rows.to_str().unwrap().to_owned();
        let mut args = parse(&["--from", &rows]).unwrap();
        let err = rows_from(&mut args).err().unwrap();
        assert!(
            err.ends_with("a row of account / pct3 without its trials"),
            "{err}"
        );
        let mut args = parse(&["--from", "/nonexistent/rows.jsonl"]).unwrap();
        let err = rows_from(&mut args).err().unwrap();
        assert!(err.starts_with("/nonexistent/rows.jsonl: "), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// The checked-in data gives the docs' tables: every buggy program, every strategy.
    #[test]
    fn the_checked_in_data_has_every_program_and_strategy() {
        let data = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/plots/sctbench.jsonl");
        let mut args = parse(&["--from", data]).unwrap();
        let rows = rows_from(&mut args).unwrap();
        assert_eq!(rows.len(), 22);
        assert_eq!(args.kinds, KINDS.to_vec());
        assert_eq!(args.trials, 20);
    }
}
