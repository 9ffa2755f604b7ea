//! Row filters: which runs of a table take part in the fit.
//!
//! A condition is one or more clauses joined by `or`; a row is kept when any clause holds, and
//! repeated conditions (`--where` given twice) must all hold. A clause is one of
//!
//! ```text
//! COLUMN OP VALUE          OP: < <= > >= = (or ==) !=        loss < 3.4, decay = chinchilla
//! COLUMN ~ TEXT            the cell contains TEXT (any case)  name ~ 410m
//! COLUMN !~ TEXT           the cell does not contain TEXT
//! COLUMN in (V1, V2, ...)  the cell equals one of the values  optimizer in (adam, adamw)
//! ```
//!
//! `COLUMN` is a column of the file (matched like role names, see [`super::roles`]) or one of
//! the role letters `N`, `D`, `C`, `L`, which mean the values used in the fit (D derived from
//! compute when the file has no tokens column). Numbers compare numerically; other values
//! compare as text, and only with `=`, `!=`, `~`, `!~` and `in`. Values may be quoted with `'`
//! or `"` (needed when they contain ` or `, commas or parentheses). Empty cells never satisfy a
//! clause. The clauses of one condition are all on file columns or all on role letters.
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
    /// `~`: the cell contains the value, ignoring case.
    Contains,
    /// `!~`: the cell does not contain the value, ignoring case.
    NotContains,
    /// `in (…)`: the cell equals one of [`Condition::values`].
    In,
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
            Op::Contains => "~",
            Op::NotContains => "!~",
            Op::In => "in",
        }
    }

    fn holds(self, ord: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            Op::Lt => ord == Less,
            Op::Le => ord != Greater,
            Op::Gt => ord == Greater,
            Op::Ge => ord != Less,
            Op::Eq | Op::In => ord == Equal,
            Op::Ne => ord != Equal,
            Op::Contains | Op::NotContains => false,
        }
    }

    /// Whether the operator compares text (not only numbers).
    fn takes_text(self) -> bool {
        matches!(
            self,
            Op::Eq | Op::Ne | Op::Contains | Op::NotContains | Op::In
        )
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

/// One filter condition, e.g. `loss < 3.4`, `decay = chinchilla or decay = cosine`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    /// Left-hand side.
    pub subject: Subject,
    /// Operator.
    pub op: Op,
    /// Right-hand side as written (for `in`, the values joined by `, `).
    pub value: String,
    /// The values of `in (…)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// Further clauses joined by `or`: the condition holds when this clause or any of them does.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub or: Vec<Condition>,
}

impl std::fmt::Display for Condition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, clause) in self.clauses().enumerate() {
            if i > 0 {
                write!(f, " or ")?;
            }
            let lhs = match &clause.subject {
                Subject::Column(c) => c.clone(),
                Subject::Role(r) => role_letter(*r).to_string(),
            };
            match clause.op {
                Op::In => write!(f, "{lhs} in ({})", clause.value)?,
                op => write!(f, "{lhs} {} {}", op.symbol(), clause.value)?,
            }
        }
        Ok(())
    }
}

fn role_letter(role: Role) -> &'static str {
    match role {
        Role::Params => "N",
        Role::Tokens => "D",
        Role::Flops => "C",
        Role::Loss => "L",
        Role::Budget => "budget",
        Role::UniqueTokens => "U",
    }
}

/// `text` cut at each whitespace-delimited `sep` (a lower-case word) outside quotes.
fn split_word(text: &str, sep: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let sep: Vec<char> = sep.chars().collect();
    let mut parts = vec![String::new()];
    let mut quote: Option<char> = None;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None => {
                let end = i + 1 + sep.len();
                let is_sep = c.is_whitespace()
                    && end <= chars.len()
                    && chars[i + 1..end]
                        .iter()
                        .zip(&sep)
                        .all(|(a, b)| a.to_ascii_lowercase() == *b)
                    && chars
                        .get(end)
                        .is_none_or(|&next| next.is_whitespace() || next == '(');
                if is_sep {
                    parts.push(String::new());
                    i = end;
                    continue;
                }
            }
        }
        if let Some(part) = parts.last_mut() {
            part.push(c);
        }
        i += 1;
    }
    parts
}

fn unquote(value: &str) -> String {
    value
        .trim()
        .trim_matches(|c| c == '\'' || c == '"')
        .to_string()
}

