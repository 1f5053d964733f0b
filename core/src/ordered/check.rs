//! A test-support checker for captured output: [`assert_items_in_order`].
//!
//! zstash's own ordering test collected the tar numbers mentioned in the output and compared
//! them with their sorted order — but its pattern matched nothing, so it compared two empty lists
//! and passed vacuously. This checker fails when nothing matched, and names the two offending
//! lines when the order is broken.

use std::fmt;

/// What an in-order output contained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemsInOrder {
    /// Lines attributed to an item.
    pub matched_lines: usize,
    /// The items seen, in order, each once.
    pub items: Vec<usize>,
}

/// Why captured output is not in item order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OrderViolation {
    /// `item_of_line` attributed no line to any item: the check would be vacuous.
    #[error("no line of the {lines} output lines was attributed to an item; the check would pass vacuously")]
    NothingMatched {
        /// Lines in the output.
        lines: usize,
    },
    /// A line of an earlier item follows a line of a later one.
    #[error("line {line_no} ({line:?}) belongs to item {item}, but line {later_line_no} before it ({later_line:?}) already belongs to later item {later_item}")]
    OutOfOrder {
        /// 1-based number of the offending line.
        line_no: usize,
        /// The offending line.
        line: String,
        /// Its item.
        item: usize,
        /// 1-based number of the earlier line of a later item.
        later_line_no: usize,
        /// That line.
        later_line: String,
        /// Its item.
        later_item: usize,
    },
}

/// Check that every line of item k precedes every line of item k+1. `item_of_line` attributes
/// a line to an item, or `None` for lines of no item (headers, blank lines), which are ignored.
pub fn check_items_in_order<F>(
    output: &str,
    mut item_of_line: F,
) -> Result<ItemsInOrder, OrderViolation>
where
    F: FnMut(&str) -> Option<usize>,
{
    let mut latest: Option<(usize, usize, &str)> = None; // (item, line_no, line)
    let mut seen = ItemsInOrder {
        matched_lines: 0,
        items: Vec::new(),
    };
    let mut lines = 0;
    for (index, line) in output.lines().enumerate() {
        lines += 1;
        let Some(item) = item_of_line(line) else {
            continue;
        };
        seen.matched_lines += 1;
        if let Some((later_item, later_line_no, later_line)) = latest {
            if item < later_item {
                return Err(OrderViolation::OutOfOrder {
                    line_no: index + 1,
                    line: line.to_owned(),
                    item,
                    later_line_no,
                    later_line: later_line.to_owned(),
                    later_item,
                });
            }
        }
        if seen.items.last() != Some(&item) {
            seen.items.push(item);
        }
        latest = Some((item, index + 1, line));
    }
    if seen.matched_lines == 0 {
        return Err(OrderViolation::NothingMatched { lines });
    }
    Ok(seen)
}

/// Assert that every line of item k precedes every line of item k+1 (see
/// [`check_items_in_order`]); panics with the two offending lines, or if no line matched.
///
/// ```
/// use lockstep::ordered::assert_items_in_order;
/// let out = "Opening archive 000000.tar\nExtracting a\nOpening archive 000001.tar\n";
/// let mut current = None;
/// assert_items_in_order(out, |line| {
///     if let Some(rest) = line.strip_prefix("Opening archive ") {
///         current = rest[..6].parse().ok();
///     }
///     current
/// });
/// ```
#[track_caller]
pub fn assert_items_in_order<F>(output: &str, item_of_line: F) -> ItemsInOrder
where
    F: FnMut(&str) -> Option<usize>,
{
    match check_items_in_order(output, item_of_line) {
        Ok(seen) => seen,
        Err(violation) => panic!(
            "output is not in item order: {violation}\n{}",
            Excerpt(output)
        ),
    }
}

struct Excerpt<'a>(&'a str);

impl fmt::Display for Excerpt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const MAX: usize = 40;
        writeln!(f, "--- output (first {MAX} lines) ---")?;
        for line in self.0.lines().take(MAX) {
            writeln!(f, "{line}")?;
        }
        write!(f, "---")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_of(line: &str) -> Option<usize> {
        let at = line.find(".tar")?;
        line.get(at.checked_sub(6)?..at)?.parse().ok()
    }

    #[test]
    fn in_order_output_passes() {
        let out = "header\n000000.tar a\n000000.tar b\n000002.tar c\n";
        let seen = check_items_in_order(out, tar_of).unwrap();
        assert_eq!(seen.items, [0, 2]);
        assert_eq!(seen.matched_lines, 3);
    }

    #[test]
    fn interleaved_output_fails_naming_both_lines() {
        let out = "000000.tar a\n000001.tar b\n000000.tar c\n";
        let err = check_items_in_order(out, tar_of).unwrap_err();
        assert_eq!(
            err,
            OrderViolation::OutOfOrder {
                line_no: 3,
                line: "000000.tar c".into(),
                item: 0,
                later_line_no: 2,
                later_line: "000001.tar b".into(),
                later_item: 1,
            }
        );
    }

    #[test]
    fn a_pattern_that_matches_nothing_fails_instead_of_passing_vacuously() {
        let out = "Extracting a\nExtracting b\n";
        assert_eq!(
            check_items_in_order(out, tar_of),
            Err(OrderViolation::NothingMatched { lines: 2 })
        );
    }

    #[test]
    #[should_panic(expected = "not in item order")]
    fn the_assertion_panics() {
        assert_items_in_order("000001.tar\n000000.tar\n", tar_of);
    }
}
