//! The rule that no result carries a number that is not a number.
//!
//! A result is a plain `Serialize` struct; [`check_finite`] walks it with a small serde
//! serializer that writes nothing and stops at the first `f64` (or `f32`) that is NaN or
//! infinite, reporting where it is, e.g. `budgets[0].n_tokens.value`. The command-line tool
//! calls it on every result before rendering, so a quantity that escaped validation becomes a
//! clear error (exit code 1) instead of `NaN` or `inf` on standard output.
//!
//! Quantities that are legitimately undefined are `Option`s (`None`: "not defined" in text,
//! `null` in JSON, an empty cell in CSV) and pass the check.

use std::fmt::{self, Display};

use serde::ser::{self, Serialize};

use crate::error::Error;

/// `Ok(())` when every floating-point number in `value` is finite.
///
/// # Errors
///
/// [`Error::NotFinite`] naming the path of the first NaN or infinity and `what` the result is.
///
/// # Examples
///
/// ```
/// use scaling_laws::finite::check_finite;
/// #[derive(serde::Serialize)]
/// struct Row { n: f64, d: Option<f64> }
/// assert!(check_finite(&vec![Row { n: 1.0, d: None }], "rows").is_ok());
/// let err = check_finite(&vec![Row { n: 1.0, d: Some(f64::NAN) }], "rows").unwrap_err();
/// assert!(err.to_string().contains("[0].d"));
/// ```
pub fn check_finite<T: Serialize + ?Sized>(value: &T, what: &str) -> Result<(), Error> {
    let mut walker = Walker { path: Vec::new() };
    match value.serialize(&mut walker) {
        Ok(()) => Ok(()),
        Err(Found::NotFinite { path, value }) => Err(Error::NotFinite {
            what: what.to_string(),
            path: if path.is_empty() {
                "(the value itself)".to_string()
            } else {
                path
            },
            value,
        }),
        // Serialization of a plain result struct does not fail otherwise; a custom impl that
        // reports an error is not a non-finite number, so it is not this check's business.
        Err(Found::Other(_)) => Ok(()),
    }
}

/// A number for a message: six significant digits, plain between 1e-4 and 1e15, else in
/// scientific notation (`1e308`, not 309 digits).
///
/// # Examples
///
/// ```
/// use scaling_laws::finite::compact;
/// assert_eq!(compact(1e308), "1e308");
/// assert_eq!(compact(3.0000000000000004), "3");
/// assert_eq!(compact(-0.25), "-0.25");
/// assert_eq!(compact(1.5e-7), "1.5e-7");
/// ```
pub fn compact(v: f64) -> String {
    if !v.is_finite() || v == 0.0 {
        return format!("{v}");
    }
    let exponent = v.abs().log10().floor() as i32;
    if (-4..15).contains(&exponent) {
        let decimals = (5 - exponent).max(0) as usize;
        trim_zeros(format!("{v:.decimals$}"))
    } else {
        let text = format!("{v:.5e}");
        let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
        format!("{}e{exp}", trim_zeros(mantissa.to_string()))
    }
}

fn trim_zeros(text: String) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// Path segments: struct fields and map keys as names, sequence elements as indices.
enum Segment {
    Name(String),
    Index(usize),
}

struct Walker {
    path: Vec<Segment>,
}

impl Walker {
    fn path_text(&self) -> String {
        let mut out = String::new();
        for s in &self.path {
            match s {
                Segment::Name(n) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(n);
                }
                Segment::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        out
    }

    fn number(&self, v: f64) -> Result<(), Found> {
        if v.is_finite() {
            Ok(())
        } else {
            Err(Found::NotFinite {
                path: self.path_text(),
                value: v,
            })
        }
    }

    fn element<T: Serialize + ?Sized>(&mut self, seg: Segment, value: &T) -> Result<(), Found> {
        self.path.push(seg);
        let r = value.serialize(&mut *self);
        self.path.pop();
        r
    }
}

/// Why the walk stopped.
#[derive(Debug)]
enum Found {
    NotFinite { path: String, value: f64 },
    Other(String),
}

impl Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Found::NotFinite { path, value } => write!(f, "{path} = {value}"),
            Found::Other(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Found {}

impl ser::Error for Found {
    fn custom<T: Display>(msg: T) -> Self {
        Found::Other(msg.to_string())
    }
}

macro_rules! ignore {
    ($($name:ident: $t:ty),* $(,)?) => {
        $(fn $name(self, _v: $t) -> Result<(), Found> { Ok(()) })*
    };
}

impl<'a> ser::Serializer for &'a mut Walker {
    type Ok = ();
    type Error = Found;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    ignore!(
        serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
        serialize_i64: i64, serialize_i128: i128, serialize_u8: u8, serialize_u16: u16,
        serialize_u32: u32, serialize_u64: u64, serialize_u128: u128, serialize_char: char,
        serialize_str: &str, serialize_bytes: &[u8],
    );

    fn serialize_f32(self, v: f32) -> Result<(), Found> {
        self.number(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), Found> {
        self.number(v)
    }
    fn serialize_none(self) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Found> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Found> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Found> {
        self.element(Segment::Name(variant.to_string()), value)
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'a>, Found> {
        Ok(Compound::new(self))
    }
    fn serialize_tuple(self, _len: usize) -> Result<Compound<'a>, Found> {
        Ok(Compound::new(self))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Compound<'a>, Found> {
        Ok(Compound::new(self))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'a>, Found> {
        Ok(Compound::variant(self, variant))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'a>, Found> {
        Ok(Compound::new(self))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Compound<'a>, Found> {
        Ok(Compound::new(self))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'a>, Found> {
        Ok(Compound::variant(self, variant))
    }
}

/// A sequence, tuple, map or struct being walked: counts elements and remembers the last map key.
struct Compound<'a> {
    walker: &'a mut Walker,
    index: usize,
    key: Option<String>,
    /// Whether a variant name was pushed onto the path (popped at the end).
    variant: bool,
}

impl<'a> Compound<'a> {
    fn new(walker: &'a mut Walker) -> Self {
        Compound {
            walker,
            index: 0,
            key: None,
            variant: false,
        }
    }