/// Items of `(a, b, 'c, d')`: split at commas outside quotes.
fn list_items(inner: &str) -> Vec<String> {
    let mut items = vec![String::new()];
    let mut quote: Option<char> = None;
    for c in inner.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == ',' => {
                items.push(String::new());
                continue;
            }
            _ => {}
        }
        if let Some(item) = items.last_mut() {
            item.push(c);
        }
    }
    items.iter().map(|i| unquote(i)).collect()
}

impl Condition {
    /// Parse `CLAUSE [or CLAUSE ...]` (see the module documentation).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidOption`] naming `flag` when a clause has no operator, column or value,
    /// compares text with `<`-like operators, or mixes file columns and role letters.
    pub fn parse(text: &str, flag: &str) -> Result<Condition, Error> {
        let mut clauses = split_word(text, "or")
            .iter()
            .map(|clause| Condition::parse_clause(clause, text, flag))
            .collect::<Result<Vec<_>, _>>()?;
        let first = clauses.remove(0);
        let is_role = |c: &Condition| matches!(c.subject, Subject::Role(_));
        if clauses.iter().any(|c| is_role(c) != is_role(&first)) {
            return Err(Error::invalid_option(
                flag,
                format!(
                    "'{}' joins a file column and one of N, D, C, L with 'or'; name the \
                     file's column instead of the letter",
                    crate::error::shorten(text)
                ),
            ));
        }
        Ok(Condition {
            or: clauses,
            ..first
        })
    }

    fn parse_clause(clause: &str, whole: &str, flag: &str) -> Result<Condition, Error> {
        let bad = |m: &str| {
            Error::invalid_option(
                flag,
                format!(
                    "'{}': {m}; write COLUMN OP VALUE with OP one of < <= > >= = != ~ !~, \
                     or COLUMN in (V1, V2), joined by 'or' (e.g. 'loss < 3.4', \
                     'decay = chinchilla or decay = cosine', 'optimizer in (adam, adamw)')",
                    crate::error::shorten(whole)
                ),
            )
        };
        let (lhs, op, value, values) = match split_word(clause, "in").as_slice() {
            [lhs, list] if !lhs.contains(['<', '>', '=', '!', '~']) => {
                let inner = list
                    .trim()
                    .strip_prefix('(')
                    .and_then(|l| l.strip_suffix(')'))
                    .ok_or_else(|| bad("write the values of 'in' in parentheses"))?;
                let values = list_items(inner);
                if values.iter().any(String::is_empty) {
                    return Err(bad("an empty value in the list of 'in'"));
                }
                (lhs.clone(), Op::In, values.join(", "), values)
            }
            _ => {
                let pos = clause
                    .find(['<', '>', '=', '!', '~'])
                    .ok_or_else(|| bad("no operator"))?;
                let (lhs, rest) = clause.split_at(pos);
                let (op, value) = [
                    ("<=", Op::Le),
                    (">=", Op::Ge),
                    ("!=", Op::Ne),
                    ("!~", Op::NotContains),
                    ("==", Op::Eq),
                    ("<", Op::Lt),
                    (">", Op::Gt),
                    ("=", Op::Eq),
                    ("~", Op::Contains),
                ]
                .iter()
                .find_map(|(sym, op)| rest.strip_prefix(sym).map(|v| (*op, v)))
                .ok_or_else(|| bad("unknown operator"))?;
                (lhs.to_string(), op, unquote(value), Vec::new())
            }
        };
        let lhs = lhs.trim();
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
        let numbers = if values.is_empty() {
            std::slice::from_ref(&value)
        } else {
            values.as_slice()
        };
        let all_numbers = numbers.iter().all(|v| v.parse::<f64>().is_ok());
        if !all_numbers && !op.takes_text() {
            return Err(bad(
                "only =, !=, ~, !~ and in compare text; use a number with < <= > >=",
            ));
        }
        if matches!(subject, Subject::Role(_)) && matches!(op, Op::Contains | Op::NotContains) {
            return Err(bad("N, D, C and L are numbers; ~ and !~ compare text"));
        }
        if matches!(subject, Subject::Role(_)) && !all_numbers {
            return Err(bad("N, D, C and L are numbers; compare them with numbers"));
        }
        Ok(Condition {
            subject,
            op,
            value,
            values,
            or: Vec::new(),
        })
    }

    /// This clause and those joined to it by `or`.
    pub fn clauses(&self) -> impl Iterator<Item = &Condition> {
        std::iter::once(self).chain(self.or.iter())
    }

