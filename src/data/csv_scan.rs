//! A structural pass over CSV bytes before polars parses them, so that problems are reported
//! in the tool's words with a line number: the header's names (duplicates are refused), a
//! quote that is never closed, rows with more fields than the header, and line endings made of
//! carriage returns alone (classic Mac OS), which are read as line breaks.
//!
//! Quoting follows RFC 4180: a field that starts with `"` runs to the next `"` not doubled;
//! `""` inside it is a literal quote; a `"` inside an unquoted field is a literal character.

/// What the pass found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CsvShape {
    /// Names in the header row, unquoted.
    pub header: Vec<String>,
    /// Line (1-based, the header is line 1) where a quoted field opens that is never closed.
    pub unclosed_quote_line: Option<usize>,
    /// First line with more fields than the header, and its number of fields.
    pub long_row: Option<(usize, usize)>,
}

/// Replace carriage returns by line feeds when the file has no line feed at all (a file whose
/// lines end in CR alone). Returns whether it did.
pub fn normalise_cr_only(bytes: &mut [u8]) -> bool {
    if !bytes.contains(&b'\r') || bytes.contains(&b'\n') {
        return false;
    }
    for b in bytes.iter_mut() {
        if *b == b'\r' {
            *b = b'\n';
        }
    }
    true
}

/// Scan `bytes` (comma-separated, `"` quotes).
pub fn scan(bytes: &[u8]) -> CsvShape {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut shape = CsvShape::default();
    let mut line = 1;
    let mut record_line = 1;
    let mut fields = 0usize;
    let mut field = Vec::new();
    let mut at_field_start = true;
    let mut in_quotes = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_quotes {
            if b == b'"' {
                if bytes.get(i + 1) == Some(&b'"') {
                    field.push(b'"');
                    i += 1;
                } else {
                    in_quotes = false;
                }
            } else {
                if b == b'\n' {
                    line += 1;
                }
                field.push(b);
            }
        } else if b == b'"' && at_field_start {
            in_quotes = true;
            at_field_start = false;
        } else if b == b',' {
            if record_line == 1 {
                shape
                    .header
                    .push(String::from_utf8_lossy(&field).trim().to_string());
            }
            field.clear();
            fields += 1;
            at_field_start = true;
        } else if b == b'\n' {
            let blank = fields == 0 && at_field_start && field.is_empty();
            if !blank || record_line == 1 {
                end_record(&mut shape, fields + 1, &mut field, record_line);
            }
            line += 1;
            record_line = line;
            fields = 0;
            at_field_start = true;
        } else if b != b'\r' || bytes.get(i + 1) != Some(&b'\n') {
            field.push(b);
            at_field_start = false;
        }
        i += 1;
    }
    if in_quotes {
        shape.unclosed_quote_line = Some(record_line_of_open_quote(bytes));
    } else if !(fields == 0 && at_field_start && field.is_empty()) {
        end_record(&mut shape, fields + 1, &mut field, record_line);
    }
    shape
}

/// Close a record of `fields` fields that started on line `at`.
fn end_record(shape: &mut CsvShape, fields: usize, field: &mut Vec<u8>, at: usize) {
    if at == 1 {
        shape
            .header
            .push(String::from_utf8_lossy(field).trim().to_string());
    }
    field.clear();
    if at > 1 && fields > shape.header.len() && shape.long_row.is_none() {
        shape.long_row = Some((at, fields));
    }
}

/// The line on which the last, unclosed, quoted field opens.
fn record_line_of_open_quote(bytes: &[u8]) -> usize {
    let (mut line, mut open_line) = (1, 1);
    let (mut in_quotes, mut at_field_start) = (false, true);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_quotes {
            if b == b'"' {
                if bytes.get(i + 1) == Some(&b'"') {
                    i += 1;
                } else {
                    in_quotes = false;
                }
            } else if b == b'\n' {
                line += 1;
            }
        } else if b == b'"' && at_field_start {
            in_quotes = true;
            open_line = line;
            at_field_start = false;
        } else {
            at_field_start = b == b',' || b == b'\n';
            if b == b'\n' {
                line += 1;
            }
        }
        i += 1;
    }
    open_line
}

/// The first name that appears twice in `names`, with both positions (1-based).
/// One pass with a map of the names seen, so that a header of thousands of names is cheap.
pub fn duplicate_name(names: &[String]) -> Option<(String, usize, usize)> {
    let mut seen: std::collections::HashMap<&str, usize> =
        std::collections::HashMap::with_capacity(names.len());
    names
        .iter()
        .enumerate()
        .find_map(|(j, name)| match seen.entry(name.as_str()) {
            std::collections::hash_map::Entry::Occupied(first) => {
                Some((name.clone(), first.get() + 1, j + 1))
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(j);
                None
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_header_with_quotes_and_a_byte_order_mark() {
        let shape = scan(b"\xEF\xBB\xBFN,\"Model, Size\",loss\r\n1,2,3\r\n");
        assert_eq!(shape.header, ["N", "Model, Size", "loss"]);
        assert_eq!((shape.unclosed_quote_line, shape.long_row), (None, None));
    }

    #[test]
    fn finds_an_unclosed_quote_and_the_line_where_it_opens() {
        let shape = scan(b"N,D,loss\n1,2,3\n\"1e9,2,3\n4,5,6\n");
        assert_eq!(shape.unclosed_quote_line, Some(3));
        // Doubled quotes inside a quoted field and quotes inside unquoted fields are literal.
        let shape = scan(b"a,b\n\"x \"\"y\"\" z\",5\"\n");
        assert_eq!(shape.unclosed_quote_line, None);
    }

    #[test]
    fn finds_the_first_row_with_too_many_fields() {
        let shape = scan(b"N,D,loss\n1,2,3\n\n1,2,3,4,5\n1,2,3,4\n");
        assert_eq!(shape.long_row, Some((4, 5)));
        // A quoted comma is not a separator; a quoted line break does not end the row.
        let shape = scan(b"N,D,loss\n\"1,5\",2,\"a\nb\"\n1,2,3\n");
        assert_eq!(shape.long_row, None);
    }

    #[test]
    fn carriage_returns_alone_become_line_breaks() {
        let mut bytes = b"N,D\r1,2\r".to_vec();
        assert!(normalise_cr_only(&mut bytes));
        assert_eq!(bytes, b"N,D\n1,2\n");
        let mut crlf = b"N,D\r\n1,2\r\n".to_vec();
        assert!(!normalise_cr_only(&mut crlf));
    }

    #[test]
    fn duplicate_names_are_found_with_their_positions() {
        let names: Vec<String> = ["N", "loss", "flops", "loss"].map(String::from).to_vec();
        assert_eq!(duplicate_name(&names), Some(("loss".into(), 2, 4)));
        assert_eq!(duplicate_name(&names[..3]), None);
    }
}
