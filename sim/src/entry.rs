//! The entry points in shuttle's vocabulary: `check_random`, `check_pct`, `check_dfs` for
//! `#[test]`s (they panic with the report), and `replay` / `try_replay` to reproduce a failure
//! from its token.

use crate::builder::Builder;
use crate::config::{Config, Strategy};
use crate::exec::sched::{ExecResult, ModelFn, Outcome};
use crate::failure::Failure;
use crate::html;
use crate::report::trace_steps;
use crate::session::{fingerprint, Report, Session};
use crate::strategy::guided::Guided;
use crate::strategy::Scheduler;
use crate::token::{Token, TokenError};
use std::panic::Location;
use std::sync::Arc;

/// `iterations` random-walk executions; panics with the failure report on a failure.
///
/// ```should_panic
/// use lockstep::sync::{thread, Arc, Mutex};
/// use lockstep_sim::Sim;
/// lockstep_sim::check_random(|| {
///     let n: Arc<Mutex<u32, Sim>, Sim> = Arc::new(Mutex::new(0));
///     let n2 = n.clone();
///     let h = thread::spawn::<Sim, _, _>(move || {
///         let v = *n2.lock();
///         *n2.lock() = v + 1; // lost update: read and write under different locks
///     });
///     let v = *n.lock();
///     *n.lock() = v + 1;
///     h.join().unwrap();
///     assert_eq!(*n.lock(), 2);
/// }, 1000);
/// ```
#[track_caller]
pub fn check_random<F: Fn() + Send + Sync + 'static>(model: F, iterations: usize) -> Report {
    Builder::random(iterations).check(model)
}

/// `iterations` PCT executions of depth `depth`; panics with the failure report on a failure.
#[track_caller]
pub fn check_pct<F: Fn() + Send + Sync + 'static>(
    model: F,
    iterations: usize,
    depth: usize,
) -> Report {
    Builder::pct(iterations, depth).check(model)
}

/// Exhaustive DFS with DPOR within `preemption_bound`; panics with the failure report on a
/// failure. The report's `exhausted` says whether the whole space was covered.
#[track_caller]
pub fn check_dfs<F: Fn() + Send + Sync + 'static>(
    model: F,
    preemption_bound: Option<usize>,
) -> Report {
    Builder::dfs(preemption_bound).check(model)
}

/// What replaying a token did.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Replayed {
    /// The recorded failure happened again (it is reported once more, unshrunk).
    Failed(Failure),
    /// The execution ran to completion without failing (the bug is fixed, or depended on
    /// something outside the simulation).
    Passed,
}

/// Replay a token on `model`: `Ok` with what happened, `Err` if the token is malformed or does
/// not belong to this program.
#[track_caller]
pub fn try_replay<F: Fn() + Send + Sync + 'static>(
    token: &str,
    model: F,
) -> Result<Replayed, TokenError> {
    try_replay_token(&Token::decode(token)?, Arc::new(model))
}

/// Replay a decoded token on `model` (see [`try_replay`]); a token of another backend is a
/// [`TokenError::Mismatch`].
#[track_caller]
pub fn try_replay_token(token: &Token, model: ModelFn) -> Result<Replayed, TokenError> {
    run_token(
        token,
        model,
        Location::caller(),
        false,
        |session, result| {
            match result.outcome {
                Outcome::Ok { .. } => Replayed::Passed,
                // The execution is the token's, bit for bit: the failure keeps the token's identity.
                _ => Replayed::Failed(session.explain(result, token, None)),
            }
        },
    )
}

