//! Proptests of the jobs-file parser (issue 15): any text parses or is refused with a message
//! naming a line, never a panic; a file written from jobs parses back to the same jobs.

use super::*;
use proptest::prelude::*;

/// A jobs file's text written from `jobs`, with comments and blank lines between them; the
/// jobs' `line` fields are set to where they land.
fn render(jobs: &mut [JobLine], noise: &[bool]) -> String {
    let mut text = String::new();
    let mut line = 0;
    for (job, &comment) in jobs
        .iter_mut()
        .zip(noise.iter().chain(std::iter::repeat(&false)))
    {
        if comment {
            text.push_str("# a comment\n\n");
            line += 2;
        }
        line += 1;
        job.line = line;
        let ms = job.duration.as_millis();
        text.push_str(&format!(
            "  {} duration={}.{:03}\tpriority={}",
            job.name,
            ms / 1000,
            ms % 1000,
            job.priority
        ));
        if !job.outcome.no_skip {
            text.push_str(" skip");
        }
        if job.outcome.fail {
            text.push_str(" fail");
        }
        text.push('\n');
    }
    text
}

fn job() -> impl Strategy<Value = JobLine> {
    (
        "[a-z0-9~._-][a-z0-9/~._=-]{0,12}",
        0u64..=1_000_000_000,
        any::<i64>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_filter("a name, not an option", |(name, ..)| {
            !name.starts_with("duration=") && !name.starts_with("priority=")
        })
        .prop_map(|(name, ms, priority, no_skip, fail)| JobLine {
            line: 0,
            name,
            duration: Duration::from_millis(ms),
            priority,
            outcome: Outcome { no_skip, fail },
        })
}

/// Text made of jobs-file-like pieces: names, options good and bad, comments, BOMs, anything.
fn jobs_text() -> impl Strategy<Value = String> {
    let word = prop_oneof![
        "[a-z/~]{1,6}",
        "duration=[0-9.e+-]{0,8}",
        "priority=[0-9-]{0,21}",
        Just("skip".to_owned()),
        Just("fail".to_owned()),
        Just("#".to_owned()),
        Just("\u{feff}".to_owned()),
        "\\PC{0,6}",
    ];
    let sep = prop_oneof![Just(" "), Just("\t"), Just("\n"), Just("\r\n"), Just("")];
    proptest::collection::vec((word, sep), 0..16)
        .prop_map(|words| words.into_iter().map(|(w, s)| w + s).collect())
}

proptest! {
    #[test]
    fn any_text_parses_or_names_the_bad_line(text in jobs_text()) {
        match parse_jobs(&text) {
            Ok(jobs) => {
                let lines = text.lines().count();
                for job in &jobs {
                    prop_assert!(job.line >= 1 && job.line <= lines);
                    prop_assert!(!job.name.is_empty() && !job.name.starts_with('#'));
                    prop_assert!(!job.name.contains(char::is_whitespace));
                    prop_assert!(!job.name.starts_with("duration=") && !job.name.starts_with("priority="));
                }
            }
            Err(err) => {
                let line = err.line.expect("a parse error names its line");
                prop_assert!(line >= 1 && line <= text.lines().count());
                prop_assert!(!err.message.is_empty() && !err.message.contains('\n'));
            }
        }
    }

    #[test]
    fn a_file_written_from_jobs_parses_back_to_them(
        mut jobs in proptest::collection::vec(job(), 0..10),
        noise in proptest::collection::vec(any::<bool>(), 0..10),
        bom in any::<bool>(),
    ) {
        let mut text = render(&mut jobs, &noise);
        if bom {
            text.insert(0, '\u{feff}');
        }
        prop_assert_eq!(parse_jobs(&text), Ok(jobs));
    }
}
