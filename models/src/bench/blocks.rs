//! `lockstep bench blocks`: N MiB written through `BlockFile` into a `MemoryStore` (Keep's
//! 64 MiB blocks), against the bound of copying the same bytes in the same write sizes into a
//! block buffer and hashing each full block on one thread — both measured in the same run,
//! interleaved round by round, medians compared.
//!
//! Memory: the source bytes and the store's copy are both held, so about 2 × N MiB plus the
//! manager's buffered bytes (at most its cap).

mod measure;

pub use measure::{bound, source};

use crate::cli::output;
use clap::builder::RangedU64ValueParser;
use lockstep::block::{BlockFile, BlockManager, BlockStore, Config, MemoryStore};
use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

const MIB: usize = 1 << 20;

/// The most MiB a run writes (1 TiB; the memory check refuses what the machine cannot hold).
pub const MAX_MIB: usize = 1 << 20;
/// The largest `write` call: one Keep block.
pub const MAX_WRITE_SIZE: usize = 64 << 20;
/// The most rounds.
pub const MAX_ROUNDS: usize = 1_000;

/// Arguments of `lockstep bench blocks`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// MiB to write [1 to 1048576; about twice as much memory must be available].
    #[arg(long, default_value_t = 256, allow_negative_numbers = true,
          value_parser = RangedU64ValueParser::<usize>::new().range(1..=MAX_MIB as u64))]
    mib: usize,
    /// Bytes per `write` call [1 to 67108864].
    #[arg(long, default_value_t = 4096, allow_negative_numbers = true,
          value_parser = RangedU64ValueParser::<usize>::new().range(1..=MAX_WRITE_SIZE as u64))]
    write_size: usize,
    /// Upload workers [1 to 1024].
    #[arg(long, default_value_t = 2, allow_negative_numbers = true,
          value_parser = RangedU64ValueParser::<usize>::new()
              .range(1..=lockstep::block::MAX_WORKERS as u64))]
    workers: usize,
    /// Rounds of (bound, file); medians are reported [1 to 1000].
    #[arg(long, default_value_t = 3, allow_negative_numbers = true,
          value_parser = RangedU64ValueParser::<usize>::new().range(1..=MAX_ROUNDS as u64))]
    rounds: usize,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

/// What one measurement found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measured {
    /// Median seconds to write and close the file.
    pub seconds: f64,
    /// Median seconds of the bound.
    pub bound_seconds: f64,
    /// The most bytes the manager buffered in any round.
    pub peak_buffered_bytes: usize,
    /// The manager's cap.
    pub buffer_cap: usize,
}

/// Write `data` through a `BlockFile` on `store` in `write_size` pieces and close it; the time,
/// the manager's peak buffered bytes and its cap. The bytes are read back and compared (outside
/// the timed part). Used by `lockstep bench blocks` and the criterion bench.
pub fn through_file<S: BlockStore>(
    data: &[u8],
    write_size: usize,
    store: S,
    config: Config,
) -> Result<(Duration, usize, usize), String> {
    let manager = BlockManager::new(store, config).map_err(|e| e.to_string())?;
    let start = Instant::now();
    let mut file = BlockFile::new(&manager);
    for piece in data.chunks(write_size) {
        file.write_all(piece).map_err(|e| e.to_string())?;
    }
    let manifest = file.close().map_err(|e| e.to_string())?;
    let elapsed = start.elapsed();
    let stats = manager.stats();
    if manager.read(&manifest).map_err(|e| e.to_string())? != data {
        return Err("the file did not read back byte-identical".into());
    }
    manager.stop().map_err(|e| e.to_string())?;
    Ok((elapsed, stats.peak_buffered_bytes, stats.buffer_cap))
}

/// Interleaved rounds of (bound, file); medians.
pub fn measure(
    data: &[u8],
    write_size: usize,
    config: &Config,
    rounds: usize,
) -> Result<Measured, String> {
    let (mut file, mut bounds, mut peak, mut cap) = (Vec::new(), Vec::new(), 0, 0);
    for _ in 0..rounds {
        bounds.push(bound(data, write_size, config.block_size).as_secs_f64());
        let (time, round_peak, round_cap) =
            through_file(data, write_size, MemoryStore::new(), config.clone())?;
        file.push(time.as_secs_f64());
        peak = peak.max(round_peak);
        cap = round_cap;
    }
    Ok(Measured {
        seconds: median(file),
        bound_seconds: median(bounds),
        peak_buffered_bytes: peak,
        buffer_cap: cap,
    })
}