    fn variant(walker: &'a mut Walker, name: &str) -> Self {
        walker.path.push(Segment::Name(name.to_string()));
        Compound {
            variant: true,
            ..Compound::new(walker)
        }
    }

    fn next<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Found> {
        let i = self.index;
        self.index += 1;
        self.walker.element(Segment::Index(i), value)
    }

    fn field<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) -> Result<(), Found> {
        self.walker.element(Segment::Name(name.to_string()), value)
    }

    fn finish(self) -> Result<(), Found> {
        if self.variant {
            self.walker.path.pop();
        }
        Ok(())
    }
}

macro_rules! sequence_like {
    ($($tr:ident :: $method:ident),*) => {
        $(impl ser::$tr for Compound<'_> {
            type Ok = ();
            type Error = Found;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Found> {
                self.next(value)
            }
            fn end(self) -> Result<(), Found> {
                self.finish()
            }
        })*
    };
}

sequence_like!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

macro_rules! struct_like {
    ($($tr:ident),*) => {
        $(impl ser::$tr for Compound<'_> {
            type Ok = ();
            type Error = Found;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Found> {
                self.field(key, value)
            }
            fn end(self) -> Result<(), Found> {
                self.finish()
            }
        })*
    };
}

struct_like!(SerializeStruct, SerializeStructVariant);

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = Found;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Found> {
        self.key = Some(key_text(key));
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Found> {
        let key = self.key.take().unwrap_or_else(|| "?".to_string());
        self.field(&key, value)
    }
    fn end(self) -> Result<(), Found> {
        self.finish()
    }
}

/// A map key as text: strings and numbers as they are, anything else as `?`.
fn key_text<T: Serialize + ?Sized>(key: &T) -> String {
    match serde_json::to_value(key) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Number(n)) => n.to_string(),
        _ => "?".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use std::collections::BTreeMap;

    #[derive(Serialize)]
    struct Inner {
        value: f64,
        interval: Option<(f64, f64)>,
    }

    #[derive(Serialize)]
    enum Kind {
        Pair(f64, f64),
        Named { x: f32 },
    }

    #[derive(Serialize)]
    struct Outer {
        name: String,
        budgets: Vec<Inner>,
        extra: BTreeMap<String, f64>,
        kind: Kind,
    }

    fn outer() -> Outer {
        Outer {
            name: "x".into(),
            budgets: vec![
                Inner {
                    value: 1.0,
                    interval: None,
                },
                Inner {
                    value: 2.0,
                    interval: Some((1.0, 3.0)),
                },
            ],
            extra: BTreeMap::from([("k".to_string(), 0.5)]),
            kind: Kind::Pair(1.0, 2.0),
        }
    }

    fn path_of(e: Error) -> String {
        match e {
            Error::NotFinite { path, .. } => path,
            other => panic!("unexpected {other}"),
        }
    }

    #[test]
    fn finite_results_pass() {
        assert!(check_finite(&outer(), "t").is_ok());
        assert!(check_finite(&f64::MAX, "t").is_ok());
        assert!(check_finite(&Option::<f64>::None, "t").is_ok());
    }

    #[test]
    fn the_first_non_finite_number_is_named_by_its_path() {
        let mut o = outer();
        o.budgets[1].interval = Some((1.0, f64::INFINITY));
        assert_eq!(
            path_of(check_finite(&o, "t").unwrap_err()),
            "budgets[1].interval[1]"
        );
        let mut o = outer();
        o.budgets[0].value = f64::NAN;
        assert_eq!(
            path_of(check_finite(&o, "t").unwrap_err()),
            "budgets[0].value"
        );
        let mut o = outer();
        o.extra.insert("z".into(), f64::NEG_INFINITY);
        assert_eq!(path_of(check_finite(&o, "t").unwrap_err()), "extra.z");
        let mut o = outer();
        o.kind = Kind::Pair(0.0, f64::NAN);
        assert_eq!(path_of(check_finite(&o, "t").unwrap_err()), "kind.Pair[1]");
        o.kind = Kind::Named { x: f32::NAN };
        assert_eq!(path_of(check_finite(&o, "t").unwrap_err()), "kind.Named.x");
        assert_eq!(
            path_of(check_finite(&f64::NAN, "t").unwrap_err()),
            "(the value itself)"
        );
    }

    #[test]
    fn the_message_says_what_and_where() {
        let e = check_finite(&vec![1.0, f64::INFINITY], "the answers").unwrap_err();
        let text = e.to_string();
        assert!(text.contains("the answers") && text.contains("[1]") && text.contains("inf"));
        assert!(!e.is_bad_input());
    }
}
