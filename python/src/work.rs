//! Long work from Python: run a library computation on a worker thread with the GIL released,
//! while the calling thread wakes every [`POLL`] to check for signals (Ctrl-C raises
//! `KeyboardInterrupt` there) and to report progress to a Python callable.
//!
//! Stopping work early needs the work's help. A loop that asks [`Ticker::cancelled`] before
//! each unit skips the units left once the user interrupts, and control returns within one
//! [`POLL`] plus one unit per thread. The library's long loops take the ticker as their
//! `scaling_laws::progress::Progress`, which asks exactly that. [`Ticker::tick`] instead
//! unwinds out of a loop at the next finished unit (through `resume_unwind`, which runs no
//! panic hook, so nothing is printed); rayon does not abandon the jobs it has split off when
//! one panics, so for parallel loops unwinding alone saves little (the probe below, measured:
//! 2,000 units of 5 ms ran 1,200 of them after the interrupt).

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::PoisonError;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use pyo3::exceptions::PyRuntimeError;
use pyo3::panic::PanicException;
use pyo3::prelude::*;
use rayon::prelude::*;
use scaling_laws::Error;
use scaling_laws::progress::Note;

/// Stack of the worker thread: that of a program's main thread on Linux, where the command
/// line runs the same work.
const WORKER_STACK_BYTES: usize = 8 << 20;

/// How often the calling thread checks for signals and reports progress.
pub const POLL: Duration = Duration::from_millis(50);

/// Progress of the work, shared with the library's progress callback: units done of the
/// call's total (the sum of its stages'), the interrupt flag, and the notes the work reported.
pub struct Ticker {
    done: AtomicU64,
    /// Units of the call; [`UNKNOWN`] when not known.
    total: AtomicU64,
    cancelled: AtomicBool,
    notes: std::sync::Mutex<Vec<Note>>,
}

/// The total of a stage whose size is not known.
const UNKNOWN: u64 = u64::MAX;

impl Ticker {
    fn new(total: Option<u64>) -> Self {
        Ticker {
            done: AtomicU64::new(0),
            total: AtomicU64::new(total.unwrap_or(UNKNOWN)),
            cancelled: AtomicBool::new(false),
            notes: std::sync::Mutex::new(Vec::new()),
        }
    }

    fn total(&self) -> Option<u64> {
        Some(self.total.load(Ordering::Relaxed)).filter(|&t| t != UNKNOWN)
    }

