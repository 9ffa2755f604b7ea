//! Driving the library in-process: load the mutated bytes, fit with three starts, ask for the
//! compute-optimal allocation and assess a model. A panic is caught; every number of a
//! successful result must be finite, every error message bounded.

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use scaling_laws::answer::allocation::Allocator;
use scaling_laws::data::{self, Format, LoadOptions};
use scaling_laws::fit::{FitConfig, StartSelection, fit};

use super::mutate::Case;
use super::{Failure, Kind, STDERR_LIMIT, non_finite};

/// Starts run by each fit: enough to exercise the solver, few enough for hundreds of cases.
const STARTS: usize = 3;

thread_local! {
    /// `Some` while this thread runs a case: the panic hook stores the message here instead
    /// of printing it.
    static CAPTURED: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// A panic hook that records panics of threads running a case and leaves all others (other
/// tests, worker threads) to the previous hook.
fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let recorded = CAPTURED.with(|slot| match slot.borrow_mut().as_mut() {
                Some(message) => {
                    let location = info
                        .location()
                        .map(|l| format!("{}:{}", l.file(), l.line()))
                        .unwrap_or_default();
                    *message = format!("panicked at {location}: {}", payload_text(info.payload()));
                    true
                }
                None => false,
            });
            if !recorded {
                previous(info);
            }
        }));
    });
}

fn payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(non-text panic payload)".to_string())
}

/// Run `case` through the library; the failures found (none when it passes).
pub fn check(case: &Case) -> Vec<Failure> {
    install_hook();
    CAPTURED.with(|slot| *slot.borrow_mut() = Some(String::new()));
    let result = panic::catch_unwind(AssertUnwindSafe(|| run(case)));
    let message = CAPTURED
        .with(|slot| slot.borrow_mut().take())
        .unwrap_or_default();
    match result {
        Ok(failures) => failures,
        Err(payload) => {
            let detail = if message.is_empty() {
                format!("panicked: {}", payload_text(payload.as_ref()))
            } else {
                message
            };
            vec![Failure::new(Kind::Panic, detail)]
        }
    }
}

fn run(case: &Case) -> Vec<Failure> {
    let label = format!("runs.{}", case.ext);
    let mut failures = Vec::new();
    let format = Format::from_path(&label).expect("the generator uses known extensions");
    let ds = match data::load_bytes(case.bytes.clone(), format, &label, &LoadOptions::default()) {
        Ok(ds) => ds,
        Err(e) => return bounded("load", &e.to_string()),
    };
    for (name, values) in [
        ("n_params", &ds.n_params),
        ("n_tokens", &ds.n_tokens),
        ("compute", &ds.compute),
        ("loss", &ds.loss),
    ] {
        if let Some((i, v)) = values
            .iter()
            .enumerate()
            .find(|(_, v)| !(v.is_finite() && **v > 0.0))
        {
            failures.push(Failure::new(
                Kind::NonFinite,
                format!("load accepted {name} = {v} (file row {})", ds.rows[i]),
            ));
        }
    }
    if !failures.is_empty() {
        return failures;
    }
    let config = FitConfig {
        selection: StartSelection::Best(STARTS),
        ..FitConfig::default()
    };
    let report = match fit(&ds.observations(), &config, &|| {}) {
        Ok(report) => report,
        Err(e) => return bounded("fit", &e.to_string()),
    };
    let mut check = |what: &str, debug: String| {
        if let Some(snippet) = non_finite(&debug) {
            failures.push(Failure::new(
                Kind::NonFinite,
                format!("{what}: …{snippet}…"),
            ));
        }
    };
    check("fitted law", format!("{:?}", report.fitted));
    match Allocator::new(report.fitted.to_law(), ds.flops_per_param_token) {
        Ok(allocator) => {
            check(
                "optimum at 1e21 FLOPs",
                format!("{:?}", allocator.optimal_for_compute(1e21)),
            );
            check(
                "assessment of 7e10,1.4e12",
                format!("{:?}", allocator.assess(7e10, 1.4e12)),
            );
        }
        Err(e) => failures.extend(bounded("allocation", &e.to_string())),
    }
    failures
}

/// An error is a pass when its message is bounded.
fn bounded(stage: &str, message: &str) -> Vec<Failure> {
    if message.len() <= STDERR_LIMIT {
        return Vec::new();
    }
    let head: String = message.chars().take(160).collect();
    vec![Failure::new(
        Kind::OversizeMessage,
        format!("{stage} error of {} bytes: {head:?}", message.len()),
    )]
}
