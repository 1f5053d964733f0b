//! Work assignment: [`Assignment`] (dynamic or static) and [`assign_by_size`], the greedy
//! least-loaded rule taken largest item first (LPT) — what zstash meant to do: its min-heap
//! sorted the tars smallest first, and a round-robin rewrite was 1.28x slower.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// The most worker threads [`OrderedMonitor::run`](super::OrderedMonitor::run) starts: more
/// workers (dynamic) or lists (static) are refused with
/// [`OrderedError::TooManyWorkers`](super::OrderedError::TooManyWorkers). A bound well above any
/// useful parallelism, and far below what exhausts a machine's threads or memory.
pub const MAX_WORKERS: usize = 1024;

/// How items reach workers in [`OrderedMonitor::run`](super::OrderedMonitor::run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assignment {
    /// Up to `workers` threads (never more than there are items, nor than [`MAX_WORKERS`]);
    /// each takes the lowest unclaimed item when it is free.
    Dynamic {
        /// Worker threads to start.
        workers: usize,
    },
    /// One thread per non-empty list (at most [`MAX_WORKERS`] lists); each runs its items in
    /// increasing order.
    Static(Vec<Vec<usize>>),
}

impl Assignment {
    /// Dynamic assignment over `workers` threads.
    pub fn dynamic(workers: usize) -> Self {
        Assignment::Dynamic { workers }
    }

    /// Static assignment by [`assign_by_size`].
    pub fn by_size(sizes: &[u64], workers: usize) -> Self {
        Assignment::Static(assign_by_size(sizes, workers))
    }
}

/// Split items `0..sizes.len()` over `workers` lists: take items largest first (ties: lower
/// index first) and give each to the least-loaded list (ties: lower list). Each list comes back
/// in increasing item order, the order a worker must run them in. `workers == 0` gives no lists.
///
/// ```
/// use lockstep::ordered::assign_by_size;
/// // Largest first: 7 → list 0, 5 → list 1, 4 → list 1 (load 5 < 7), 3 → list 0.
/// assert_eq!(assign_by_size(&[3, 7, 5, 4], 2), vec![vec![0, 1], vec![2, 3]]);
/// ```
pub fn assign_by_size(sizes: &[u64], workers: usize) -> Vec<Vec<usize>> {
    if workers == 0 {
        return Vec::new();
    }
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by_key(|&i| (Reverse(sizes[i]), i));
    let mut loads: BinaryHeap<Reverse<(u128, usize)>> =
        (0..workers).map(|w| Reverse((0u128, w))).collect();
    let mut lists = vec![Vec::new(); workers];
    for item in order {
        let Reverse((load, w)) = loads.pop().expect("one entry per worker");
        lists[w].push(item);
        loads.push(Reverse((load + u128::from(sizes[item]), w)));
    }
    for list in &mut lists {
        list.sort_unstable();
    }
    lists
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn largest_first_beats_smallest_first() {
        // Ties go to the lower list: 3→0, 3→1, 2→0, 2→1, 2→0.
        assert_eq!(
            assign_by_size(&[3, 3, 2, 2, 2], 2),
            vec![vec![0, 2, 4], vec![1, 3]]
        );
        // Largest first puts the 4 alone (loads 4 / 4); smallest first, zstash's accidental
        // order, would end 1+1+4 / 1+1 (makespan 6).
        let sizes = [1u64, 1, 1, 1, 4];
        let lists = assign_by_size(&sizes, 2);
        assert_eq!(lists, vec![vec![4], vec![0, 1, 2, 3]]);
    }

    #[test]
    fn zero_workers_or_items() {
        assert!(assign_by_size(&[1, 2], 0).is_empty());
        assert_eq!(assign_by_size(&[], 2), vec![Vec::<usize>::new(), vec![]]);
    }

    proptest! {
        #[test]
        fn every_item_once_lists_increasing_and_makespan_within_lpt_bound(
            sizes in prop::collection::vec(0u64..1000, 0..40),
            workers in 1usize..6,
        ) {
            let lists = assign_by_size(&sizes, workers);
            prop_assert_eq!(lists.len(), workers);
            let mut seen: Vec<usize> = lists.iter().flatten().copied().collect();
            for list in &lists {
                prop_assert!(list.windows(2).all(|w| w[0] < w[1]));
            }
            seen.sort_unstable();
            prop_assert_eq!(seen, (0..sizes.len()).collect::<Vec<_>>());
            // Greedy bound: makespan <= total/workers + largest item.
            let total: u64 = sizes.iter().sum();
            let largest = sizes.iter().copied().max().unwrap_or(0);
            let makespan = lists.iter().map(|l| l.iter().map(|&i| sizes[i]).sum::<u64>()).max().unwrap_or(0);
            prop_assert!(makespan <= total / workers as u64 + largest);
        }
    }
}
