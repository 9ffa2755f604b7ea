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
//! line's simple loops pass `&|| bar.inc(1)` and tests `&|| {}`. A command of [`crate::commands`]
//! runs stages (a fit, then a bootstrap) and reports notes through the same trait.

/// What long work reports to, and asks whether to go on.
pub trait Progress: Sync {
    /// One unit of work is finished.
    fn done(&self);

    /// True once the caller wants the work stopped: units not yet started are skipped.
    fn stopped(&self) -> bool {
        false
    }

    /// A stage of `total` units begins (a command's fit, then its bootstrap): what the units
    /// done from now on count towards. A command calls it before each of its long loops.
    fn begin(&self, what: &'static str, total: usize) {
        let _ = (what, total);
    }

    /// A stage is over (a progress bar may be cleared).
    fn end(&self) {}

    /// A warning or note for the user, as soon as it is known (the command line writes it to
    /// stderr at once; the work goes on).
    fn note(&self, note: &Note) {
        let _ = note;
    }
}

/// A message for the user beside the results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// Something that may make a result wrong or misleading.
    Warning(String),
    /// Something worth knowing (an option that goes unused, a check that could not be made).
    Info(String),
}

impl Note {
    /// The text without its kind.
    pub fn text(&self) -> &str {
        match self {
            Note::Warning(t) | Note::Info(t) => t,
        }
    }
}

/// `warning: ...` or `note: ...`, as the command line writes it.
impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Note::Warning(t) => write!(f, "warning: {t}"),
            Note::Info(t) => write!(f, "note: {t}"),
        }
    }
}

impl<F: Fn() + Sync> Progress for F {
    fn done(&self) {
        self()
    }
}

/// `progress`'s stop flag without its count: for work nested inside a unit of an outer loop
/// (the fits of one law in `select`), which should stop with the outer work but not add to
/// its count.
pub struct StopOnly<'a>(pub &'a dyn Progress);

impl Progress for StopOnly<'_> {
    fn done(&self) {}

    fn stopped(&self) -> bool {
        self.0.stopped()
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::Progress;
    use crate::Error;
    use crate::fit::{FitConfig, Observations, StartSelection, fit};
    use crate::law::ChinchillaLaw;
    use crate::uncertainty::{BootstrapConfig, bootstrap};

    /// Stops once `after` units are done, counting the units started.
    struct StopAfter {
        after: usize,
        done: AtomicUsize,
    }

    impl Progress for StopAfter {
        fn done(&self) {
            self.done.fetch_add(1, Ordering::Relaxed);
        }
        fn stopped(&self) -> bool {
            self.done.load(Ordering::Relaxed) >= self.after
        }
    }

    fn observations() -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let truth = ChinchillaLaw::HOFFMANN_2022;
        let (mut n, mut d, mut l) = (vec![], vec![], vec![]);
        for &np in &[1e8, 3e8, 1e9, 3e9, 1e10] {
            for &nt in &[1e9, 1e10, 1e11, 1e12] {
                n.push(np);
                d.push(nt);
                l.push(truth.loss(np, nt));
            }
        }
        (n, d, l)
    }

    #[test]
    fn stopped_work_skips_what_is_left_and_says_so() {
        let (n, d, l) = observations();
        let obs = Observations::new(&n, &d, &l);
        let config = FitConfig {
            selection: StartSelection::Best(200),
            ..FitConfig::default()
        };
        let stop = StopAfter {
            after: 3,
            done: AtomicUsize::new(0),
        };
        let stopped = fit(&obs, &config, &stop);
        assert!(matches!(stopped, Err(Error::Stopped { what: "the fit" })));
        // Each worker thread finishes the run it has started, and starts no other.
        let threads = rayon::current_num_threads();
        assert!(
            stop.done.load(Ordering::Relaxed) < 3 + threads,
            "ran on after the stop"
        );

        let report = fit(&obs, &config, &|| {}).unwrap();
        let boot = BootstrapConfig {
            n_resamples: 400,
            ..BootstrapConfig::default()
        };
        let stop = StopAfter {
            after: 5,
            done: AtomicUsize::new(0),
        };
        let stopped = bootstrap(&obs, &report.fitted, &boot, &stop);
        assert!(matches!(
            stopped,
            Err(Error::Stopped {
                what: "the bootstrap"
            })
        ));
        assert!(stop.done.load(Ordering::Relaxed) < 5 + threads);
    }
}
