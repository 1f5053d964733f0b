//! The compiled, immutable job tree: validated names and a compact node table.
//!
//! Guarantees: every name is non-empty, does not start with `/`, and the list is strictly
//! increasing (sorted, no duplicates) — otherwise [`TreeError`] says which entry and why, never a
//! panic. The tree is built iteratively (a path a million components deep is fine) in
//! O(N log N).
//!
//! Layout (why it is compact): nodes — jobs, the path components between them, barrier
//! components and a synthetic root — are numbered in depth-first pre-order of the *component*
//! order, so a node's subtree is the contiguous range `node..end[node]` and its children are
//! found by hopping `child = end[child]`. Per node that is three `u32`s (`end`, `parent`, `kind`);
//! per job one `u32` name offset and one `u32` node index plus the name's bytes, all in flat
//! vectors: no per-node allocation, no maps, no `String` per job.

use super::error::TreeError;

/// `kind` of a node that is a path component without a job.
pub(crate) const PASS: u32 = u32::MAX;
/// `kind` of a barrier node (never a job, even if its name was listed).
pub(crate) const BARRIER: u32 = u32::MAX - 1;
/// The largest number of jobs (and of nodes) a tree can hold.
const MAX_ITEMS: usize = (u32::MAX - 2) as usize;

/// The default barrier path component.
pub const DEFAULT_BARRIER: &str = "~";

/// Whether a path component equal to the barrier name is a barrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Barriers {
    /// On when any name contains the barrier component (the default).
    #[default]
    Auto,
    /// Always on (the same as `Auto` for the schedule; stated explicitly).
    Enabled,
    /// Off: a name containing the barrier component is an error.
    Disabled,
}

/// How names are read into a [`TaskTree`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeOptions {
    /// The barrier path component (default `~`): non-empty, without `/`.
    pub barrier_name: String,
    /// Whether barriers are on.
    pub barriers: Barriers,
}

impl Default for TreeOptions {
    fn default() -> Self {
        Self {
            barrier_name: DEFAULT_BARRIER.to_owned(),
            barriers: Barriers::Auto,
        }
    }
}

/// An immutable job tree built from a sorted list of `/`-separated job names.
///
/// Build it once, run it any number of times with a [`Runner`](super::Runner).
///
/// ```
/// use lockstep::tasktree::TaskTree;
/// let tree = TaskTree::new(["pool", "pool/a", "pool/a/~/prune", "pool/b"]).unwrap();
/// assert_eq!(tree.len(), 4);
/// assert!(tree.barriers_enabled());
/// assert_eq!(tree.name(2), "pool/a/~/prune");
/// assert!(TaskTree::new(["b", "a"]).is_err()); // not sorted
/// ```
#[derive(Clone)]
pub struct TaskTree {
    /// All job names, concatenated in input order.
    names: String,
    /// `names[name_end[j-1]..name_end[j]]` is job `j`'s name.
    name_end: Vec<u32>,
    /// Node of each job.
    job_node: Vec<u32>,
    /// Per node: one past the last node of its subtree.
    end: Vec<u32>,
    /// Per node: its parent (the root's is itself).
    parent: Vec<u32>,
    /// Per node: the job id, [`PASS`] or [`BARRIER`].
    kind: Vec<u32>,
    barriers: bool,
    has_siblings: bool,
}

/// Node 0 is the synthetic root (the parent of every top-level component).
pub(crate) const ROOT: u32 = 0;

/// One entry of the build stack: a node on the current path and its component's place in
/// `names`.
struct PathEntry {
    node: u32,
    start: u32,
    end: u32,
    has_child: bool,
}

