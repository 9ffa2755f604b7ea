//! Which columns hold parameters N, tokens D, compute C and loss L (and, when the file has
//! them, the IsoFLOP budget and the unique tokens U).
//!
//! Names are compared after lower-casing and dropping everything but letters and digits, so
//! `Model Size`, `model_size` and `modelsize` are the same name. A name given by the user with
//! `--params-col` and friends wins; otherwise the first known name present is used, and two
//! different known names for one role are an error (the user must choose).

use serde::{Deserialize, Serialize};

use super::table::{Table, Values};
use crate::error::Error;

/// A column's meaning for the fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Model parameters N.
    Params,
    /// Training tokens D.
    Tokens,
    /// Training compute C in FLOPs.
    Flops,
    /// Final loss L.
    Loss,
    /// The nominal compute budget of an IsoFLOP group (optional; used by Approach 2).
    Budget,
    /// Unique tokens U the training data was drawn from (optional; used by the
    /// data-constrained law).
    UniqueTokens,
}

impl Role {
    /// Description used in messages, e.g. "parameters (N)".
    pub fn label(self) -> &'static str {
        match self {
            Role::Params => "parameters (N)",
            Role::Tokens => "tokens (D)",
            Role::Flops => "compute (C, FLOPs)",
            Role::Loss => "loss (L)",
            Role::Budget => "IsoFLOP budget",
            Role::UniqueTokens => "unique tokens (U)",
        }
    }

    /// The command-line flag that names this role's column.
    pub fn flag(self) -> &'static str {
        match self {
            Role::Params => "--params-col",
            Role::Tokens => "--tokens-col",
            Role::Flops => "--flops-col",
            Role::Loss => "--loss-col",
            Role::Budget => "--budget-col",
            Role::UniqueTokens => "--unique-tokens-col",
        }
    }

    /// Known column names for this role, normalised (see the module docs), in priority order.
    pub fn known_names(self) -> &'static [&'static str] {
        match self {
            Role::Params => &[
                "n",
                "params",
                "nparams",
                "numparams",
                "parameters",
                "nparameters",
                "numparameters",
                "modelsize",
                "paramcount",
                "parametercount",
                "modelparams",
                "modelparameters",
            ],
            Role::Tokens => &[
                "d",
                "tokens",
                "ntokens",
                "numtokens",
                "trainingtokens",
                "datasize",
                "tokenstrained",
                "traintokens",
                "trainedtokens",
                "tokensseen",
                "numtrainingtokens",
            ],
            Role::Flops => &[
                "c",
                "flops",
                "compute",
                "trainingflop",
                "trainingflops",
                "totalflops",
                "trainingcompute",
            ],
            Role::Loss => &[
                "l",
                "loss",
                "finalloss",
                "valloss",
                "validationloss",
                "evalloss",
                "testloss",
                "trainloss",
            ],
            Role::Budget => &["flopsbudget", "budget", "computebudget", "isoflopbudget"],
            Role::UniqueTokens => &["u", "uniquetokens", "nuniquetokens", "numuniquetokens"],
        }
    }
}

/// Column names given by the user, one per role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnNames {
    /// Parameters column.
    pub params: Option<String>,
    /// Tokens column.
    pub tokens: Option<String>,
    /// Compute column.
    pub flops: Option<String>,
    /// Loss column.
    pub loss: Option<String>,
    /// IsoFLOP budget column.
    #[serde(default)]
    pub budget: Option<String>,
    /// Unique-tokens column.
    #[serde(default)]
    pub unique_tokens: Option<String>,
}

impl ColumnNames {
    fn get(&self, role: Role) -> Option<&str> {
        match role {
            Role::Params => self.params.as_deref(),
            Role::Tokens => self.tokens.as_deref(),
            Role::Flops => self.flops.as_deref(),
            Role::Loss => self.loss.as_deref(),
            Role::Budget => self.budget.as_deref(),
            Role::UniqueTokens => self.unique_tokens.as_deref(),
        }
    }
}

/// Columns chosen for each role (indices into the table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResolvedRoles {
    /// Parameters column, if any (N is then derived from C and D).
    pub params: Option<usize>,
    /// Tokens column, if any.
    pub tokens: Option<usize>,
    /// Compute column, if any.
    pub flops: Option<usize>,
    /// Loss column.
    pub loss: usize,
    /// IsoFLOP budget column, if any.
    pub budget: Option<usize>,
    /// Unique-tokens column, if any.
    pub unique_tokens: Option<usize>,
}

