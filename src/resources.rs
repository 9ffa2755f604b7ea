//! Refusing requests that cannot fit in memory, before allocating anything.
//!
//! A request whose size the user chooses (resamples, simulated runs) is estimated in bytes and
//! compared with the memory available now: `MemAvailable` of `/proc/meminfo` on Linux,
//! [`FALLBACK_MEMORY_BYTES`] elsewhere. Asking the allocator for more would abort the process
//! ("memory allocation failed") instead of giving an error.

use crate::error::Error;

/// Memory assumed available where it cannot be read (8 GB).
pub const FALLBACK_MEMORY_BYTES: u64 = 8_000_000_000;

/// Memory one bootstrap resample takes through `optimal`: its refit (theta, objective, flags:
/// about 100 bytes), its law and allocator for the answers (about 130), the per-question draws,
/// and its share of the saved JSON (about 100), rounded up.
pub const BYTES_PER_RESAMPLE: f64 = 400.0;

/// Memory of one bootstrap resample of Approach 1 or 2: its pair of power laws (about 40
/// bytes) and the vectors of exponents and coefficients they are collected into, rounded up.
pub const BYTES_PER_PAIR_RESAMPLE: f64 = 100.0;

/// Memory a start-grid point takes per parameter while the grid is enumerated: the point and
/// the key that removes duplicates (8 bytes each, with their vectors' headers and the hash
/// set's slot shared out), rounded up.
pub const BYTES_PER_GRID_POINT: f64 = 32.0;

/// Bytes the system can give this process now: `MemAvailable` on Linux (less when the process
/// runs under an address-space limit, `ulimit -v`: the limit less the address space in use),
/// else [`FALLBACK_MEMORY_BYTES`].
pub fn available_memory() -> u64 {
    let system = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| mem_available(&text))
        .unwrap_or(FALLBACK_MEMORY_BYTES);
    match address_space_left() {
        Some(left) => system.min(left),
        None => system,
    }
}