impl TaskTree {
    /// Build a tree with the default options (barrier `~`, detected automatically).
    pub fn new<I, S>(names: I) -> Result<Self, TreeError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        Self::with_options(names, &TreeOptions::default())
    }

    /// Build a tree with explicit options.
    pub fn with_options<I, S>(names: I, options: &TreeOptions) -> Result<Self, TreeError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let barrier = options.barrier_name.as_str();
        if barrier.is_empty() || barrier.contains('/') {
            return Err(TreeError::InvalidBarrierName {
                name: barrier.to_owned(),
            });
        }
        let (buf, name_end, has_barrier) = collect_names(names, barrier, options.barriers)?;
        let barriers = has_barrier || options.barriers == Barriers::Enabled;
        let mut tree = TaskTree {
            names: buf,
            name_end,
            job_node: Vec::new(),
            end: Vec::new(),
            parent: Vec::new(),
            kind: Vec::new(),
            barriers,
            has_siblings: false,
        };
        tree.build_nodes(barriers.then_some(barrier))?;
        Ok(tree)
    }

    /// Number of jobs (names) in the tree.
    pub fn len(&self) -> usize {
        self.name_end.len()
    }

    /// `true` if the tree has no jobs.
    pub fn is_empty(&self) -> bool {
        self.name_end.is_empty()
    }

    /// The name of job `index` (jobs are numbered in input order, which is sorted order).
    ///
    /// # Panics
    /// If `index >= self.len()`.
    pub fn name(&self, index: usize) -> &str {
        let start = if index == 0 {
            0
        } else {
            self.name_end[index - 1] as usize
        };
        &self.names[start..self.name_end[index] as usize]
    }

    /// The job names in order.
    pub fn names(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.name(i))
    }

    /// Whether barrier components are treated as barriers in this tree.
    pub fn barriers_enabled(&self) -> bool {
        self.barriers
    }

    /// Whether two jobs could ever run at the same time (some node has two or more children);
    /// the automatic executor runs jobs inline when they cannot.
    pub fn has_siblings(&self) -> bool {
        self.has_siblings
    }

    /// Heap bytes held by the tree (vector capacities and the name buffer).
    pub fn heap_bytes(&self) -> usize {
        self.names.capacity()
            + 4 * (self.name_end.capacity()
                + self.job_node.capacity()
                + self.end.capacity()
                + self.parent.capacity()
                + self.kind.capacity())
    }

    // ----- crate-internal accessors used by the scheduler core ---------------------------------

    pub(crate) fn node_count(&self) -> usize {
        self.end.len()
    }
    #[inline]
    pub(crate) fn end(&self, node: u32) -> u32 {
        self.end[node as usize]
    }
    #[inline]
    pub(crate) fn parent(&self, node: u32) -> u32 {
        self.parent[node as usize]
    }
    #[inline]
    pub(crate) fn kind(&self, node: u32) -> u32 {
        self.kind[node as usize]
    }
    #[inline]
    pub(crate) fn job_node(&self, job: u32) -> u32 {
        self.job_node[job as usize]
    }
    /// `true` if `node` has exactly one child.
    #[inline]
    pub(crate) fn single_child(&self, node: u32) -> bool {
        let first = node + 1;
        first < self.end(node) && self.end(first) == self.end(node)
    }

    /// Create the node table from the names, iteratively.
    fn build_nodes(&mut self, barrier: Option<&str>) -> Result<(), TreeError> {
        let order = component_order(self);
        let n = self.len();
        self.job_node = vec![PASS; n];
        let approx = n + n / 8 + 1;
        self.end.reserve_exact(approx);
        self.parent.reserve_exact(approx);
        self.kind.reserve_exact(approx);
        self.push_node(ROOT, PASS)?;
        let mut path: Vec<PathEntry> = vec![PathEntry {
            node: ROOT,
            start: 0,
            end: 0,
            has_child: false,
        }];
        for k in 0..n {
            let job = order.as_ref().map_or(k as u32, |o| o[k]);
            let (start, stop) = self.name_range(job as usize);
            let mut depth = 1; // path[0] is the root
            let mut offset = start;
            loop {
                let comp_end = self.names[offset as usize..stop as usize]
                    .find('/')
                    .map_or(stop, |i| offset + i as u32);
                let comp = &self.names[offset as usize..comp_end as usize];
                let last = comp_end == stop;
                let is_barrier = barrier == Some(comp);
                let reuse = depth < path.len() && {
                    let e = &path[depth];
                    &self.names[e.start as usize..e.end as usize] == comp
                };
                if !reuse {
                    self.close_path(&mut path, depth);
                    let parent = path[depth - 1].node;
                    if path[depth - 1].has_child {
                        self.has_siblings = true;
                    }
                    path[depth - 1].has_child = true;
                    let kind = if is_barrier {
                        BARRIER
                    } else if last {
                        job
                    } else {
                        PASS
                    };
                    let node = self.push_node(parent, kind)?;
                    path.push(PathEntry {
                        node,
                        start: offset,
                        end: comp_end,
                        has_child: false,
                    });
                }
                if last {
                    self.job_node[job as usize] = path[depth].node;
                    break;
                }
                depth += 1;
                offset = comp_end + 1;
            }
        }
        self.close_path(&mut path, 0);
        self.end.shrink_to_fit();
        self.parent.shrink_to_fit();
        self.kind.shrink_to_fit();
        Ok(())
    }

    /// Pop the build path down to `depth` entries, fixing each popped node's subtree end.
    fn close_path(&mut self, path: &mut Vec<PathEntry>, depth: usize) {
        let end = self.end.len() as u32;
        while path.len() > depth {
            let e = path.pop().expect("non-empty path");
            self.end[e.node as usize] = end;
        }
    }

    fn push_node(&mut self, parent: u32, kind: u32) -> Result<u32, TreeError> {
        let node = self.end.len();
        if node >= MAX_ITEMS {
            return Err(TreeError::TooLarge { max: MAX_ITEMS });
        }
        self.end.push(node as u32 + 1);
        self.parent.push(parent);
        self.kind.push(kind);
        Ok(node as u32)
    }

    fn name_range(&self, index: usize) -> (u32, u32) {
        let start = if index == 0 {
            0
        } else {
            self.name_end[index - 1]
        };
        (start, self.name_end[index])
    }
}

