//! `list`: the registry's models, their variants, expectations and checkers, as an aligned
//! table or one JSON object per line.

use crate::error::CliError;
use crate::output::Out;
use crate::registry::{Model, Registry};
use lockstep::check::Checker;

pub(crate) fn list(registry: &Registry, json: bool) -> Result<(), CliError> {
    let mut out = Out::stdout();
    // Columns fit their longest entry, so rows stay aligned.
    let width = column(registry, |m| m.name.len(), "MODEL");
    let checkers_width = column(registry, |m| checkers_of(m).join(",").len(), "CHECKERS");
    if !json {
        out.line(format_args!(
            "{:<width$} {:<7} {:<6} {:<checkers_width$} SUMMARY",
            "MODEL", "VARIANT", "EXPECT", "CHECKERS"
        ))?;
    }
    for model in registry.models() {
        let checkers = checkers_of(model);
        if json {
            let line = serde_json::json!({
                "model": model.name,
                "variant": model.variant,
                "expect": model.expect.name(),
                "checkers": checkers,
                "summary": model.summary,
            });
            out.line(format_args!("{line}"))?;
        } else {
            out.line(format_args!(
                "{:<width$} {:<7} {:<6} {:<checkers_width$} {}",
                model.name,
                model.variant,
                model.expect.name(),
                checkers.join(","),
                model.summary
            ))?;
        }
    }
    Ok(())
}

fn checkers_of(model: &Model) -> Vec<&'static str> {
    Checker::ALL
        .iter()
        .filter(|c| model.build(**c).is_some())
        .map(|c| c.name())
        .collect()
}

fn column(registry: &Registry, len: impl Fn(&Model) -> usize, header: &str) -> usize {
    registry
        .models()
        .iter()
        .map(len)
        .max()
        .unwrap_or(0)
        .max(header.len())
}