/// The address space this process may still map under its limit (`ulimit -v`, as
/// `/proc/self/limits` and `/proc/self/status` give them), or None without a limit.
fn address_space_left() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let limit: u64 = limits
        .lines()
        .find(|l| l.starts_with("Max address space"))?
        .split_whitespace()
        .nth(3)?
        .parse()
        .ok()?;
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let used_kb: u64 = status
        .lines()
        .find(|l| l.starts_with("VmSize:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(limit.saturating_sub(used_kb.saturating_mul(1024)))
}

/// `MemAvailable: 123456 kB` in bytes.
fn mem_available(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kb.checked_mul(1024)
}

/// `Ok(())` when `count` items of `bytes_each` fit in the available memory.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `flag`, the estimate, and how many items would fit, e.g.
/// "--bootstrap 100000000000 needs about 20.0 TB for the draws; at most 4.1e7 fit in the
/// 8.2 GB available".
pub fn require_memory(flag: &str, count: f64, bytes_each: f64, what: &str) -> Result<(), Error> {
    require_memory_within(flag, count, bytes_each, what, available_memory())
}

fn require_memory_within(
    flag: &str,
    count: f64,
    bytes_each: f64,
    what: &str,
    available: u64,
) -> Result<(), Error> {
    let needed = count * bytes_each;
    let available = available as f64;
    if needed <= available {
        return Ok(());
    }
    let fit = (available / bytes_each).floor();
    Err(Error::invalid_option(
        flag,
        format!(
            "{flag} {count} needs about {} for {what}; at most {} fit in the {} of memory \
             available (choose a smaller {flag})",
            bytes(needed),
            count_text(fit),
            bytes(available),
        ),
    ))
}

/// CPU seconds of one L-BFGS start of a law of N and D, per run it is fitted to: 40,500 starts
/// of the data-constrained law (the slowest family) on 324 runs took 242 s on one core of the
/// 2-core machine of `benches/README.md`, 1.8e-5 s per start and run.
pub const SECONDS_PER_START_RUN: f64 = 2e-5;

/// CPU seconds of one bootstrap replicate, per run: 4,000 replicates of the 240 Chinchilla runs
/// take about 11 CPU seconds (`benches/README.md`), 1.2e-5 s per replicate and run.
pub const SECONDS_PER_RESAMPLE_RUN: f64 = 1.2e-5;

/// CPU seconds of one IsoFLOP bootstrap resample (Approach 2's pair of power laws), per run:
/// 200,000 resamples of the 108 simulated runs took 2.6 s on the 2 threads of the 2-core
/// machine of `benches/README.md` (with another job running), 2.4e-7 s per resample and run.
pub const SECONDS_PER_PAIR_RESAMPLE_RUN: f64 = 2.5e-7;

/// CPU seconds of one simulated run, drawn and handed over as a row of columns: 9 million
/// runs took 5.7 s (6.3e-7 s each) on one thread; doubled, since the drawing runs on one
/// thread and [`check_time`] divides by the pool's.
pub const SECONDS_PER_SIMULATED_RUN: f64 = 1.3e-6;

/// Estimated wall time beyond which a long computation is announced with its estimate.
pub const NOTE_SECONDS: f64 = 60.0;

/// Estimated wall time beyond which a computation is refused (a day).
pub const MAX_SECONDS: f64 = 86_400.0;

/// The wall time `count` units of `seconds_each` CPU seconds take on the threads of the pool:
/// refused beyond [`MAX_SECONDS`], announced (the returned note) beyond [`NOTE_SECONDS`].
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `flag` and the estimate, e.g. "--bootstrap 60000000 would
/// take about 16 days for the refits on 2 threads; ...".
pub fn check_time(
    flag: &str,
    count: f64,
    seconds_each: f64,
    what: &str,
) -> Result<Option<crate::progress::Note>, Error> {
    check_time_on(
        flag,
        count,
        seconds_each,
        what,
        rayon::current_num_threads(),
    )
}

fn check_time_on(
    flag: &str,
    count: f64,
    seconds_each: f64,
    what: &str,
    threads: usize,
) -> Result<Option<crate::progress::Note>, Error> {
    let threads = threads.max(1);
    let seconds = count * seconds_each / threads as f64;
    let on = format!("{} thread{}", threads, if threads == 1 { "" } else { "s" });
    if seconds > MAX_SECONDS {
        let fit = (MAX_SECONDS * threads as f64 / seconds_each).floor();
        return Err(Error::invalid_option(
            flag,
            format!(
                "{flag} {} would take about {} for {what} on {on}; at most about {} finish \
                 within a day (choose a smaller {flag})",
                count_text(count),
                duration(seconds),
                count_text(fit)
            ),
        ));
    }
    Ok((seconds > NOTE_SECONDS).then(|| {
        crate::progress::Note::Info(format!(
            "{flag} {}: {what} will take about {} on {on}",
            count_text(count),
            duration(seconds)
        ))
    }))
}

/// Seconds in the largest unit that keeps the number at least 1: `40 s`, `4.0 minutes`,
/// `3.1 hours`, `16.2 days`.
fn duration(seconds: f64) -> String {
    if seconds < 60.0 {
        format!("{seconds:.0} s")
    } else if seconds < 3600.0 {
        format!("{:.1} minutes", seconds / 60.0)
    } else if seconds < 86_400.0 {
        format!("{:.1} hours", seconds / 3600.0)
    } else {
        format!("{:.1} days", seconds / 86_400.0)
    }
}

/// Bytes in decimal units, e.g. `4.4 TB`.
fn bytes(b: f64) -> String {
    const UNITS: [&str; 7] = ["bytes", "kB", "MB", "GB", "TB", "PB", "EB"];
    let mut value = b;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{value:.0} bytes")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

fn count_text(n: f64) -> String {
    if n < 1e6 {
        format!("{n:.0}")
    } else {
        format!("{n:.1e}")
    }
}

/// Threads beyond this many per core only add scheduling overhead (1000 threads turned a
/// 0.05 s fit into 28 s).
pub const MAX_THREADS_PER_CORE: usize = 4;

/// The worker count for `--threads n`: at least 1, at most [`MAX_THREADS_PER_CORE`] per core,
/// with a note when `n` was capped.
///
/// # Errors
///
/// [`Error::InvalidOption`] naming `--threads` for 0.
pub fn thread_count(n: usize) -> Result<(usize, Option<String>), Error> {
    if n == 0 {
        return Err(Error::invalid_option("--threads", "must be at least 1"));
    }
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let cap = MAX_THREADS_PER_CORE * cores;
    if n > cap {
        return Ok((
            cap,
            Some(format!(
                "--threads {n} is more than {MAX_THREADS_PER_CORE} per core on {cores} cores; using {cap}"
            )),
        ));
    }
    Ok((n, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meminfo_is_read_in_kilobytes() {
        let text = "MemTotal:       16000000 kB\nMemFree:  100 kB\nMemAvailable:    8000000 kB\n";
        assert_eq!(mem_available(text), Some(8_192_000_000));
        assert_eq!(mem_available("MemTotal: 1 kB\n"), None);
        assert!(available_memory() > 0);
    }

    #[test]
    fn a_request_beyond_memory_names_the_flag_and_the_estimate() {
        assert!(require_memory_within("--bootstrap", 1000.0, 200.0, "the draws", 1 << 30).is_ok());
        let err = require_memory_within("--bootstrap", 1e11, 200.0, "the draws", 8_000_000_000)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("--bootstrap 100000000000 needs about 20.0 TB"),
            "{err}"
        );
        assert!(err.contains("at most 4.0e7 fit in the 8.0 GB"), "{err}");
    }

    #[test]
    fn long_computations_are_announced_and_endless_ones_refused_with_their_estimate() {
        assert!(
            check_time_on("--starts", 100.0, 240.0 * SECONDS_PER_START_RUN, "x", 2)
                .unwrap()
                .is_none()
        );
        let note = check_time_on(
            "--starts",
            40_500.0,
            324.0 * SECONDS_PER_START_RUN,
            "the fit's L-BFGS starts",
            1,
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            note.text(),
            "--starts 40500: the fit's L-BFGS starts will take about 4.4 minutes on 1 thread"
        );
        let err = check_time_on(
            "--bootstrap",
            1e8,
            240.0 * SECONDS_PER_RESAMPLE_RUN,
            "the refits",
            2,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("about 1.7 days"), "{err}");
        assert!(err.contains("at most about 6.0e7"), "{err}");
    }
}
