//! The field at a position in JSON text, e.g. `report.fitted.theta[2]`: serde reports where in
//! the text a value of the wrong type or a missing field was found (line and column), and a
//! message about a fit file names the field as well.

/// One level of nesting: an object with the key whose value is being read, or an array with
/// the index of the element being read.
enum Level {
    Object(Option<String>),
    Array(usize),
}

/// The path of the value being read at byte `offset` of `text` (JSON well formed up to there),
/// as `a.b[3].c`; empty at the top level. serde_json reports an error in a value after reading
/// it, and a missing field after the end of the object that lacks it: either way, the path of
/// the value it concerns.
pub(crate) fn path_at(text: &str, offset: usize) -> String {
    let bytes = text.as_bytes();
    let end = offset.min(bytes.len());
    let mut levels: Vec<Level> = Vec::new();
    // A string read where an object expects a key, until its ':' makes it the key.
    let mut key: Option<String> = None;
    let mut i = 0;
    while i < end {
        match bytes[i] {
            b'{' => levels.push(Level::Object(None)),
            b'[' => levels.push(Level::Array(0)),
            b'}' | b']' => {
                levels.pop();
            }
            b',' => match levels.last_mut() {
                Some(Level::Array(index)) => *index += 1,
                Some(Level::Object(current)) => *current = None,
                None => {}
            },
            b':' => {
                if let Some(Level::Object(current)) = levels.last_mut() {
                    *current = key.take();
                }
            }
            b'"' => {
                let start = i + 1;
                i = start;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                if let Some(Level::Object(None)) = levels.last() {
                    key = text.get(start..i.min(bytes.len())).map(str::to_string);
                }
            }
            _ => {}
        }
        i += 1;
    }
    render(&levels)
}

fn render(levels: &[Level]) -> String {
    let mut out = String::new();
    for level in levels {
        match level {
            Level::Object(Some(key)) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Level::Object(None) => break,
            Level::Array(index) => out.push_str(&format!("[{index}]")),
        }
    }
    out
}

/// Byte offset of 1-based `line` and `column` (serde_json's position of an error) in `text`.
pub(crate) fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    line_start + column
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The path serde_json's error on `text`, read as `T`, points at.
    fn located<T: serde::de::DeserializeOwned + std::fmt::Debug>(text: &str) -> String {
        let e = serde_json::from_str::<T>(text).unwrap_err();
        path_at(text, offset_of(text, e.line(), e.column()))
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        delta: f64,
        rows: Vec<usize>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Outer {
        name: String,
        inner: Inner,
        list: Vec<Inner>,
    }

    #[test]
    fn a_value_of_the_wrong_type_is_found_by_its_path() {
        let text = r#"{"name": "a,b:{[", "inner": {"delta": "NaN", "rows": [1]}, "list": []}"#;
        assert_eq!(located::<Outer>(text), "inner.delta");
        let text = r#"{"name": "x", "inner": {"delta": 1, "rows": [1, 2, "3"]}, "list": []}"#;
        assert_eq!(located::<Outer>(text), "inner.rows[2]");
        let text = "{\n  \"name\": \"x\",\n  \"inner\": {\"delta\": 1, \"rows\": []},\n  \
                    \"list\": [\n    {\"delta\": 1, \"rows\": []},\n    {\"delta\": 1, \
                    \"rows\": [-1]}\n  ]\n}";
        assert_eq!(located::<Outer>(text), "list[1].rows[0]");
    }

    #[test]
    fn a_missing_field_is_found_by_the_object_that_lacks_it() {
        let text = r#"{"name": "x", "inner": {"delta": 1}, "list": []}"#;
        assert_eq!(located::<Outer>(text), "inner");
        let text = r#"{"name": "x", "inner": {"delta": 1, "rows": []}}"#;
        assert_eq!(located::<Outer>(text), "");
    }

    #[test]
    fn escaped_quotes_do_not_end_a_string() {
        let text = r#"{"name": "say \"x\": [", "inner": {"delta": "1", "rows": []}, "list": []}"#;
        assert_eq!(located::<Outer>(text), "inner.delta");
    }
}
