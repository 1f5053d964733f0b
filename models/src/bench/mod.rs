//! Component measurements behind `lockstep bench`: each runs on the real std runtime, measures
//! against a baseline in the same run and reports one JSON object.
//!
//! Bad input never reaches a measurement: every numeric flag has a documented range checked by
//! clap (exit 2, one line), and a run that would need more memory than the machine has
//! available is refused before anything is allocated (`check_memory`) instead of aborting
//! half-way. Errors while measuring (a thread that cannot start, an output file that cannot be
//! created) are exit 2 and one line too.

pub mod blocks;
pub mod ordered;
pub mod tasktree;

/// Refuse a run that needs about `bytes` of memory when the machine has less available (Linux:
/// `MemAvailable` in `/proc/meminfo`; elsewhere, or if it cannot be read, no check). `what`
/// says which flags asked for it.
pub(crate) fn check_memory(bytes: u64, what: &str) -> Result<(), String> {
    let Some(available) = available_memory() else {
        return Ok(());
    };
    if bytes <= available {
        return Ok(());
    }
    Err(format!(
        "{what} needs about {} MiB of memory; {} MiB are available",
        bytes.div_ceil(1 << 20),
        available >> 20
    ))
}

/// Bytes of memory available for new allocations, if the system says.
fn available_memory() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line["MemAvailable:".len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    kib.checked_mul(1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_bigger_than_memory_is_refused_and_a_small_one_is_not() {
        assert_eq!(check_memory(1 << 20, "--mib 1"), Ok(()));
        if available_memory().is_some() {
            let err = check_memory(u64::MAX, "--mib 100000").unwrap_err();
            assert!(err.starts_with("--mib 100000 needs about "), "{err}");
        }
    }
}
