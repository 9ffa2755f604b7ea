//! Renderers for proposed shapes ([`crate::plan::shape`]): a text table and CSV.

use std::io::{self, Write};

use super::optimal::num;
use crate::plan::shape::{Departure, PARAMS_TOLERANCE, ShapeProposal};

/// Rule names joined with `+`.
pub fn rule_names(shape: &ShapeProposal) -> String {
    shape
        .rules
        .iter()
        .map(|r| r.name())
        .collect::<Vec<_>>()
        .join("+")
}

/// Text table of `shapes` for a target of `n_params` parameters, with the sources of the rules.
///
/// # Errors
///
/// Any error of the writer.
pub fn text(n_params: f64, shapes: &[ShapeProposal], w: &mut dyn Write) -> io::Result<()> {
    let Some(first) = shapes.first() else {
        return writeln!(
            w,
            "Shapes for N = {}: none of the rules gives a shape within {}% (the embedding of the \
             narrowest width, or the deepest shape searched, is out of reach)",
            num(n_params),
            PARAMS_TOLERANCE * 100.0
        );
    };
    let a = first.architecture;
    writeln!(
        w,
        "Shapes for N = {} (within {}%; heads divisible by tensor-parallel degree {}; vocabulary {}, sequence {}; appendix-F FLOPs; activations per GPU as planned)",
        num(n_params),
        PARAMS_TOLERANCE * 100.0,
        first.tensor_parallel,
        a.vocab,
        a.seq_len
    )?;
    writeln!(
        w,
        "  {:>4} {:<18} {:>6} {:>7} {:>9} {:>7} {:>6} {:>7} {:>20} {:>14} {:>20} {:>12}",
        "rank",
        "rule",
        "layers",
        "d_model",
        "heads×dim",
        "ffw",
        "gated",
        "emb",
        "parameters (off by)",
        "d/L (rule)",
        "FLOPs/token (/6N)",
        "activations"
    )?;
    for s in shapes {
        let a = s.architecture;
        writeln!(
            w,
            "  {:>4} {:<18} {:>6} {:>7} {:>9} {:>7} {:>6} {:>7} {:>20} {:>14} {:>20} {:>12}",
            s.rank,
            rule_names(s),
            a.layers,
            a.d_model,
            format!("{}×{}", a.heads, a.key_size),
            a.ffw,
            if a.gated_ffw { "yes" } else { "no" },
            a.embeddings.name(),
            format!("{} ({:+.2}%)", num(s.n_params), 100.0 * s.params_error),
            format!("{:.1} ({:.1})", s.aspect_ratio, s.rule_aspect_ratio),
            format!("{} ({:.3})", num(s.flops_per_token), s.flops_over_6n),
            format!("{} GB", num(s.activation_bytes / 1e9)),
        )?;
    }
    departures(shapes, w)?;
    let mut rules: Vec<_> = shapes
        .iter()
        .flat_map(|s| s.rules.iter().copied())
        .collect();
    rules.sort_by_key(|r| r.name());
    rules.dedup();
    for r in rules {
        writeln!(w, "  {:<10} {}", r.name(), r.source())?;
    }
    writeln!(
        w,
        "  ranked by distance from the rule: |ln(d/L ÷ rule's)| + |ln(ffw ÷ rule's)|; counts leave out biases and norms and count the embeddings as the emb column says (tied: V·d, shared with the output layer; untied: 2·V·d)"
    )
}

/// How each shape departs from its rules, one line per departure.
fn departures(shapes: &[ShapeProposal], w: &mut dyn Write) -> io::Result<()> {
    if shapes.iter().all(|s| s.departures.is_empty()) {
        return writeln!(
            w,
            "  every shape follows its rule (up to a whole number of layers and a width in steps of 128)"
        );
    }
    writeln!(w, "  departures from the rule:")?;
    for s in shapes {
        for d in &s.departures {
            writeln!(
                w,
                "    rank {} {}: {}",
                s.rank,
                d.rule().name(),
                d.describe(&s.architecture)
            )?;
        }
    }
    Ok(())
}

/// The departures of `shape` in one CSV cell: `rule:kind:value` joined by `;`.
fn departure_codes(shape: &ShapeProposal) -> String {
    shape
        .departures
        .iter()
        .map(|d| match d {
            Departure::Width {
                rule,
                rule_d_model,
                tensor_parallel,
                ..
            } => format!(
                "{}:d_model:{rule_d_model}{}",
                rule.name(),
                if tensor_parallel.is_some() { ":tp" } else { "" }
            ),
            Departure::Ffw { rule, relative, .. } => format!("{}:ffw:{relative:+.4}", rule.name()),
            Departure::Embeddings {
                rule,
                rule_embeddings,
            } => format!("{}:embeddings:{}", rule.name(), rule_embeddings.name()),
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// CSV: one row per shape.
///
/// # Errors
///
/// Any error of the writer.
pub fn csv(shapes: &[ShapeProposal], w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        "rank,rules,layers,d_model,heads,head_dim,ffw,gated_ffw,embeddings,vocab,seq_len,tensor_parallel,n_params,params_error,aspect_ratio,rule_aspect_ratio,ffw_ratio,score,flops_per_token,flops_over_6n,activation_bytes,departures"
    )?;
    for s in shapes {
        let a = s.architecture;
        writeln!(
            w,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            s.rank,
            rule_names(s),
            a.layers,
            a.d_model,
            a.heads,
            a.key_size,
            a.ffw,
            a.gated_ffw,
            a.embeddings.name(),
            a.vocab,
            a.seq_len,
            s.tensor_parallel,
            s.n_params,
            s.params_error,
            s.aspect_ratio,
            s.rule_aspect_ratio,
            s.ffw_ratio,
            s.score,
            s.flops_per_token,
            s.flops_over_6n,
            s.activation_bytes,
            departure_codes(s)
        )?;
    }
    Ok(())
}
