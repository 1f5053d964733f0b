//! The components' async entry points on shuttle's executor (PCT and random schedules), with
//! shuttle's sync primitives underneath: the same programs as the simulator's and tokio's.

#[path = "../async_components/models.rs"]
mod models;

use lockstep::check::shuttle;
use lockstep::sync::Shuttle;
use models::*;

#[test]
fn async_ordered_writers_print_in_item_order() {
    let expected = expected_ordered(4, false);
    shuttle::check_pct(
        move || {
            assert_eq!(
                ordered_tasks::<Shuttle, Shuttle>(4, tight_window(), false),
                expected
            )
        },
        500,
        3,
    );
    let expected = expected_ordered(3, true);
    shuttle::check_random(
        move || {
            assert_eq!(
                ordered_tasks::<Shuttle, Shuttle>(3, tight_window(), true),
                expected
            )
        },
        500,
    );
}

#[test]
fn async_block_puts_commit_and_read_back() {
    shuttle::check_pct(|| block_puts::<Shuttle, Shuttle>(3), 300, 3);
    shuttle::check_random(|| block_puts::<Shuttle, Shuttle>(2), 300);
}
