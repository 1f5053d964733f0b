//! The components' async entry points on the simulator's executor: tasks are simulated threads,
//! the monitor's and the manager's blocking parts run as blocking tasks, and every PCT and
//! random schedule must print the sequential output and lose nothing.

#[path = "../async_components/models.rs"]
mod models;

use lockstep_sim::{Builder, Sim};
use models::*;

fn check(builder: Builder, program: impl Fn() + Send + Sync + 'static) {
    if let Err(failure) = builder.run(program) {
        panic!("{failure}");
    }
}

#[test]
fn async_ordered_writers_print_in_item_order_on_every_schedule() {
    let expected = expected_ordered(4, false);
    check(Builder::pct(300, 3), move || {
        assert_eq!(
            ordered_tasks::<Sim, Sim>(4, tight_window(), false),
            expected
        );
    });
    let expected = expected_ordered(3, false);
    check(Builder::random(300), move || {
        assert_eq!(
            ordered_tasks::<Sim, Sim>(3, tight_window(), false),
            expected
        );
    });
}

#[test]
fn a_dropped_async_writer_fails_its_item_and_the_rest_go_on() {
    let expected = expected_ordered(3, true);
    check(Builder::pct(300, 3), move || {
        assert_eq!(ordered_tasks::<Sim, Sim>(3, tight_window(), true), expected);
    });
}

#[test]
fn async_block_puts_commit_and_read_back_on_every_schedule() {
    check(Builder::pct(200, 3), || block_puts::<Sim, Sim>(3));
    check(Builder::random(200), || block_puts::<Sim, Sim>(2));
}
