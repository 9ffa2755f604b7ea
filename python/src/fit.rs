//! `scaling_laws.fit` and the `Fit` object: the library's fit (`scaling_laws::fit`), its
//! bootstrap, the allocation questions (`scaling_laws::answer::optimal`) and the held-out check
//! (`scaling_laws::check::holdout`), with the options of `scaling-laws fit` and `optimal`. A fit is
//! held as the library's `SavedFit`, whose JSON is the command line's `fit --json` and
//! `--out` file.

use numpy::{PyArray1, PyArray2, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use scaling_laws::Error;
use scaling_laws::answer::decision::ShapeOptions;
use scaling_laws::answer::optimal::QuestionOptions;
use scaling_laws::check::holdout::HoldoutRule;
use scaling_laws::commands::fit::FitRequest;
use scaling_laws::commands::optimal::OptimalRequest;
use scaling_laws::commands::sweep_file;
use scaling_laws::commands::sweep_law::{SweepFit, SweepOrigin};
use scaling_laws::commands::{DataSource, FitSource};
use scaling_laws::data::Dataset;
use scaling_laws::fit::StartSelection;
use scaling_laws::fit::frontier::parse_frontier;
use scaling_laws::fit::options::{
    Delta, FitOptions, LossKind, parse_assignments, parse_fix, parse_grid,
};
use scaling_laws::law::LawRef;
use scaling_laws::law::{Input, Row};
use scaling_laws::plan::Embeddings;
use scaling_laws::plan::options::BudgetUnits;
use scaling_laws::progress::Note;
use scaling_laws::report::Format;
use scaling_laws::report::optimal::AnswerRow;
use scaling_laws::saved::SavedFit;
use scaling_laws::uncertainty::{BootstrapConfig, ResampleScheme};

use crate::data::NativeDataset;
use crate::errors::IntoPy;
use crate::plan::{HardwareArgs, SetupArgs};
use crate::work::run_long;

/// The keyword arguments of `scaling_laws.fit`, named as the command line's flags.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
pub(crate) struct FitArgs {
    law: String,
    frontier: Option<String>,
    loss: String,
    delta: Option<DeltaArg>,
    fix: Vec<Assignments>,
    tie_exponents: bool,
    starts: Option<StartsArg>,
    grid: Option<GridArg>,
    start: Vec<Assignments>,
    max_iters: u64,
    subsample_rows: usize,
    threads: Option<usize>,
}

/// `delta=`: a number, or `"auto"`.
#[derive(FromPyObject)]
pub(crate) enum DeltaArg {
    /// A threshold.
    Number(f64),
    /// `"auto"` (or a number as text).
    Text(String),
}

impl DeltaArg {
    pub(crate) fn delta(&self) -> Result<Delta, Error> {
        match self {
            DeltaArg::Number(d) => Delta::fixed(*d),
            DeltaArg::Text(t) => Delta::parse(t),
        }
    }
}

/// `starts=`: a number, or `"all"`.
#[derive(FromPyObject)]
pub(crate) enum StartsArg {
    /// The best `k` starts.
    Count(i64),
    /// `"all"` (or a number as text).
    Text(String),
}

impl StartsArg {
    pub(crate) fn starts(&self) -> Result<StartSelection, Error> {
        match self {
            StartsArg::Count(k) => StartSelection::best(*k),
            StartsArg::Text(t) => StartSelection::parse(t),
        }
    }
}

/// Parameter values by name: `NAME=VALUE,...` as text, or pairs (a mapping's items).
#[derive(FromPyObject)]
enum Assignments {
    /// Pairs of name and value.
    Pairs(Vec<(String, f64)>),
    /// `NAME=VALUE,...`.
    Text(String),
}

/// `grid=`: `NAME=V1,V2;...` as text, or pairs of axis name and values (a mapping's items).
#[derive(FromPyObject)]
enum GridArg {
    /// Axes and values.
    Axes(Vec<(String, Vec<f64>)>),
    /// `NAME=V1,V2;...`.
    Text(String),
}

impl FitArgs {
    /// The options as the library takes them.
    pub(crate) fn options(&self) -> Result<FitOptions, Error> {
        let fix = self
            .fix
            .iter()
            .map(|a| match a {
                Assignments::Pairs(pairs) => Ok(pairs.clone()),
                Assignments::Text(text) => parse_fix(text),
            })
            .collect::<Result<Vec<_>, _>>()?
            .concat();
        let start_points = self
            .start
            .iter()
            .map(|a| match a {
                Assignments::Pairs(pairs) => Ok(pairs.clone()),
                Assignments::Text(text) => parse_assignments("--start", text),
            })
            .collect::<Result<_, _>>()?;
        Ok(FitOptions {
            law: LawRef::named(&self.law)?,
            delta: self.delta.as_ref().map(DeltaArg::delta).transpose()?,
            fix,
            grid: match &self.grid {
                None => None,
                Some(GridArg::Axes(axes)) => Some(axes.clone()),
                Some(GridArg::Text(text)) => Some(parse_grid(text)?),
            },
            start_points,
            starts: self.starts.as_ref().map(StartsArg::starts).transpose()?,
            frontier: self.frontier.as_deref().map(parse_frontier).transpose()?,
            loss: LossKind::parse(&self.loss)?,
            tie_exponents: self.tie_exponents,
            max_iters: self.max_iters,
            subsample_rows: self.subsample_rows,
        })
    }
}

/// The worker count of `threads` (None: the global pool) and the note of a capped count.
fn threads(threads: Option<usize>) -> Result<(Option<usize>, Vec<String>), Error> {
    match threads {
        None => Ok((None, Vec::new())),
        Some(n) => {
            let (count, note) = scaling_laws::resources::thread_count(n)?;
            Ok((Some(count), note.into_iter().collect()))
        }
    }
}

/// Run `work` on a pool of `threads` workers, or on the global pool.
fn in_pool<T: Send>(
    threads: Option<usize>,
    work: impl FnOnce() -> Result<T, Error> + Send,
) -> Result<T, Error> {
    match threads {
        None => work(),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map_err(|e| {
                Error::invalid_option("--threads", format!("cannot start {n} threads: {e}"))
            })?
            .install(work),
    }
}

fn runtime(e: impl std::fmt::Display) -> PyErr {
    pyo3::exceptions::PyRuntimeError::new_err(e.to_string())
}

/// A fit held by Python: the library's saved fit, and the runs it was fitted to when at hand.
#[pyclass(name = "NativeFit", module = "scaling_laws._native", frozen)]
pub struct NativeFit {
    pub(crate) saved: SavedFit,
    /// The runs fitted (after the compute frontier, for the law of compute).
    data: Option<Dataset>,
    /// The fit file it was read from, whose provenance can reload the runs.
    path: Option<String>,
    /// Where the law came from when it is a joint curve fit's law of N and D (then there are
    /// no runs as a table).
    sweep: Option<SweepOrigin>,
}

impl NativeFit {
    /// The fit as the source of a library command: in memory, with its runs or its file.
    pub(crate) fn source(&self) -> FitSource {
        if let Some(origin) = &self.sweep {
            return FitSource::Sweep(Box::new(SweepFit {
                fit: self.saved.clone(),
                origin: origin.clone(),
            }));
        }
        FitSource::Fitted {
            fit: Box::new(self.saved.clone()),
            data: self.data.clone(),
            path: self.path.clone().map(std::path::PathBuf::from),
        }
    }

    /// The runs fitted: those at hand, or those the fit file's provenance reloads.
    pub(crate) fn runs(&self) -> Result<std::borrow::Cow<'_, Dataset>, Error> {
        if let Some(d) = &self.data {
            return Ok(std::borrow::Cow::Borrowed(d));
        }
        if let Some(origin) = &self.sweep {
            return Err(Error::invalid_option(
                "bootstrap",
                format!(
                    "{} is a joint curve fit, which has no table of runs (N, D, loss) to \
                     resample or refit; its intervals come from its own replicates: refit with \
                     sl.curve_fit(..., law=\"joint\", bootstrap=N)",
                    origin.file
                ),
            ));
        }
        match &self.path {
            Some(path) => Ok(std::borrow::Cow::Owned(
                self.saved.reload_data(std::path::Path::new(path))?,
            )),
            None => Err(Error::invalid_option(
                "data",
                "this fit was read from JSON text and does not have its runs; read it with \
                 Fit.load(path) from a fit file whose data file is at hand, or fit the data",
            )),
        }
    }
}

