//! The job names every task-tree measurement uses, shared by `lockstep bench tasktree` and the
//! criterion bench (`models/benches/tasktree.rs`), so both measure the same tree.

use std::collections::VecDeque;

/// The first `jobs` nodes, breadth first, of a fan-out-10 tree (sorted). With `barriers`, each
/// node's last child is the barrier job `X/~/9`.
pub fn bench_names(jobs: usize, barriers: bool) -> Vec<String> {
    let mut names = Vec::with_capacity(jobs);
    let mut queue: VecDeque<String> = VecDeque::new();
    queue.push_back(String::new());
    'outer: while let Some(parent) = queue.pop_front() {
        for child in 0..10 {
            if names.len() == jobs {
                break 'outer;
            }
            let component = if barriers && child == 9 {
                "~/9".to_owned()
            } else {
                child.to_string()
            };
            let name = if parent.is_empty() {
                component
            } else {
                format!("{parent}/{component}")
            };
            names.push(name.clone());
            queue.push_back(name);
        }
    }
    names.sort_unstable();
    names
}
