//! Proptests of [`TaskTree::with_options`] over arbitrary name lists and options (issue 15):
//! it never panics; a refusal is a typed [`TreeError`] that points at the first offending entry
//! (everything before it is accepted); an accepted list keeps its names and runs to the end.

use super::*;
use crate::tasktree::{Outcome, Runner};
use proptest::prelude::*;

/// Names over an alphabet that hits every rule: separators (also leading, trailing, doubled),
/// the barrier, bytes below `/` (component order differs from byte order), non-ASCII, NUL.
fn name() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("a"),
        Just("b"),
        Just("/"),
        Just("~"),
        Just("-"),
        Just("."),
        Just("é"),
        Just("\0"),
    ];
    proptest::collection::vec(piece, 0..7).prop_map(|pieces| pieces.concat())
}

fn options() -> impl Strategy<Value = TreeOptions> {
    let barrier = prop_oneof![Just("~"), Just("a"), Just(""), Just("a/b"), Just("é")];
    let barriers = prop_oneof![
        Just(Barriers::Auto),
        Just(Barriers::Enabled),
        Just(Barriers::Disabled)
    ];
    (barrier, barriers).prop_map(|(barrier, barriers)| TreeOptions {
        barrier_name: barrier.to_owned(),
        barriers,
    })
}

/// What the error says about entry `index` holds, and the entries before it are accepted.
fn check_refusal(
    names: &[String],
    options: &TreeOptions,
    err: &TreeError,
) -> Result<(), TestCaseError> {
    prop_assert!(!err.to_string().is_empty());
    let Some(index) = err.index() else {
        let bad_barrier = options.barrier_name.is_empty() || options.barrier_name.contains('/');
        prop_assert!(
            matches!(err, TreeError::InvalidBarrierName { .. }) && bad_barrier,
            "{:?}",
            err
        );
        return Ok(());
    };
    prop_assert!(index < names.len(), "{:?}", err);
    let name = &names[index];
    let ok = match err {
        TreeError::EmptyName { .. } => name.is_empty(),
        TreeError::LeadingSlash { .. } => name.starts_with('/'),
        TreeError::Duplicate { .. } => index > 0 && names[index - 1] == *name,
        TreeError::NotSorted { .. } => index > 0 && names[index - 1] > *name,
        TreeError::BarrierDisabled { .. } => {
            options.barriers == Barriers::Disabled
                && name.split('/').any(|c| c == options.barrier_name)
        }
        _ => false,
    };
    prop_assert!(ok, "{:?} for {:?}", err, names);
    prop_assert!(TaskTree::with_options(&names[..index], options).is_ok());
    Ok(())
}

proptest! {
    #[test]
    fn any_name_list_builds_or_is_refused_with_a_typed_error(
        names in proptest::collection::vec(name(), 0..8),
        options in options(),
    ) {
        match TaskTree::with_options(&names, &options) {
            Ok(tree) => {
                prop_assert_eq!(tree.len(), names.len());
                prop_assert!(tree.names().eq(names.iter().map(String::as_str)));
                prop_assert!(names.windows(2).all(|w| w[0] < w[1]));
                let report = Runner::new(&tree)
                    .max_workers(2)
                    .run_inline(|_| (), |_, (), _| Outcome::DONE);
                let report = report.map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert!(report.completed <= names.len() as u64);
            }
            Err(err) => check_refusal(&names, &options, &err)?,
        }
    }

    #[test]
    fn sorted_unique_names_always_build_and_keep_their_order(
        names in proptest::collection::btree_set(name(), 0..12),
    ) {
        let names: Vec<String> = names
            .into_iter()
            .filter(|n| !n.is_empty() && !n.starts_with('/'))
            .collect();
        let tree = TaskTree::new(&names).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(tree.names().eq(names.iter().map(String::as_str)));
        let sim = Runner::new(&tree)
            .max_workers(3)
            .simulate(|_| std::time::Duration::from_secs(1), |_, _| Outcome::DONE, |_| ())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(!sim.report.failed);
    }
}