#[pymethods]
impl NativeFit {
    /// The fit as the command line's `fit --json` prints it and `fit --out` saves it.
    fn to_json(&self) -> PyResult<String> {
        let mut out = Vec::new();
        scaling_laws::report::fit_json(&self.saved, &mut out).map_err(runtime)?;
        String::from_utf8(out).map_err(runtime)
    }

    /// The command line's text report of the fit.
    fn text(&self) -> PyResult<String> {
        let mut out = Vec::new();
        scaling_laws::report::fit_text(&self.saved, &mut out).map_err(runtime)?;
        String::from_utf8(out).map_err(runtime)
    }

    /// Read a fit from the text of a fit file (`shown` names it in messages; `path`, the file
    /// it came from, lets later calls reload its runs).
    #[staticmethod]
    #[pyo3(signature = (text, shown, path=None))]
    fn from_json(py: Python<'_>, text: &str, shown: &str, path: Option<String>) -> PyResult<Self> {
        let saved = SavedFit::from_json(text, shown).py_err(py)?;
        Ok(NativeFit {
            saved,
            data: None,
            path,
            sweep: None,
        })
    }

    /// The law of N and D of a joint curve fit (the text of `curve fit --law joint --out`;
    /// `shown` names it), as `optimal --fit` reads it: its law at the runs' ends, with its
    /// replicates' laws as draws.
    #[staticmethod]
    fn from_curve_fit(py: Python<'_>, text: &str, shown: &str) -> PyResult<Self> {
        let sweep = sweep_file::from_json(text, shown).py_err(py)?;
        Ok(NativeFit {
            saved: sweep.fit,
            data: None,
            path: None,
            sweep: Some(sweep.origin),
        })
    }