impl std::fmt::Debug for TaskTree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskTree")
            .field("jobs", &self.len())
            .field("nodes", &self.node_count())
            .field("barriers", &self.barriers)
            .finish_non_exhaustive()
    }
}

/// Validate and concatenate the names; returns the buffer, the end offsets and whether any name
/// has a barrier component.
fn collect_names<I, S>(
    names: I,
    barrier: &str,
    barriers: Barriers,
) -> Result<(String, Vec<u32>, bool), TreeError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let iter = names.into_iter();
    let mut buf = String::new();
    let mut ends: Vec<u32> = Vec::with_capacity(iter.size_hint().0);
    let mut has_barrier = false;
    let mut prev_start = 0usize;
    for (index, name) in iter.enumerate() {
        let name = name.as_ref();
        if name.is_empty() {
            return Err(TreeError::EmptyName { index });
        }
        if name.starts_with('/') {
            return Err(TreeError::LeadingSlash {
                index,
                name: name.to_owned(),
            });
        }
        if index > 0 {
            let previous = &buf[prev_start..];
            match previous.cmp(name) {
                std::cmp::Ordering::Less => {}
                std::cmp::Ordering::Equal => {
                    return Err(TreeError::Duplicate {
                        index,
                        name: name.to_owned(),
                    })
                }
                std::cmp::Ordering::Greater => {
                    return Err(TreeError::NotSorted {
                        index,
                        name: name.to_owned(),
                        previous: previous.to_owned(),
                    })
                }
            }
        }
        if name.split('/').any(|c| c == barrier) {
            if barriers == Barriers::Disabled {
                return Err(TreeError::BarrierDisabled {
                    index,
                    name: name.to_owned(),
                    barrier: barrier.to_owned(),
                });
            }
            has_barrier = true;
        }
        if buf.len() + name.len() > u32::MAX as usize || index >= MAX_ITEMS {
            return Err(TreeError::TooLarge { max: MAX_ITEMS });
        }
        prev_start = buf.len();
        buf.push_str(name);
        ends.push(buf.len() as u32);
    }
    buf.shrink_to_fit();
    ends.shrink_to_fit();
    Ok((buf, ends, has_barrier))
}

/// The jobs in *component* order (compare path components left to right), which is what a
/// depth-first build needs. It equals the input's byte order unless some name has a byte that
/// sorts before `/` (such as `-` or `.`): then `a-b` sorts between `a` and `a/c` by bytes but
/// after `a/c` by components. `None` means the input order already is component order.
fn component_order(tree: &TaskTree) -> Option<Vec<u32>> {
    if !tree.names.bytes().any(|b| b < b'/') {
        return None;
    }
    let key = |b: u8| if b == b'/' { 0u16 } else { u16::from(b) + 1 };
    let mut order: Vec<u32> = (0..tree.len() as u32).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (tree.name(a as usize), tree.name(b as usize));
        x.bytes().map(key).cmp(y.bytes().map(key))
    });
    Some(order)
}

