//! Output capture and the same-output oracle: record what each execution writes and require
//! every explored schedule to write exactly the same bytes (the first execution's are the
//! reference), so "output order does not depend on the interleaving" is checked, and the common
//! output can be snapshot-tested.

use crate::builder::Builder;
use crate::exec::sched::ExecResult;
use crate::failure::Failure;
use crate::session::{Report, Session};
use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

/// A `Write` sink that records an execution's output. Cheap to clone; clones share the buffer.
///
/// ```
/// use lockstep_sim::{Builder, Output};
/// use std::io::Write;
///
/// let (report, output) = Builder::random(50)
///     .run_same_output(|out: &Output| {
///         let mut out = out.clone();
///         writeln!(out, "hello").unwrap();
///     })
///     .unwrap();
/// assert_eq!(report.executions, 50);
/// assert_eq!(output, b"hello\n");
/// ```
#[derive(Debug, Clone, Default)]
pub struct Output {
    bytes: Arc<Mutex<Vec<u8>>>,
}

impl Output {
    /// An empty sink.
    pub fn new() -> Self {
        Self::default()
    }

    /// Everything written so far.
    pub fn contents(&self) -> Vec<u8> {
        self.bytes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Write for Output {
    /// Inside a simulation a write is a scheduling point (output is shared: the order of writes
    /// is what the oracle checks).
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if crate::exec::state::active() {
            crate::exec::step_on_address(
                crate::op::OpKind::Output,
                Arc::as_ptr(&self.bytes) as usize,
            );
        }
        self.bytes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The first line where two outputs differ, described.
fn first_difference(reference: &[u8], got: &[u8]) -> String {
    let reference = String::from_utf8_lossy(reference);
    let got = String::from_utf8_lossy(got);
    let mut ref_lines = reference.lines();
    let mut got_lines = got.lines();
    for line in 1.. {
        match (ref_lines.next(), got_lines.next()) {
            (Some(a), Some(b)) if a == b => continue,
            (a, b) => {
                return format!(
                "output differs from the first execution's at line {line}: expected {:?}, got {:?}",
                a.unwrap_or("<end of output>"),
                b.unwrap_or("<end of output>")
            )
            }
        }
    }
    unreachable!("an unbounded loop returns")
}

#[track_caller]
pub(crate) fn run_same_output<F>(builder: &Builder, model: F) -> Result<(Report, Vec<u8>), Failure>
where
    F: Fn(&Output) + Send + Sync + 'static,
{
    let current = Arc::new(Mutex::new(Output::new()));
    let slot = current.clone();
    let wrapped = move || {
        let out = Output::new();
        *slot.lock().unwrap_or_else(PoisonError::into_inner) = out.clone();
        model(&out);
    };
    let config = builder.resolved()?;
    let mut session = Session::new(&config, Arc::new(wrapped), std::panic::Location::caller());
    session.keep_details();
    let mut reference: Option<Vec<u8>> = None;
    let report = session.run(|_: &ExecResult| {
        let got = current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contents();
        match &reference {
            None => {
                reference = Some(got);
                Ok(())
            }
            Some(expected) if *expected == got => Ok(()),
            Some(expected) => Err(first_difference(expected, &got)),
        }
    })?;
    Ok((report, reference.unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::first_difference;

    #[test]
    fn names_the_first_differing_line() {
        let message = first_difference(b"a\nb\nc\n", b"a\nc\nb\n");
        assert!(message.contains("line 2"), "{message}");
        assert!(message.contains("\"b\""), "{message}");
        let shorter = first_difference(b"a\nb\n", b"a\n");
        assert!(shorter.contains("<end of output>"), "{shorter}");
    }
}
