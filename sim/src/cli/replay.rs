//! `replay TOKEN`: reproduce a failure from the token a `check` row printed. The token names
//! its model (and the model's version), so no other argument is needed.
//!
//! Exit status: 0 when the failure reproduces (the report is printed), 1 when the execution
//! now passes, 2 for a malformed token or one that belongs to another model or version.

use super::child::parse_shuttle_token;
use super::registry::Registry;
use crate::{token_label, try_replay, Replayed};
use lockstep::check::{shuttle, FailureKind};
use std::process::ExitCode;

/// Arguments of `replay`.
#[derive(Debug, Clone, clap::Args)]
pub struct ReplayArgs {
    /// The token from a `check` row (`ls1-...` for lockstep-sim, `sh1-...` for shuttle).
    token: String,
}

pub(crate) fn replay(registry: &Registry, args: ReplayArgs) -> ExitCode {
    let token = args.token.trim();
    if token.starts_with("ls1-") {
        replay_sim(registry, token)
    } else if token.starts_with("sh1-") {
        replay_shuttle(registry, token)
    } else {
        super::bad_input(format!(
            "malformed replay token {token:?}: expected one starting with `ls1-` (lockstep-sim) \
             or `sh1-` (shuttle)"
        ))
    }
}

fn replay_sim(registry: &Registry, token: &str) -> ExitCode {
    let label = match token_label(token) {
        Ok(label) => label,
        Err(err) => return super::bad_input(err),
    };
    if label.is_empty() {
        return super::bad_input(
            "the token names no model (it was made outside a registry); replay it with \
             lockstep_sim::replay(token, model) in the model's own test",
        );
    }
    let model = match registry.by_label(&label) {
        Ok(model) => model,
        Err(message) => return super::bad_input(message),
    };
    let Some(build) = &model.sim else {
        return super::bad_input(format!("{label} has no lockstep-sim program"));
    };
    match try_replay(token, build()) {
        Ok(Replayed::Failed(failure)) => {
            println!("{failure}");
            println!("\nthe failure of {label} reproduces");
            ExitCode::SUCCESS
        }
        Ok(Replayed::Passed) => {
            println!("the execution of {label} runs to completion without failing now");
            ExitCode::from(1)
        }
        Err(err) => super::bad_input(err),
    }
}

fn replay_shuttle(registry: &Registry, token: &str) -> ExitCode {
    let Some((label, schedule)) = parse_shuttle_token(token) else {
        return super::bad_input(format!("malformed replay token {token:?}"));
    };
    let model = match registry.by_label(&label) {
        Ok(model) => model,
        Err(message) => return super::bad_input(message),
    };
    let Some(build) = &model.shuttle else {
        return super::bad_input(format!("{label} has no shuttle program"));
    };
    let result = shuttle::try_check(
        &shuttle::Config::default(),
        shuttle::Strategy::Replay { schedule },
        build(),
    );
    match result {
        Err(failure) if failure.kind == FailureKind::InvalidInput => {
            super::bad_input(failure.message)
        }
        Err(failure) => {
            println!("{failure}");
            println!("\nthe failure of {label} reproduces");
            ExitCode::SUCCESS
        }
        Ok(_) => {
            println!("the execution of {label} runs to completion without failing now");
            ExitCode::from(1)
        }
    }
}
