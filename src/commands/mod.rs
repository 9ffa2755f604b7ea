//! One library call per command: a typed request in, one report out.
//!
//! Each command of the command line is a function here that takes a request (where the runs
//! or the fit come from, and options as typed values) and returns a plain report struct. It
//! resolves the options once, checks them before any long work (an output that would replace an
//! input is refused first), runs the pipeline, checks that every number of the result is finite,
//! and saves a fit when asked (other files, such as the runs of `design`, are written by the
//! front end with the report's renderer, to a destination the command checked before any
//! work). The command line and the Python package only translate their arguments into the
//! request and render the report, so both give the same numbers.
//!
//! Long work reports through a [`Progress`]: [`Progress::begin`] before each stage (a fit, a
//! bootstrap), [`Progress::done`] per unit, and [`Progress::note`] for each warning or note as
//! soon as it is known. Stopping it returns [`Error::Stopped`].
//!
//! - [`fit`]: fit a law to a table of runs, optionally holding some out (`scaling-laws fit`).
//! - [`select`]: laws compared by how well they predict held-out runs (`scaling-laws select`).
//! - [`isoflop`], [`envelope`], [`compare`]: Approaches 2 and 1 of Hoffmann et al., and the
//!   three approaches side by side (`scaling-laws isoflop`, `envelope`, `compare`).
//! - [`plan`], [`design`], [`suggest`]: what training a model takes, the runs of a sweep, and
//!   the next runs to train (`scaling-laws plan`, `design`, `suggest`).
//! - [`simulate`]: a synthetic sweep from a known law (`scaling-laws simulate`).
//! - [`plot`], [`chinchilla`]: the figures of a fit, and the Chinchilla paper's from its
//!   published points (`scaling-laws plot`, `chinchilla`).
//! - [`curve`], [`curve_schedule`], [`curve_plot`]: training-curve laws fitted to every
//!   checkpoint, their predictions, the best schedule and the figures (`scaling-laws curve`).
//! - [`bootstrap`]: a fit's bootstrap draws (`--bootstrap` of several commands).
//! - [`optimal`]: the allocation questions, with budgets in hardware units, the plans and
//!   shapes of the answers, inference-aware sizes and unique-token limits
//!   (`scaling-laws optimal`).
//! - [`sweep_law`], [`sweep_file`]: a joint curve fit (its file) as a law of N and D, which
//!   `optimal` answers from (`scaling-laws optimal --fit CURVE.json`, `curve fit --budget`).

pub mod bootstrap;
pub mod chinchilla;
pub mod compare;
pub mod curve;
pub mod curve_plot;
pub mod curve_schedule;
pub mod design;
pub mod envelope;
pub mod fit;
pub mod isoflop;
pub mod optimal;
pub mod plan;
pub mod plot;
pub mod select;
pub mod simulate;
pub mod suggest;
pub mod sweep_file;
pub mod sweep_law;
pub mod task;

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use crate::data::{Dataset, LoadOptions};
use crate::error::Error;
use crate::fit::options::FitOptions;
use crate::output::Inputs;
use crate::progress::Progress;
use crate::saved::SavedFit;

/// Where a table of runs comes from.
// Built once per command: the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum DataSource {
    /// A file (`-` for CSV on standard input), read with these options.
    Path {
        /// The path as given.
        input: String,
        /// Columns, row filters and units.
        load: LoadOptions,
    },
    /// Runs already in memory (a data frame handed over by Python).
    Rows(Dataset),
}

impl DataSource {
    /// The runs.
    ///
    /// # Errors
    ///
    /// As [`crate::data::load`].
    pub fn load(&self) -> Result<Cow<'_, Dataset>, Error> {
        match self {
            DataSource::Path { input, load } => Ok(Cow::Owned(crate::data::load(input, load)?)),
            DataSource::Rows(data) => Ok(Cow::Borrowed(data)),
        }
    }

    /// The files this source reads, for the check that an output does not replace one.
    pub fn inputs(&self) -> Inputs {
        match self {
            DataSource::Path { input, .. } => Inputs::new().with(input, "the input file"),
            DataSource::Rows(_) => Inputs::new(),
        }
    }
}

/// Where a command writes: a file, or a folder of files with these names. Checked before any
/// work: it must not replace an input (a data file, a fit file or the data behind it).
#[derive(Debug, Clone, Copy)]
pub enum Destination<'a> {
    /// One file.
    File(&'a Path),
    /// A folder that will hold files of these names.
    Folder(&'a Path, &'a [String]),
}

impl Destination<'_> {
    /// Refuse the destination when it would replace one of `inputs` (or cannot be written).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `--out`.
    pub fn check(self, inputs: &Inputs) -> Result<(), Error> {
        match self {
            Destination::File(path) => crate::output::check_output("--out", path, inputs),
            Destination::Folder(path, names) => {
                crate::output::check_output_folder("--out", path, names, inputs)
            }
        }
    }
}