    /// Whether a number satisfies this clause (not those joined by `or`).
    pub fn holds_number(&self, x: f64) -> bool {
        match self.op {
            Op::In => self
                .values
                .iter()
                .any(|v| v.parse::<f64>().is_ok_and(|v| v == x)),
            Op::Contains | Op::NotContains => self.holds_text(&x.to_string()),
            op => match self.value.parse::<f64>() {
                Ok(v) => x.partial_cmp(&v).is_some_and(|ord| op.holds(ord)),
                Err(_) => matches!(op, Op::Ne),
            },
        }
    }

    /// Whether a text cell satisfies this clause (numerically when both sides are numbers).
    pub fn holds_text(&self, cell: &str) -> bool {
        let cell = cell.trim();
        let equal = |value: &str| match (cell.parse::<f64>(), value.parse::<f64>()) {
            (Ok(x), Ok(v)) => x == v,
            _ => cell == value,
        };
        match self.op {
            Op::Contains => contains_ignoring_case(cell, &self.value),
            Op::NotContains => !contains_ignoring_case(cell, &self.value),
            Op::In => self.values.iter().any(|v| equal(v)),
            op => match (cell.parse::<f64>(), self.value.parse::<f64>()) {
                (Ok(x), Ok(_)) => self.holds_number(x),
                _ => op.holds(cell.cmp(self.value.as_str())),
            },
        }
    }

    /// Evaluate this clause (not those joined by `or`) on one cell of a table column; empty
    /// cells never match.
    pub fn holds_cell(&self, values: &Values, row: usize) -> bool {
        match values {
            Values::Float(v) => v[row].is_some_and(|x| self.holds_number(x)),
            Values::Unreadable(_) => false,
            Values::Text(v) => v
                .get(row)
                .is_some_and(|c| !c.trim().is_empty() && self.holds_text(c)),
        }
    }
}

fn contains_ignoring_case(cell: &str, part: &str) -> bool {
    cell.to_lowercase().contains(&part.to_lowercase())
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

    #[test]
    fn or_joins_clauses_outside_quotes() {
        let c = Condition::parse("decay = chinchilla OR decay = cosine", "--where").unwrap();
        assert_eq!(c.or.len(), 1);
        assert_eq!(c.or[0].value, "cosine");
        assert_eq!(c.to_string(), "decay = chinchilla or decay = cosine");
        // `or` inside quotes or inside a word is part of the value.
        let c = Condition::parse("name = 'this or that'", "--where").unwrap();
        assert_eq!((c.value.as_str(), c.or.len()), ("this or that", 0));
        let c = Condition::parse("optimizer = adamw_for", "--where").unwrap();
        assert!(c.or.is_empty());
        assert!(Condition::parse("decay = x or", "--where").is_err());
        assert!(Condition::parse("decay = x or N < 1e9", "--where").is_err());
    }

    #[test]
    fn in_lists_and_substrings() {
        let c = Condition::parse("optimizer in (adam, 'adamw')", "--where").unwrap();
        assert_eq!(
            (c.op, c.values.clone()),
            (Op::In, vec!["adam".to_string(), "adamw".into()])
        );
        assert!(c.holds_text("adamw") && c.holds_text(" adam ") && !c.holds_text("sgd"));
        assert_eq!(c.to_string(), "optimizer in (adam, adamw)");
        let c = Condition::parse("N in (1e8, 1e9)", "--where").unwrap();
        assert!(c.holds_number(1e9) && !c.holds_number(2e9));
        assert!(Condition::parse("optimizer in adam", "--where").is_err());
        assert!(Condition::parse("optimizer in (adam,)", "--where").is_err());
        let c = Condition::parse("name ~ 410M", "--where").unwrap();
        assert!(c.holds_text("pythia-410m-deduped") && !c.holds_text("pythia-1b"));
        let c = Condition::parse("name !~ dedup", "--where").unwrap();
        assert!(c.holds_text("pythia-410m") && !c.holds_text("pythia-410m-deduped"));
        assert!(Condition::parse("N ~ 4", "--where").is_err());
        // A column whose name contains "in" is not the `in` operator.
        let c = Condition::parse("min_lr = 0.1", "--where").unwrap();
        assert_eq!(c.subject, Subject::Column("min_lr".into()));
    }

    #[test]
    fn old_saved_conditions_still_load() {
        let c: Condition = serde_json::from_str(
            r#"{"subject":{"column":"decay"},"op":"Eq","value":"chinchilla"}"#,
        )
        .unwrap();
        assert!(c.or.is_empty() && c.values.is_empty());
    }
}
