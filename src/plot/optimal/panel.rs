//! What a panel of [`super::optimal_vs_compute`] shows, computed before drawing.

use crate::answer::allocation::{Allocator, ComputeOptimal};
use crate::plan::KnownModel;
use crate::plot::axes::LogAxis;
use crate::plot::labels::PointLabel;
use crate::plot::paper::published::projections;
use crate::plot::style::{format_exponent, format_number};
use crate::uncertainty::estimate;

/// Compute values at which the lines and bands are evaluated.
const SAMPLES: usize = 80;

/// Which side of the allocation a panel shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Quantity {
    Params,
    Tokens,
}

impl Quantity {
    fn of(self, optimum: &ComputeOptimal) -> f64 {
        match self {
            Quantity::Params => optimum.n_params,
            Quantity::Tokens => optimum.n_tokens,
        }
    }

    fn of_model(self, model: &KnownModel) -> Option<f64> {
        match self {
            Quantity::Params => Some(model.params),
            Quantity::Tokens => model.tokens,
        }
    }

    /// The exponent of this quantity given the parameters' exponent `a`, and its symbol.
    fn exponent(self, a: f64) -> (f64, &'static str) {
        match self {
            Quantity::Params => (a, "a"),
            Quantity::Tokens => (1.0 - a, "b"),
        }
    }

    pub(super) fn caption(self) -> &'static str {
        match self {
            Quantity::Params => "Optimal model size N*(C)",
            Quantity::Tokens => "Optimal training tokens D*(C)",
        }
    }

    pub(super) fn y_desc(self) -> &'static str {
        match self {
            Quantity::Params => "Parameters N",
            Quantity::Tokens => "Tokens D",
        }
    }
}

/// What both panels are computed from.
pub(super) struct PanelInputs<'a> {
    pub allocator: &'a Allocator,
    pub resampled: Option<&'a [Allocator]>,
    pub level: f64,
    pub compute_axis: &'a LogAxis,
    pub models: &'a [KnownModel],
}

/// A band as (compute, lower, upper) at each compute value.
pub(super) type Band = Vec<(f64, f64, f64)>;

/// One panel's lines, band and points, with their legend labels.
pub(super) struct Panel {
    pub quantity: Quantity,
    pub fit: (String, Vec<(f64, f64)>),
    pub band: Option<(String, Band)>,
    pub references: Vec<(String, Vec<(f64, f64)>)>,
    pub models: Vec<PointLabel>,
    pub y_axis: LogAxis,
}

impl Panel {
    pub(super) fn new(quantity: Quantity, inputs: &PanelInputs) -> Panel {
        let grid = inputs.compute_axis.samples(SAMPLES);
        let value = |c: f64| quantity.of(&inputs.allocator.optimal_for_compute(c));
        let fit_line: Vec<(f64, f64)> = grid.iter().map(|&c| (c, value(c))).collect();
        let law = inputs.allocator.law();
        let label = match law.params_exponent() {
            Some(a) => {
                let (exponent, symbol) = quantity.exponent(a);
                format!("ours ({symbol} = {})", format_exponent(exponent))
            }
            None => format!("ours ({} law)", law.family()),
        };
        let fit = (label, fit_line);
        let band = inputs.resampled.map(|allocators| {
            let label = format!(
                "{}% interval ({} draws)",
                format_number(100.0 * inputs.level),
                allocators.len()
            );
            (label, band(quantity, inputs, allocators, &grid))
        });
        // Each published projection as published: its own slope and intercept.
        let references = projections()
            .into_iter()
            .map(|p| {
                let (e, _) = quantity.exponent(p.a);
                let line = grid.iter().map(|&c| match quantity {
                    Quantity::Params => (c, p.n_params(c)),
                    Quantity::Tokens => (c, p.n_tokens(c)),
                });
                (format!("{} ({e:.2})", p.name), line.collect())
            })
            .collect();
        let models = model_points(quantity, inputs);
        let mut panel = Panel {
            quantity,
            fit,
            band,
            references,
            models,
            y_axis: LogAxis::between(1.0, 10.0),
        };
        panel.y_axis = panel.covering_axis();
        panel
    }