    /// Read a fit file as the command line's `--fit` reads it (a regular file of bounded size,
    /// validated field by field); later calls reload its runs from its provenance. A joint
    /// curve fit is read as `optimal --fit` reads it, as its law of N and D.
    #[staticmethod]
    fn load(py: Python<'_>, path: &str) -> PyResult<Self> {
        let file = std::path::Path::new(path);
        if let Some(sweep) = sweep_file::read(file).py_err(py)? {
            return Ok(NativeFit {
                saved: sweep.fit,
                data: None,
                path: None,
                sweep: Some(sweep.origin),
            });
        }
        let saved = SavedFit::load(file).py_err(py)?;
        Ok(NativeFit {
            saved,
            data: None,
            path: Some(path.to_string()),
            sweep: None,
        })
    }

    /// Log-loss residuals of the runs fitted, in data order.
    fn residuals<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, &self.saved.report.fitted.residuals)
    }

    /// The source rows of the runs fitted (counted from 1).
    fn rows<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<i64>> {
        let rows: Vec<i64> = self
            .saved
            .provenance
            .rows
            .iter()
            .map(|&r| r as i64)
            .collect();
        PyArray1::from_vec(py, rows)
    }

    /// The inputs the law reads, by symbol (`N`, `D`, `U`, `C`).
    fn inputs(&self) -> Vec<&'static str> {
        self.saved
            .report
            .fitted
            .family
            .inputs()
            .iter()
            .map(|i| i.symbol())
            .collect()
    }

    /// Predicted loss for arrays of inputs of one length (None for an input not given); C
    /// defaults to k·N·D.
    #[pyo3(signature = (n=None, d=None, u=None, c=None))]
    fn predict<'py>(
        &self,
        py: Python<'py>,
        n: Option<PyReadonlyArray1<'py, f64>>,
        d: Option<PyReadonlyArray1<'py, f64>>,
        u: Option<PyReadonlyArray1<'py, f64>>,
        c: Option<PyReadonlyArray1<'py, f64>>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let fitted = &self.saved.report.fitted;
        let given = [
            (Input::Params, n.as_ref().map(|a| a.as_slice()).transpose()?),
            (Input::Tokens, d.as_ref().map(|a| a.as_slice()).transpose()?),
            (
                Input::UniqueTokens,
                u.as_ref().map(|a| a.as_slice()).transpose()?,
            ),
            (
                Input::Compute,
                c.as_ref().map(|a| a.as_slice()).transpose()?,
            ),
        ];
        let needed = fitted.family.inputs();
        let mut len = None;
        for (input, values) in &given {
            let symbol = input.symbol();
            let Some(values) = values else {
                let derivable =
                    *input == Input::Compute && given[0].1.is_some() && given[1].1.is_some();
                if needed.contains(input) && !derivable {
                    return Err(crate::errors::option_error(
                        py,
                        symbol,
                        format!(
                            "the {} law reads {}; give {symbol}=",
                            fitted.family,
                            needed
                                .iter()
                                .map(|i| i.symbol())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                }
                continue;
            };
            if let Some(bad) = values.iter().position(|v| !(v.is_finite() && *v > 0.0)) {
                return Err(crate::errors::option_error(
                    py,
                    symbol,
                    format!(
                        "must be positive and finite; element {bad} is {}",
                        values[bad]
                    ),
                ));
            }
            match len {
                None => len = Some(values.len()),
                Some(l) if l != values.len() => {
                    return Err(crate::errors::option_error(
                        py,
                        symbol,
                        format!(
                            "has {} values where the other inputs have {l}",
                            values.len()
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
        let len = len.unwrap_or(0);
        let k = self.saved.provenance.flops_per_param_token;
        let law = fitted.to_law();
        let at = |values: Option<&[f64]>, i: usize| values.map_or(f64::NAN, |v| v[i]);
        let out: Vec<f64> = (0..len)
            .map(|i| {
                let (n, d) = (at(given[0].1, i), at(given[1].1, i));
                let u = given[2].1.map(|v| v[i]);
                let c = given[3].1.map_or(k * n * d, |v| v[i]);
                law.loss_run(n, d, &Row::of_run(n, d, c, u))
            })
            .collect();
        if let Some(bad) = out.iter().position(|v| !v.is_finite()) {
            return Err(crate::errors::to_pyerr(
                py,
                Error::NotFinite {
                    what: "the predicted loss".to_string(),
                    path: format!("[{bad}]"),
                    value: out[bad],
                },
            ));
        }
        Ok(PyArray1::from_vec(py, out))
    }

    /// A copy of the fit with `n` bootstrap resamples; returns it and notes.
    #[pyo3(signature = (n, seed, resample, threads=None, progress=None))]
    fn bootstrap(
        &self,
        py: Python<'_>,
        n: i64,
        seed: u64,
        resample: &str,
        threads: Option<usize>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<(NativeFit, Vec<String>)> {
        let (threads, mut notes) = self::threads(threads).py_err(py)?;
        let n = usize::try_from(n)
            .map_err(|_| {
                Error::invalid_option(
                    "--bootstrap",
                    format!("needs at least 2 resamples, got {n}"),
                )
            })
            .py_err(py)?;
        let config = BootstrapConfig {
            n_resamples: n,
            seed,
            scheme: ResampleScheme::parse(resample).py_err(py)?,
            ..BootstrapConfig::default()
        };
        let data = self.runs().py_err(py)?;
        let (saved, bootstrap_notes) = run_long(py, None, progress, |ticker| {
            in_pool(threads, || {
                let saved = scaling_laws::commands::bootstrap::bootstrap(
                    &self.saved,
                    &data,
                    &config,
                    ticker,
                )?;
                Ok((saved, ticker.take_notes()))
            })
        })?;
        notes.extend(bootstrap_notes.iter().map(|n| n.text().to_string()));
        Ok((
            NativeFit {
                saved,
                data: Some(data.into_owned()),
                path: self.path.clone(),
                sweep: None,
            },
            notes,
        ))
    }

    /// The converged bootstrap draws in natural units, one row per draw: the law's parameters
    /// (solver order), then a and b when the law has them; None without draws.
    #[allow(clippy::type_complexity)]
    fn draws<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<Option<(Vec<String>, Bound<'py, PyArray2<f64>>)>> {
        let Some(draws) = &self.saved.bootstrap else {
            return Ok(None);
        };
        let family = self.saved.report.fitted.family;
        let mut names: Vec<String> = family
            .params()
            .iter()
            .map(|p| p.natural.to_string())
            .collect();
        let natural = draws.natural();
        let laws = draws.laws();
        let exponents = self.saved.report.fitted.params_exponent.is_some();
        let mut rows: Vec<Vec<f64>> = natural.rows().into_iter().map(|r| r.to_vec()).collect();
        if exponents {
            names.push("a".into());
            names.push("b".into());
            for (row, law) in rows.iter_mut().zip(&laws) {
                row.push(law.params_exponent().unwrap_or(f64::NAN));
                row.push(law.tokens_exponent().unwrap_or(f64::NAN));
            }
        }
        if rows.is_empty() {
            let empty = PyArray2::zeros(py, [0, names.len()], false);
            return Ok(Some((names, empty)));
        }
        let array = PyArray2::from_vec2(py, &rows).map_err(runtime)?;
        Ok(Some((names, array)))
    }

    /// The answers of `scaling-laws optimal` to the questions, with the fit's bootstrap draws
    /// when it has them, planned on the hardware of `decision`: the command's JSON report
    /// (`--format json`), the long table of its answers as columns (question, input,
    /// input_tokens, quantity, estimate, std_error, lower, upper; NaN where a value does not
    /// apply, std_error NaN for heavy-tailed draws), and the notes.
    fn optimal<'py>(
        &self,
        py: Python<'py>,
        questions: QuestionArgs,
        decision: &Bound<'py, PyDict>,
    ) -> PyResult<(String, Bound<'py, PyDict>, Vec<String>)> {
        let (hardware, setup): (HardwareArgs, SetupArgs) =
            (decision.extract()?, decision.extract()?);
        let decision: DecisionArgs = decision.extract()?;
        let hardware = hardware.options().py_err(py)?;
        let request = OptimalRequest {
            source: self.source(),
            questions: questions.options(),
            bootstrap: None,
            setup: setup.setup(hardware.gpus).py_err(py)?,
            hardware,
            budget_units: decision.units(),
            shapes: decision.shapes().py_err(py)?,
            inference_tokens: decision.inference_tokens,
            unique_tokens: decision.unique_tokens,
            out: None,
        };
        let (report, notes) = run_long(py, None, None, |ticker| {
            let report = scaling_laws::commands::optimal::optimal(request, ticker)?;
            Ok((report, ticker.take_notes()))
        })?;
        // The fit's own warnings were issued when it was made; the notes are new.
        let notes = notes
            .into_iter()
            .filter_map(|n| matches!(n, Note::Info(_)).then(|| n.text().to_string()))
            .collect();
        let mut json = Vec::new();
        scaling_laws::report::optimal::render(&report, Format::Json, &mut json).map_err(runtime)?;
        let json = String::from_utf8(json).map_err(runtime)?;
        let rows = scaling_laws::report::optimal::rows(&report.answers);
        let table = PyDict::new(py);
        let column = |f: &dyn Fn(&AnswerRow) -> f64| -> Vec<f64> { rows.iter().map(f).collect() };
        let question: Vec<&str> = rows.iter().map(|r| r.question).collect();
        let quantity: Vec<&str> = rows.iter().map(|r| r.quantity.as_str()).collect();
        let nan = f64::NAN;
        table.set_item("question", question)?;
        table.set_item(
            "input",
            PyArray1::from_vec(py, column(&|r| r.input.first().copied().unwrap_or(nan))),
        )?;
        table.set_item(
            "input_tokens",
            PyArray1::from_vec(py, column(&|r| r.input.get(1).copied().unwrap_or(nan))),
        )?;
        table.set_item("quantity", quantity)?;
        table.set_item(
            "estimate",
            PyArray1::from_vec(py, column(&|r| r.estimate.value)),
        )?;
        let shown_se = |r: &AnswerRow| {
            r.estimate
                .std_error
                .filter(|_| !r.estimate.heavy_tailed)
                .unwrap_or(nan)
        };
        table.set_item("std_error", PyArray1::from_vec(py, column(&shown_se)))?;
        table.set_item(
            "lower",
            PyArray1::from_vec(py, column(&|r| r.estimate.lower.unwrap_or(nan))),
        )?;
        table.set_item(
            "upper",
            PyArray1::from_vec(py, column(&|r| r.estimate.upper.unwrap_or(nan))),
        )?;
        Ok((json, table, notes))
    }
}

/// The options of `Fit.optimal` that turn answers into training runs, named as the flags of
/// `scaling-laws optimal`: the accelerator, a budget in GPU time or money, the training set-up,
/// shapes, inference tokens and unique tokens.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct DecisionArgs {
    days: Option<f64>,
    gpu_hours: Option<f64>,
    dollars: Option<f64>,
    shape: bool,
    vocab: u64,
    seq_len: u64,
    shapes_per_rule: usize,
    tp: u64,
    embeddings: Option<String>,
    inference_tokens: Option<f64>,
    unique_tokens: Option<f64>,
}

impl DecisionArgs {
    fn units(&self) -> BudgetUnits {
        BudgetUnits {
            days: self.days,
            gpu_hours: self.gpu_hours,
            dollars: self.dollars,
        }
    }

    fn shapes(&self) -> Result<Option<ShapeOptions>, Error> {
        self.shape
            .then(|| {
                ShapeOptions::new(
                    self.vocab,
                    self.seq_len,
                    self.shapes_per_rule,
                    self.tp,
                    self.embeddings
                        .as_deref()
                        .map(Embeddings::parse)
                        .transpose()?,
                )
            })
            .transpose()
    }
}

/// The questions of `Fit.optimal`, named as the flags of `scaling-laws optimal`.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct QuestionArgs {
    budget: Vec<f64>,
    budgets: Option<String>,
    per_decade: Option<u32>,
    params: Vec<f64>,
    target_loss: Vec<f64>,
    assess: Vec<(f64, f64)>,
    assess_model: Vec<String>,
    level: f64,
}

impl QuestionArgs {
    fn options(&self) -> QuestionOptions {
        QuestionOptions {
            budget: self.budget.clone(),
            budgets: self.budgets.clone(),
            per_decade: self.per_decade,
            params: self.params.clone(),
            target_loss: self.target_loss.clone(),
            assess: self.assess.clone(),
            assess_model: self.assess_model.clone(),
            level: self.level,
        }
    }
}

/// The request of the library's `fit` for the runs of `dataset`, as `args` fits them.
fn request(
    dataset: &NativeDataset,
    args: &FitArgs,
    holdout: Option<(HoldoutRule, f64)>,
) -> Result<FitRequest, Error> {
    Ok(FitRequest {
        data: DataSource::Rows(dataset.inner.clone()),
        options: args.options()?,
        holdout,
        command_line: None,
        out: None,
    })
}

/// Run the library's `fit` on `threads` workers with the GIL released.
fn fit_with(
    py: Python<'_>,
    request: FitRequest,
    threads: Option<usize>,
    progress: Option<Py<PyAny>>,
) -> PyResult<NativeFit> {
    let fitted = run_long(py, None, progress, |ticker| {
        in_pool(threads, || {
            scaling_laws::commands::fit::fit(&request, ticker)
        })
    })?;
    Ok(NativeFit {
        saved: fitted.fit,
        data: Some(fitted.data),
        path: None,
        sweep: None,
    })
}

/// Fit the runs of `dataset`; returns the fit and notes.
#[pyfunction]
#[pyo3(signature = (dataset, args, progress=None))]
fn fit_runs(
    py: Python<'_>,
    dataset: &NativeDataset,
    args: FitArgs,
    progress: Option<Py<PyAny>>,
) -> PyResult<(NativeFit, Vec<String>)> {
    let (threads, notes) = threads(args.threads).py_err(py)?;
    let request = request(dataset, &args, None).py_err(py)?;
    Ok((fit_with(py, request, threads, progress)?, notes))
}

/// Fit the runs of `dataset` without those `rule` holds out and test the predictions on them,
/// as `scaling-laws fit --holdout`; `rows` are the runs matching the condition of the rule
/// `where`. Returns the fit, with its held-out report, and notes.
#[pyfunction]
#[pyo3(signature = (dataset, args, rule, level, rows=None))]
fn holdout_runs(
    py: Python<'_>,
    dataset: &NativeDataset,
    args: FitArgs,
    rule: Vec<String>,
    level: f64,
    rows: Option<Vec<usize>>,
) -> PyResult<(NativeFit, Vec<String>)> {
    let (threads, notes) = threads(args.threads).py_err(py)?;
    let rule = HoldoutRule::parse(&rule, |_| {
        rows.clone().ok_or_else(|| {
            Error::invalid_option("--holdout", "the rule where needs the matching rows")
        })
    })
    .py_err(py)?
    .ok_or_else(|| {
        crate::errors::option_error(
            py,
            "--holdout",
            "give a rule, e.g. largest-compute 5".into(),
        )
    })?;
    let request = request(dataset, &args, Some((rule, level))).py_err(py)?;
    // No progress callable: the ticker carries Ctrl-C to the fits of every fold.
    Ok((fit_with(py, request, threads, None)?, notes))
}

/// Add the fit functions and class to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeFit>()?;
    m.add_function(wrap_pyfunction!(fit_runs, m)?)?;
    m.add_function(wrap_pyfunction!(holdout_runs, m)?)?;
    let defaults = pyo3::types::PyDict::new(m.py());
    let options = FitOptions::default();
    defaults.set_item("law", options.law.name())?;
    defaults.set_item("max_iters", options.max_iters)?;
    defaults.set_item("subsample_rows", options.subsample_rows)?;
    defaults.set_item("delta", scaling_laws::fit::objective::DEFAULT_HUBER_DELTA)?;
    defaults.set_item("seed", scaling_laws::uncertainty::bootstrap::DEFAULT_SEED)?;
    defaults.set_item("resample", ResampleScheme::default().name())?;
    defaults.set_item("level", scaling_laws::answer::optimal::DEFAULT_LEVEL)?;
    m.add("FIT_DEFAULTS", defaults)?;
    Ok(())
}