/// Where the fit a command answers from comes from.
#[derive(Debug, Clone)]
pub enum FitSource {
    /// Fit a table of runs now.
    Data {
        /// The runs.
        data: DataSource,
        /// How to fit them.
        options: FitOptions,
        /// The command line, kept in the fit's provenance.
        command_line: Option<String>,
    },
    /// A fit file saved by `fit --out` (its runs reloaded from its provenance when needed).
    Saved(PathBuf),
    /// The law of N and D of a joint curve fit (`curve fit --law joint --out`): the law at
    /// the ends of runs of the sweep's schedule shape, with its replicates' laws as draws. It
    /// has no table of runs.
    Sweep(Box<sweep_law::SweepFit>),
    /// A fit in memory, with its runs when at hand, and the file it was read from.
    Fitted {
        /// The fit.
        fit: Box<SavedFit>,
        /// The runs it was fitted to.
        data: Option<Dataset>,
        /// The fit file it came from, whose provenance can reload the runs.
        path: Option<PathBuf>,
    },
}

/// A fit ready for the questions: the fit, its runs when at hand, and the fit file it came from.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The fit.
    pub fit: SavedFit,
    /// The runs fitted, when at hand (fitted now, or kept in memory).
    pub data: Option<Dataset>,
    /// The fit file it was read from.
    pub path: Option<PathBuf>,
    /// Where the law came from when it is a joint curve fit's law of N and D.
    pub sweep: Option<sweep_law::SweepOrigin>,
}

impl Resolved {
    /// The runs fitted: those at hand, or those the fit file's provenance reloads.
    ///
    /// # Errors
    ///
    /// [`Error::FitFile`] when the runs cannot be reloaded; [`Error::InvalidOption`] naming
    /// `--fit` when the fit came neither with its runs nor from a file.
    pub fn runs(&self) -> Result<Cow<'_, Dataset>, Error> {
        if let Some(d) = &self.data {
            return Ok(Cow::Borrowed(d));
        }
        if let Some(origin) = &self.sweep {
            return Err(Error::invalid_option(
                "--fit",
                format!(
                    "{} is a joint curve fit: its law of N and D has no table of runs (N, D, \
                     loss) to refit or to check against; give the table of runs' final losses \
                     instead, or answer from the curve fit's own bootstrap",
                    origin.file
                ),
            ));
        }
        match &self.path {
            Some(path) => Ok(Cow::Owned(self.fit.reload_data(path)?)),
            None => Err(Error::invalid_option(
                "--fit",
                "this fit was read from JSON text and does not have its runs; read it from a \
                 fit file whose data file is at hand, or fit the data",
            )),
        }
    }

    /// The files behind this fit, for the check that an output does not replace one.
    fn inputs(&self) -> Inputs {
        match &self.path {
            Some(path) => Inputs::new().with_saved_fit(path, &self.fit.provenance.source.path),
            None => Inputs::new(),
        }
    }
}

impl FitSource {
    /// This source, with a saved fit that is a joint curve fit (`curve fit --law joint
    /// --out`) read as its law of N and D ([`sweep_file`]); for the commands that answer from
    /// such a law (`optimal`).
    ///
    /// # Errors
    ///
    /// As [`sweep_file::read`].
    pub fn reading_curve_fits(self) -> Result<FitSource, Error> {
        match self {
            FitSource::Saved(path) => Ok(match sweep_file::read(&path)? {
                Some(sweep) => FitSource::Sweep(Box::new(sweep)),
                None => FitSource::Saved(path),
            }),
            other => Ok(other),
        }
    }

    /// The fit: fitted now, read from its file, or as given. An output `out` that would
    /// replace an input (the data, a fit file or the data behind it) is refused before any
    /// fitting.
    ///
    /// # Errors
    ///
    /// As [`fit::fit`] and [`SavedFit::load`], or [`Error::InvalidOption`] naming `--out`.
    pub fn resolve(self, out: Option<&Path>, progress: &dyn Progress) -> Result<Resolved, Error> {
        self.resolve_to(out.map(Destination::File), progress)
    }

    /// [`FitSource::resolve`] for a command that writes to `destination`, a file or a folder.
    ///
    /// # Errors
    ///
    /// As [`FitSource::resolve`].
    pub fn resolve_to(
        self,
        destination: Option<Destination<'_>>,
        progress: &dyn Progress,
    ) -> Result<Resolved, Error> {
        let resolved = match self {
            FitSource::Data {
                data,
                options,
                command_line,
            } => {
                let fitted = fit::fit_runs(&data, &options, command_line, destination, progress)?;
                Resolved {
                    fit: fitted.fit,
                    data: Some(fitted.data),
                    path: None,
                    sweep: None,
                }
            }
            FitSource::Saved(path) => Resolved {
                fit: SavedFit::load(&path)?,
                data: None,
                path: Some(path),
                sweep: None,
            },
            FitSource::Sweep(sweep) => Resolved {
                fit: sweep.fit,
                data: None,
                path: None,
                sweep: Some(sweep.origin),
            },
            FitSource::Fitted { fit, data, path } => Resolved {
                fit: *fit,
                data,
                path,
                sweep: None,
            },
        };
        if let Some(destination) = destination {
            destination.check(&resolved.inputs())?;
        }
        Ok(resolved)
    }
}