/// Lower-case letters and digits only.
pub fn normalise(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

pub(crate) fn looks_numeric(values: &Values) -> bool {
    match values {
        // A typed column (numbers, or a type the loader does not decode, which is reported if
        // it is used) is taken to hold data.
        Values::Float(_) | Values::Unreadable(_) => true,
        Values::Text(cells) => cells
            .iter()
            .flatten()
            .find(|c| !c.trim().is_empty())
            .is_some_and(|c| c.trim().parse::<f64>().is_ok()),
    }
}

/// Index of the column called `name` (exact first, then normalised).
pub fn find_column(table: &Table, name: &str) -> Option<usize> {
    table
        .columns
        .iter()
        .position(|c| c.name == name)
        .or_else(|| {
            let want = normalise(name);
            table
                .columns
                .iter()
                .position(|c| normalise(&c.name) == want)
        })
}

fn detect(
    table: &Table,
    role: Role,
    given: &ColumnNames,
    path: &str,
) -> Result<Option<usize>, Error> {
    if let Some(name) = given.get(role) {
        return find_column(table, name)
            .map(Some)
            .ok_or_else(|| Error::UnknownColumn {
                path: path.to_string(),
                column: name.to_string(),
                flag: role.flag(),
                found: table.names(),
            });
    }
    let matches: Vec<usize> = role
        .known_names()
        .iter()
        .filter_map(|known| {
            table
                .columns
                .iter()
                .position(|c| normalise(&c.name) == *known)
        })
        .collect();
    // A known name on a column of words (e.g. `param_count = standard`) is a label, not data.
    let numeric: Vec<usize> = matches
        .iter()
        .copied()
        .filter(|&i| looks_numeric(&table.columns[i].values))
        .collect();
    let matches = if numeric.is_empty() { matches } else { numeric };
    match matches.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(*one)),
        many => Err(Error::AmbiguousColumn {
            path: path.to_string(),
            role: role.label(),
            candidates: many
                .iter()
                .map(|&i| table.columns[i].name.clone())
                .collect(),
            flag: role.flag(),
        }),
    }
}

/// Choose the column of each role.
///
/// # Errors
///
/// [`Error::UnknownColumn`] for a given name not in the table, [`Error::AmbiguousColumn`] when
/// several known names match one role, [`Error::MissingColumn`] when L is absent, or when fewer
/// than two of N, D and C are present (the third is derived from the other two).
pub fn resolve(table: &Table, given: &ColumnNames, path: &str) -> Result<ResolvedRoles, Error> {
    let missing = |role: Role, hint: Option<String>, also: Option<Box<str>>| Error::MissingColumn {
        path: path.to_string(),
        role: role.label(),
        found: table.names(),
        flag: role.flag(),
        hint,
        also,
    };
    let params = detect(table, Role::Params, given, path)?;
    let loss = detect(table, Role::Loss, given, path)?;
    let tokens = detect(table, Role::Tokens, given, path)?;
    let flops = detect(table, Role::Flops, given, path)?;
    let budget = detect(table, Role::Budget, given, path)?;
    let unique_tokens = detect(table, Role::UniqueTokens, given, path)?;
    let size_problem = match (params, tokens, flops) {
        (None, Some(_), Some(_)) | (Some(_), Some(_), _) | (Some(_), _, Some(_)) => None,
        (None, _, _) => Some((
            Role::Params,
            "give both --tokens-col and --flops-col to derive N = C/(6D)",
        )),
        (Some(_), None, None) => Some((
            Role::Tokens,
            "give --flops-col to derive tokens as D = C/(6N)",
        )),
    };
    let loss = match (loss, size_problem) {
        (Some(loss), None) => loss,
        (Some(_), Some((role, hint))) => return Err(missing(role, Some(hint.to_string()), None)),
        (None, None) => return Err(missing(Role::Loss, None, None)),
        (None, Some((role, hint))) => {
            return Err(missing(
                Role::Loss,
                None,
                Some(
                    format!(
                        "nor a {} column (name it with {}, or {hint})",
                        role.label(),
                        role.flag()
                    )
                    .into(),
                ),
            ));
        }
    };
    let chosen = [params, tokens, flops, Some(loss), budget, unique_tokens];
    let flat: Vec<usize> = chosen.iter().flatten().copied().collect();
    for (k, &i) in flat.iter().enumerate() {
        if flat[..k].contains(&i) {
            return Err(Error::invalid_option(
                "--params-col/--tokens-col/--flops-col/--loss-col/--unique-tokens-col",
                format!(
                    "column '{}' of {path} was chosen for two roles",
                    table.columns[i].name
                ),
            ));
        }
    }
    Ok(ResolvedRoles {
        params,
        tokens,
        flops,
        loss,
        budget,
        unique_tokens,
    })
}