    /// A log axis covering everything the panel draws.
    fn covering_axis(&self) -> LogAxis {
        let lines = std::iter::once(&self.fit.1).chain(self.references.iter().map(|r| &r.1));
        let mut values: Vec<f64> = lines.flat_map(|l| l.iter().map(|p| p.1)).collect();
        if let Some((_, band)) = &self.band {
            values.extend(band.iter().flat_map(|b| [b.1, b.2]));
        }
        values.extend(self.models.iter().map(|m| m.at.1));
        LogAxis::covering(values, 0.1).unwrap_or_else(|| LogAxis::between(1.0, 10.0))
    }
}

/// The percentile interval of the quantity over the draws at each compute value in `grid`.
fn band(
    quantity: Quantity,
    inputs: &PanelInputs,
    allocators: &[Allocator],
    grid: &[f64],
) -> Vec<(f64, f64, f64)> {
    grid.iter()
        .filter_map(|&c| {
            let point = quantity.of(&inputs.allocator.optimal_for_compute(c));
            let draws: Vec<f64> = (allocators.iter())
                .map(|a| quantity.of(&a.optimal_for_compute(c)))
                .collect();
            let e = estimate(point, &draws, inputs.level);
            Some((c, e.lower?, e.upper?)).filter(|b| b.1 > 0.0 && b.2 > 0.0)
        })
        .collect()
}

/// Models with a token count whose compute `k·N·D` lies on the axis.
fn model_points(quantity: Quantity, inputs: &PanelInputs) -> Vec<PointLabel> {
    let k = inputs.allocator.flops_per_param_token();
    let axis = inputs.compute_axis;
    let positive = |v: f64| v.is_finite() && v > 0.0;
    (inputs.models.iter())
        .filter_map(|m| {
            let tokens = m.tokens.filter(|t| positive(*t))?;
            let compute = k * m.params * tokens;
            let value = quantity.of_model(m)?;
            (positive(compute) && positive(value) && (axis.lo..=axis.hi).contains(&compute)).then(
                || PointLabel {
                    at: (compute, value),
                    text: display_name(m),
                },
            )
        })
        .collect()
}

/// Legend text of the known models.
pub(super) const MODELS_LABEL: &str = "models (C = k·N·D)";

/// Families of the catalogue as their papers name them.
const FAMILY_NAMES: [(&str, &str); 9] = [
    ("gpt-3", "GPT-3"),
    ("gopher", "Gopher"),
    ("chinchilla", "Chinchilla"),
    ("mt-nlg", "MT-NLG"),
    ("palm", "PaLM"),
    ("llama-65b", "LLaMA"),
    ("llama-2-", "Llama 2"),
    ("llama-3-", "Llama 3"),
    ("llama-3.1-", "Llama 3.1"),
];

/// A model as a figure names it: family and size, `GPT-3 175B`, `Llama 2 70B`; the
/// catalogue name with its size for a family not listed.
pub(crate) fn display_name(model: &KnownModel) -> String {
    let billions = model.params / 1e9;
    let size = if billions >= 10.0 {
        format!("{billions:.0}B")
    } else if billions >= 1.0 {
        format!("{billions:.1}B")
    } else {
        format!("{:.0}M", model.params / 1e6)
    };
    match FAMILY_NAMES
        .iter()
        .find(|(prefix, _)| model.name.starts_with(prefix))
    {
        Some((_, family)) => format!("{family} {size}"),
        None if model
            .name
            .to_ascii_lowercase()
            .ends_with(&size.to_ascii_lowercase()) =>
        {
            model.name.clone()
        }
        None => format!("{} {size}", model.name),
    }
}

/// The model marked apart: Megatron-Turing NLG, the largest dense model of the paper's
/// Figure 1.
pub(super) fn is_marked(name: &str) -> bool {
    name.starts_with("MT-NLG")
}
