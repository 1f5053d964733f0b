//! Coverage points: `sometimes!(R, condition, "name")` says "this condition should hold in
//! *some* execution" — a property to reach, not an assertion (after Antithesis' `sometimes` and
//! stateright's `sometimes` properties).
//!
//! Guarantees: the macro never panics and never changes what the program does; on the
//! production backend (`Std`) and on loom and shuttle it is an empty inlined call (the
//! condition is still evaluated, as an argument); on lockstep-sim it is recorded as feedback for
//! the schedule fuzzer, which keeps the schedules that make a point's condition true (or reach
//! it at all) for the first time.

/// Record a coverage point on runtime `R`: `sometimes!(R, condition, "name")`.
///
/// Write it in code generic over the runtime (a component, a model) so that the same line
/// compiles to nothing in production and feeds lockstep-sim's fuzzer under test. `name` is a
/// `&'static str` naming the point; a point is identified by its name and whether the
/// condition held. Code that runs only on the simulator can write
/// `lockstep_sim::sometimes!(condition, "name")`.
///
/// ```
/// use lockstep::sync::{Runtime, Std};
///
/// fn take<R: Runtime>(queue_len: usize) {
///     lockstep::sometimes!(R, queue_len == 0, "took from an empty queue");
/// }
/// take::<Std>(0); // production: nothing happens
/// ```
#[macro_export]
macro_rules! sometimes {
    ($runtime:ty, $condition:expr, $name:expr $(,)?) => {
        <$runtime as $crate::sync::Runtime>::sometimes($condition, $name)
    };
}
