//! Progress of long work, and stopping it early.
//!
//! The long loops of the library (the multi-start fit, its subsample search, the bootstrap)
//! take a `&dyn Progress`: they call [`Progress::done`] after each finished unit (one L-BFGS
//! run, one resample), from worker threads, and ask [`Progress::stopped`] before starting one.
//! Once it answers true, the units not yet started are skipped and the work returns
//! [`crate::Error::Stopped`]; a caller that stops work (an interactive session on Ctrl-C)
//! gets control back within about one unit per thread.
//!
//! Any `Fn() + Sync` closure is a `Progress` that counts units and never stops, so the command
//! line passes `&|| bar.inc(1)` and tests `&|| {}`. This module uses no other.

/// What long work reports to, and asks whether to go on.
pub trait Progress: Sync {
    /// One unit of work is finished.
    fn done(&self);

    /// True once the caller wants the work stopped: units not yet started are skipped.
    fn stopped(&self) -> bool {
        false
    }
}

impl<F: Fn() + Sync> Progress for F {
    fn done(&self) {
        self()
    }
}

/// [`crate::Error::Stopped`] for `what` when `progress` has been stopped, so that a loop's
/// caller does not take the units it skipped for a result.
///
/// # Errors
///
/// [`crate::Error::Stopped`] once `progress` is stopped.
pub fn check(progress: &dyn Progress, what: &'static str) -> Result<(), crate::Error> {
    if progress.stopped() {
        return Err(crate::Error::Stopped { what });
    }
    Ok(())
}