/// Replay a token on `model` and render the execution as one self-contained HTML page: the
/// failure's page ([`Failure::to_html`]) when it reproduces, or the timeline of the schedule
/// run to completion when it now passes. `Err` if the token is malformed or does not belong
/// to this program.
///
/// ```
/// use lockstep::sync::{thread, Arc, Mutex};
/// use lockstep_sim::Sim;
///
/// // A lost update: read and write under separate locks.
/// let model = || {
///     let n: Arc<Mutex<u32, Sim>, Sim> = Arc::new(Mutex::new(0));
///     let n2 = n.clone();
///     let h = thread::spawn::<Sim, _, _>(move || {
///         let v = *n2.lock();
///         *n2.lock() = v + 1;
///     });
///     let v = *n.lock();
///     *n.lock() = v + 1;
///     h.join().unwrap();
///     assert_eq!(*n.lock(), 2, "an increment was lost");
/// };
/// let failure = lockstep_sim::Builder::random(1000).run(model).unwrap_err();
/// let page = lockstep_sim::replay_html(&failure.token, model).unwrap();
/// assert!(page.contains("an increment was lost"));
/// // The same steps as the failure's own page, one row each.
/// let rows = |html: &str| html.matches("class=\"row step").count();
/// assert_eq!(rows(&page), rows(&failure.to_html()));
/// assert_eq!(page.matches("class=\"lane-head\"").count(), 2);
/// ```
#[track_caller]
pub fn replay_html<F: Fn() + Send + Sync + 'static>(
    token: &str,
    model: F,
) -> Result<String, TokenError> {
    replay_html_token(&Token::decode(token)?, Arc::new(model))
}

/// [`replay_html`] of a decoded token.
#[track_caller]
pub fn replay_html_token(token: &Token, model: ModelFn) -> Result<String, TokenError> {
    run_token(
        token,
        model,
        Location::caller(),
        true,
        |session, result| match result.outcome {
            Outcome::Ok { .. } => {
                let mut carrier = Failure::invalid(token.checker(), session.seed(), String::new());
                carrier.token = token.encode();
                carrier.label = token.label().to_owned();
                carrier.executions = 1;
                carrier.trace = trace_steps(&result);
                carrier.threads = result.thread_names;
                carrier.preemptions = result.preemptions;
                html::page(&carrier, html::Ending::Passed)
            }
            _ => session.explain(result, token, None).to_html(),
        },
    )
}

/// Run the one execution `token` describes on `model` (keeping its names and objects even if
/// it passes when `details`), check that it is the execution recorded, and hand it to `f`.
fn run_token<T>(
    token: &Token,
    model: ModelFn,
    at: &'static Location<'static>,
    details: bool,
    f: impl FnOnce(&Session<'_>, ExecResult) -> T,
) -> Result<T, TokenError> {
    let Some(schedule) = token.sim() else {
        return Err(TokenError::Mismatch(format!(
            "it is a {} token, not a lockstep-sim one",
            token.checker()
        )));
    };
    let mut config = Config::new(Strategy::Random { iterations: 1 });
    config.fault_budget = schedule.fault_budget;
    config.max_steps = schedule.max_steps;
    config.seed = schedule.seed;
    config.shrink = false;
    config.label = token.label().to_owned();
    config
        .validate()
        .map_err(|message| TokenError::Mismatch(format!("its limits cannot run: {message}")))?;
    let mut session = Session::new(&config, model, at);
    if details {
        session.keep_details();
    }
    let mut scheduler = Guided::strict(schedule.choices.clone());
    scheduler.next_execution();
    let result = session.execute(&mut scheduler);
    if let Outcome::Invalid(message) = &result.outcome {
        return Err(TokenError::Mismatch(message.clone()));
    }
    if fingerprint(&result) != schedule.fingerprint {
        return Err(TokenError::Mismatch(
            "the execution it describes differs from the one recorded".into(),
        ));
    }
    Ok(f(&session, result))
}

/// Replay a token on `model`, as a test: panics with the failure report when the failure
/// reproduces (or the token is bad), returns when the execution passes.
#[track_caller]
pub fn replay<F: Fn() + Send + Sync + 'static>(token: &str, model: F) {
    match try_replay(token, model) {
        Ok(Replayed::Passed) => {}
        Ok(Replayed::Failed(failure)) => panic!("{failure}"),
        Err(err) => panic!("{err}"),
    }
}