    /// The notes reported so far (and forgets them).
    pub fn take_notes(&self) -> Vec<Note> {
        std::mem::take(&mut *self.notes.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// The estimates of a long computation's time reported so far (and forgets them): these are
    /// announced while the work runs, not after it (see [`announce`]).
    fn take_estimates(&self) -> Vec<String> {
        let mut notes = self.notes.lock().unwrap_or_else(PoisonError::into_inner);
        let (estimates, rest): (Vec<Note>, Vec<Note>) = notes.drain(..).partition(is_time_estimate);
        *notes = rest;
        estimates.iter().map(|n| n.text().to_string()).collect()
    }
}

/// Whether `note` is the library's estimate of a long computation's time
/// (`scaling_laws::resources::check_time`: "--bootstrap 1.0e7: the refits will take about 1.8
/// hours on 2 threads").
fn is_time_estimate(note: &Note) -> bool {
    matches!(note, Note::Info(text) if text.contains(" will take about "))
}

/// Issue the estimates of a long computation's time as `ScalingLawsWarning`s now, while it
/// runs (the other notes are returned with the result): a user learns at once that the call
/// will take hours, and can interrupt it.
fn announce(py: Python<'_>, estimates: Vec<String>) -> PyResult<()> {
    py.import("scaling_laws._progress")?
        .getattr("announce")?
        .call1((estimates,))
        .map(drop)
}

/// The unwinding payload of a cancelled tick.
struct Cancelled;

impl Ticker {
    /// One unit of work is done; unwinds out of the work once it has been cancelled.
    pub fn tick(&self) {
        if self.cancelled.load(Ordering::Relaxed) {
            resume_unwind(Box::new(Cancelled));
        }
        self.done.fetch_add(1, Ordering::Relaxed);
    }

    /// True once the user has interrupted: a loop should skip the units it has not started.
    pub fn cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    fn done(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }
}

/// The library's long loops report to the ticker and skip the units not yet started once the
/// user has interrupted (they then return `Error::Stopped`, which the interrupt replaces).
impl scaling_laws::progress::Progress for Ticker {
    fn done(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }

    fn stopped(&self) -> bool {
        self.cancelled()
    }

    /// A new stage of the call: its units add to the total, so that Python sees one count for
    /// the whole call (a fit's runs, then its bootstrap's resamples).
    fn begin(&self, _what: &'static str, total: usize) {
        let before = self.total.load(Ordering::Relaxed);
        let before = if before == UNKNOWN { 0 } else { before };
        self.total
            .store(before.saturating_add(total as u64), Ordering::Relaxed);
    }

    fn note(&self, note: &Note) {
        self.notes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(note.clone());
    }
}

type Outcome<T> = std::thread::Result<Result<T, Error>>;

/// Run `work` on a worker thread with the GIL released. `progress(done, total)` is called on
/// the calling thread as units finish (and once at the end); Ctrl-C, or an exception raised by
/// `progress`, stops the work at its next tick and is raised here.
///
/// # Errors
///
/// The exception of the library's error; `KeyboardInterrupt` (or the progress callable's
/// exception) when interrupted; `PanicException` when the library panicked.
pub fn run_long<T, F>(
    py: Python<'_>,
    total: Option<u64>,
    progress: Option<Py<PyAny>>,
    work: F,
) -> PyResult<T>
where
    T: Send,
    F: FnOnce(&Ticker) -> Result<T, Error> + Send,
{
    let ticker = Ticker::new(total);
    // Borrowed into the detached section, so that the callable is released with the GIL held.
    let progress = progress.as_ref();
    let (sender, receiver) = mpsc::channel::<Outcome<T>>();
    let (outcome, interrupted) = std::thread::scope(|scope| {
        let ticker = &ticker;
        let worker = std::thread::Builder::new()
            .name("scaling-laws work".into())
            .stack_size(WORKER_STACK_BYTES)
            .spawn_scoped(scope, move || {
                let outcome = catch_unwind(AssertUnwindSafe(|| work(ticker)));
                // The receiver outlives the scope; a failed send cannot happen.
                let _ = sender.send(outcome);
            });
        if let Err(e) = worker {
            let failed: Outcome<T> = Err(Box::new("no worker thread"));
            let err = PyRuntimeError::new_err(format!("cannot start a worker thread: {e}"));
            return (failed, Some(err));
        }
        py.detach(move || watch(receiver, ticker, progress))
    });
    match (outcome, interrupted) {
        (_, Some(err)) => Err(err),
        (Ok(Ok(value)), None) => Ok(value),
        (Ok(Err(err)), None) => Err(crate::errors::to_pyerr(py, err)),
        (Err(payload), None) => Err(panic_error(payload)),
    }
}

/// Wait for the worker's outcome, waking every [`POLL`] to check signals and report progress.
fn watch<T>(
    receiver: mpsc::Receiver<Outcome<T>>,
    ticker: &Ticker,
    progress: Option<&Py<PyAny>>,
) -> (Outcome<T>, Option<PyErr>) {
    let mut interrupted: Option<PyErr> = None;
    let mut reported = None;
    loop {
        let received = receiver.recv_timeout(POLL);
        let finished = !matches!(received, Err(mpsc::RecvTimeoutError::Timeout));
        if interrupted.is_none() {
            let checked = Python::attach(|py| {
                py.check_signals()?;
                let estimates = ticker.take_estimates();
                if !estimates.is_empty() {
                    announce(py, estimates)?;
                }
                let (done, total) = (ticker.done(), ticker.total());
                match progress {
                    Some(callback) if reported != Some((done, total)) => {
                        reported = Some((done, total));
                        callback.call1(py, (done, total)).map(drop)
                    }
                    _ => Ok(()),
                }
            });
            if let Err(err) = checked {
                ticker.cancelled.store(true, Ordering::Relaxed);
                interrupted = Some(err);
            }
        }
        if finished {
            let failed = |message: &'static str| -> Outcome<T> { Err(Box::new(message)) };
            let outcome = match received {
                Ok(Err(payload)) if payload.is::<Cancelled>() && interrupted.is_none() => {
                    failed("the work was cancelled without an interrupt")
                }
                Ok(outcome) => outcome,
                Err(_) => failed("the worker thread ended without a result"),
            };
            return (outcome, interrupted);
        }
    }
}

/// A panic of the library as Python's `PanicException`, with its message.
fn panic_error(payload: Box<dyn std::any::Any + Send>) -> PyErr {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string());
    PanicException::new_err(format!(
        "scaling-laws stopped on an internal error ({message}); please report it"
    ))
}

/// Test probe of [`run_long`]: `items` units of busy work of `micros` microseconds each, in
/// parallel on the library's thread pool, each reported as a tick; once cancelled, units not
/// yet started are skipped. Returns the units done.
#[pyfunction]
#[pyo3(signature = (items, micros, progress=None))]
fn _progress_probe(
    py: Python<'_>,
    items: u64,
    micros: u64,
    progress: Option<Py<PyAny>>,
) -> PyResult<u64> {
    if micros > 10_000_000 {
        return Err(PyRuntimeError::new_err("micros must be at most 10^7"));
    }
    run_long(py, Some(items), progress, |ticker| {
        (0..items).into_par_iter().for_each(|_| {
            if ticker.cancelled() {
                return;
            }
            let until = Instant::now() + Duration::from_micros(micros);
            while Instant::now() < until {
                std::hint::spin_loop();
            }
            ticker.tick();
        });
        Ok(ticker.done())
    })
}

/// Add the probe to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(_progress_probe, m)?)?;
    m.add("POLL_SECONDS", POLL.as_secs_f64())?;
    Ok(())
}