#[cfg(test)]
mod props;

#[cfg(test)]
mod tests {
    use super::*;

    fn children(tree: &TaskTree, node: u32) -> Vec<u32> {
        let mut out = Vec::new();
        let mut c = node + 1;
        while c < tree.end(node) {
            out.push(c);
            c = tree.end(c);
        }
        out
    }

    #[test]
    fn builds_preorder_with_contiguous_subtrees() {
        let tree = TaskTree::new(["a", "a/b/c", "a/d", "z"]).unwrap();
        // root, a, a/b (pass), a/b/c, a/d, z
        assert_eq!(tree.node_count(), 6);
        assert_eq!(children(&tree, ROOT), vec![1, 5]);
        assert_eq!(children(&tree, 1), vec![2, 4]);
        assert_eq!(tree.kind(2), PASS);
        assert_eq!(tree.kind(3), 1);
        assert_eq!(tree.job_node(2), 4);
        assert_eq!(tree.parent(3), 2);
        assert!(tree.has_siblings());
    }

    #[test]
    fn bytes_below_slash_use_component_order() {
        // Byte order: "a" < "a-b" < "a/c"; component order: "a" < "a/c" < "a-b".
        let tree = TaskTree::new(["a", "a-b", "a/c"]).unwrap();
        assert_eq!(children(&tree, ROOT).len(), 2);
        let a = tree.job_node(0);
        assert_eq!(children(&tree, a), vec![tree.job_node(2)]);
        assert_eq!(tree.parent(tree.job_node(2)), a);
    }

    #[test]
    fn barrier_nodes_are_marked() {
        let tree = TaskTree::new(["a", "a/x", "a/~", "a/~/p"]).unwrap();
        assert!(tree.barriers_enabled());
        assert_eq!(tree.kind(tree.job_node(2)), BARRIER);
        let off = TaskTree::with_options(
            ["a", "a/b"],
            &TreeOptions {
                barriers: Barriers::Enabled,
                ..TreeOptions::default()
            },
        )
        .unwrap();
        assert!(off.barriers_enabled());
    }

    #[test]
    fn single_child_detection() {
        let tree = TaskTree::new(["a", "a/~/~/done"]).unwrap();
        let a = tree.job_node(0);
        assert!(tree.single_child(a));
        assert!(!tree.single_child(tree.job_node(1)));
        let two = TaskTree::new(["a", "a/b", "a/c"]).unwrap();
        assert!(!two.single_child(two.job_node(0)));
    }

    #[test]
    fn rejects_bad_input_with_typed_errors() {
        assert_eq!(
            TaskTree::new(["a", ""]).unwrap_err(),
            TreeError::EmptyName { index: 1 }
        );
        assert!(matches!(
            TaskTree::new(["/a"]).unwrap_err(),
            TreeError::LeadingSlash { index: 0, .. }
        ));
        assert!(matches!(
            TaskTree::new(["b", "a"]).unwrap_err(),
            TreeError::NotSorted { index: 1, .. }
        ));
        assert!(matches!(
            TaskTree::new(["a", "a"]).unwrap_err(),
            TreeError::Duplicate { index: 1, .. }
        ));
        for bad in ["", "a/b"] {
            let opts = TreeOptions {
                barrier_name: bad.into(),
                ..TreeOptions::default()
            };
            assert!(matches!(
                TaskTree::with_options(["a"], &opts).unwrap_err(),
                TreeError::InvalidBarrierName { .. }
            ));
        }
        let off = TreeOptions {
            barriers: Barriers::Disabled,
            ..TreeOptions::default()
        };
        assert!(matches!(
            TaskTree::with_options(["a", "a/~/b"], &off).unwrap_err(),
            TreeError::BarrierDisabled { index: 1, .. }
        ));
        // "~x" is not the barrier component.
        assert!(TaskTree::with_options(["a/~x"], &off).is_ok());
    }

    #[test]
    fn a_million_deep_path_builds_iteratively() {
        let deep = vec!["x"; 1_000_000].join("/");
        let tree = TaskTree::new([deep.as_str()]).unwrap();
        assert_eq!(tree.node_count(), 1_000_001);
        assert_eq!(tree.end(ROOT), 1_000_001);
    }
}