/// The `--json` object, keys in the documented order.
fn json_line(args: &Args, measured: &Measured) -> String {
    let mib = args.mib as f64;
    let mib_per_s = mib / measured.seconds;
    let bound_mib_per_s = mib / measured.bound_seconds;
    format!(
        "{{\"bench\":\"blocks\",\"mib\":{},\"write_size\":{},\"workers\":{},\"seconds\":{:.6},\"mib_per_s\":{:.3},\"bound_mib_per_s\":{:.3},\"ratio\":{:.4},\"peak_buffered_bytes\":{}}}",
        args.mib,
        args.write_size,
        args.workers,
        measured.seconds,
        mib_per_s,
        bound_mib_per_s,
        mib_per_s / bound_mib_per_s,
        measured.peak_buffered_bytes
    )
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The bytes to write, or why the arguments are refused: out of range (for callers that did
/// not go through clap), or more than the machine's available memory can hold — the source
/// and the store's copy, plus the manager's buffers.
fn bytes_to_write(args: &Args, config: &Config) -> Result<usize, String> {
    if args.write_size == 0 || args.workers == 0 || args.rounds == 0 {
        return Err("--write-size, --workers and --rounds must be at least 1".to_owned());
    }
    let bytes = args
        .mib
        .checked_mul(MIB)
        .filter(|_| (1..=MAX_MIB).contains(&args.mib))
        .ok_or_else(|| format!("--mib must be 1 to {MAX_MIB}, not {}", args.mib))?;
    let needed = (2 * bytes as u64).saturating_add(config.effective_cap() as u64);
    crate::bench::check_memory(needed, &format!("--mib {}", args.mib))?;
    Ok(bytes)
}

/// Run the measurement.
pub fn run(args: Args) -> ExitCode {
    let config = Config::default().workers(args.workers);
    let bytes = match bytes_to_write(&args, &config) {
        Ok(bytes) => bytes,
        Err(message) => return output::fail(message),
    };
    let data = source(bytes);
    let measured = match measure(&data, args.write_size, &config, args.rounds) {
        Ok(measured) => measured,
        Err(message) => return output::fail(message),
    };
    if args.json {
        output::print(&format!("{}\n", json_line(&args, &measured)))
    } else {
        let mib = args.mib as f64;
        output::print(&format!(
            "blocks: {} MiB in {} B writes, {} workers: {:.3} s, {:.0} MiB/s; bound (hash + copy, one thread) {:.0} MiB/s; ratio {:.2}; peak buffered {} of cap {} bytes\n",
            args.mib,
            args.write_size,
            args.workers,
            measured.seconds,
            mib / measured.seconds,
            mib / measured.bound_seconds,
            measured.bound_seconds / measured.seconds,
            measured.peak_buffered_bytes,
            measured.buffer_cap
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_object_has_the_documented_keys_in_order() {
        let args = Args {
            mib: 4,
            write_size: 4096,
            workers: 2,
            rounds: 1,
            json: true,
        };
        let measured = Measured {
            seconds: 0.5,
            bound_seconds: 0.25,
            peak_buffered_bytes: 123,
            buffer_cap: 456,
        };
        let line = json_line(&args, &measured);
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(value["ratio"], 0.5);
        assert_eq!(value["mib_per_s"], 8.0);
        assert_eq!(value["peak_buffered_bytes"], 123);
        let keys: Vec<&str> = line
            .trim_matches(|c| c == '{' || c == '}')
            .split(',')
            .map(|kv| kv.split(':').next().unwrap().trim_matches('"'))
            .collect();
        assert_eq!(
            keys,
            [
                "bench",
                "mib",
                "write_size",
                "workers",
                "seconds",
                "mib_per_s",
                "bound_mib_per_s",
                "ratio",
                "peak_buffered_bytes"
            ]
        );
    }

    #[test]
    fn a_small_run_reads_back_and_stays_under_the_cap() {
        let data = source(3 * MIB + 5);
        let config = Config::default().block_size(MIB).workers(2);
        let measured = measure(&data, 4096, &config, 1).unwrap();
        assert!(measured.seconds > 0.0 && measured.bound_seconds > 0.0);
        assert!(measured.peak_buffered_bytes <= measured.buffer_cap);
        assert!(measured.peak_buffered_bytes >= MIB, "{measured:?}");
    }
}
