//! Row filters: which runs of a table take part in the fit.
//!
//! A condition is `COLUMN OP VALUE` with `OP` one of `<`, `<=`, `>`, `>=`, `=` (or `==`), `!=`.
//! `COLUMN` is a column of the file (matched like role names, see [`super::roles`]) or one of
//! the role letters `N`, `D`, `C`, `L`, which mean the values used in the fit (D derived from
//! compute when the file has no tokens column). Numbers compare numerically; other values
//! compare as text and only with `=` and `!=`. Empty cells never satisfy a condition.
//!
//! Conditions on file columns are applied first, so they can exclude rows whose N, D, C or L
//! would not validate; conditions on role letters next; the `drop_highest_loss` rule last. The
//! Epoch AI replication of Chinchilla (Besiroglu et al. 2024) drops the 5 highest-loss runs:
//! `drop_highest_loss = 5`.

use serde::{Deserialize, Serialize};

use super::roles::Role;
use super::table::Values;
use crate::error::Error;

/// Comparison operator of a [`Condition`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `=` or `==`
    Eq,
    /// `!=`
    Ne,
}

impl Op {
    fn symbol(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Eq => "=",
            Op::Ne => "!=",
        }
    }

    fn holds(self, ord: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            Op::Lt => ord == Less,
            Op::Le => ord != Greater,
            Op::Gt => ord == Greater,
            Op::Ge => ord != Less,
            Op::Eq => ord == Equal,
            Op::Ne => ord != Equal,
        }
    }
}

/// What a condition compares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// A column of the file, by name.
    Column(String),
    /// A value used in the fit.
    Role(Role),
}

/// One filter condition, e.g. `loss < 3.4` or `decay = chinchilla`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    /// Left-hand side.
    pub subject: Subject,
    /// Operator.
    pub op: Op,
    /// Right-hand side as written.
    pub value: String,
}

impl std::fmt::Display for Condition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let lhs = match &self.subject {
            Subject::Column(c) => c.clone(),
            Subject::Role(r) => role_letter(*r).to_string(),
        };
        write!(f, "{lhs} {} {}", self.op.symbol(), self.value)
    }
}

fn role_letter(role: Role) -> &'static str {
    match role {
        Role::Params => "N",
        Role::Tokens => "D",
        Role::Flops => "C",
        Role::Loss => "L",
        Role::Budget => "budget",
    }
}

impl Condition {
    /// Parse `COLUMN OP VALUE`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `flag` when there is no operator, column or value.
    pub fn parse(text: &str, flag: &str) -> Result<Condition, Error> {
        let bad = |m: &str| {
            Error::invalid_option(
                flag,
                format!(
                    "'{text}': {m}; write COLUMN OP VALUE with OP one of < <= > >= = != (e.g. 'loss < 3.4')"
                ),
            )
        };
        let pos = text
            .find(['<', '>', '=', '!'])
            .ok_or_else(|| bad("no operator"))?;
        let (lhs, rest) = text.split_at(pos);
        let (op, value) = [
            ("<=", Op::Le),
            (">=", Op::Ge),
            ("!=", Op::Ne),
            ("==", Op::Eq),
            ("<", Op::Lt),
            (">", Op::Gt),
            ("=", Op::Eq),
        ]
        .iter()
        .find_map(|(sym, op)| rest.strip_prefix(sym).map(|v| (*op, v)))
        .ok_or_else(|| bad("unknown operator"))?;
        let lhs = lhs.trim();
        let value = value
            .trim()
            .trim_matches(|c| c == '\'' || c == '"')
            .to_string();
        if lhs.is_empty() {
            return Err(bad("no column"));
        }
        if value.is_empty() {
            return Err(bad("no value"));
        }
        let subject = match lhs {
            "N" => Subject::Role(Role::Params),
            "D" => Subject::Role(Role::Tokens),
            "C" => Subject::Role(Role::Flops),
            "L" => Subject::Role(Role::Loss),
            other => Subject::Column(other.to_string()),
        };
        if value.parse::<f64>().is_err() && !matches!(op, Op::Eq | Op::Ne) {
            return Err(bad(
                "only = and != compare text; use a number with < <= > >=",
            ));
        }
        Ok(Condition { subject, op, value })
    }

    /// Whether a numeric cell satisfies the condition.
    pub fn holds_number(&self, x: f64) -> bool {
        match self.value.parse::<f64>() {
            Ok(v) => x.partial_cmp(&v).is_some_and(|ord| self.op.holds(ord)),
            Err(_) => matches!(self.op, Op::Ne),
        }
    }

    /// Whether a text cell satisfies the condition (numerically when both sides are numbers).
    pub fn holds_text(&self, cell: &str) -> bool {
        let cell = cell.trim();
        match (cell.parse::<f64>(), self.value.parse::<f64>()) {
            (Ok(x), Ok(_)) => self.holds_number(x),
            _ => self.op.holds(cell.cmp(self.value.as_str())),
        }
    }

    /// Evaluate on one cell of a table column; empty cells never match.
    pub fn holds_cell(&self, values: &Values, row: usize) -> bool {
        match values {
            Values::Float(v) => v[row].is_some_and(|x| self.holds_number(x)),
            Values::Text(v) => v
                .get(row)
                .is_some_and(|c| !c.trim().is_empty() && self.holds_text(c)),
        }
    }
}

/// All filters of a load.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RowFilter {
    /// Conditions every kept row satisfies.
    pub conditions: Vec<Condition>,
    /// After the conditions, drop this many runs with the highest loss.
    pub drop_highest_loss: usize,
}

impl RowFilter {
    /// True when the filter keeps every row.
    pub fn is_empty(&self) -> bool {
        self.conditions.is_empty() && self.drop_highest_loss == 0
    }

    /// Human-readable summary, e.g. `decay = chinchilla; drop the 5 highest-loss runs`.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = self.conditions.iter().map(|c| c.to_string()).collect();
        if self.drop_highest_loss > 0 {
            parts.push(format!(
                "drop the {} highest-loss runs",
                self.drop_highest_loss
            ));
        }
        if parts.is_empty() {
            "none".to_string()
        } else {
            parts.join("; ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_operators_and_subjects() {
        let c = Condition::parse("loss<=3.4", "--where").unwrap();
        assert_eq!((c.op, c.value.as_str()), (Op::Le, "3.4"));
        assert_eq!(c.subject, Subject::Column("loss".into()));
        let c = Condition::parse(" N > 1e8 ", "--where").unwrap();
        assert_eq!(c.subject, Subject::Role(Role::Params));
        let c = Condition::parse("decay = 'chinchilla'", "--where").unwrap();
        assert!(c.holds_text("chinchilla") && !c.holds_text("kaplan"));
        assert!(Condition::parse("loss 3", "--where").is_err());
        assert!(Condition::parse("decay < cosine", "--where").is_err());
        assert!(Condition::parse("= 3", "--where").is_err());
    }

    #[test]
    fn compares_numbers_numerically_and_skips_empty_cells() {
        let c = Condition::parse("x >= 10", "--where").unwrap();
        let cells = Values::Text(
            [Some("9"), Some("1e1"), None, Some(" ")]
                .into_iter()
                .collect(),
        );
        let kept: Vec<bool> = (0..4).map(|r| c.holds_cell(&cells, r)).collect();
        assert_eq!(kept, vec![false, true, false, false]);
    }
}
