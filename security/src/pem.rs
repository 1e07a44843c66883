//! PEM blocks out of the text a developer pastes: RFC 7468's textual
//! encoding, read leniently where pasting breaks it (indented lines, CRLF,
//! comments and other text between blocks, a key stored in an environment
//! variable with literal `\n` for its line breaks) and strictly where it
//! matters (labels, base64 with canonical padding, no headers except the
//! legacy encryption header, which is reported as encryption).
//! security/tests/keys.rs covers each case.

use base64::Engine;
use zeroize::Zeroizing;

/// One `-----BEGIN label-----` ... `-----END label-----` block.
pub(crate) struct Block<'a> {
    /// The label of the BEGIN line.
    pub label: &'a str,
    /// The base64 body lines, trimmed, in order.
    pub body: Vec<&'a str>,
    /// A `Name: value` header line was present (RFC 1421's `Proc-Type`).
    pub has_headers: bool,
    /// The legacy OpenSSL encryption header (`Proc-Type: 4,ENCRYPTED`).
    pub encrypted: bool,
    /// The END line names the same label as the BEGIN line.
    pub closed: bool,
}

impl Block<'_> {
    /// The DER bytes, or `None` when the body is not standard padded base64.
    pub fn der(&self) -> Option<Zeroizing<Vec<u8>>> {
        if self.has_headers || !self.closed {
            return None;
        }
        let text: Zeroizing<String> = Zeroizing::new(self.body.concat());
        if text.is_empty() {
            return None;
        }
        base64::engine::general_purpose::STANDARD
            .decode(text.as_bytes())
            .ok()
            .map(Zeroizing::new)
    }
}

fn label_of<'a>(line: &'a str, prefix: &str) -> Option<&'a str> {
    let label = line.strip_prefix(prefix)?.strip_suffix("-----")?;
    // RFC 7468 labels: printable ASCII, no hyphen at either end.
    let ok = !label.starts_with('-')
        && !label.ends_with('-')
        && label.bytes().all(|b| (b' '..=b'~').contains(&b));
    ok.then_some(label)
}

/// Every PEM block of `text`, in order (an unterminated one included, with
/// `closed` false). Text outside blocks is ignored.
pub(crate) fn blocks(text: &str) -> Vec<Block<'_>> {
    let mut out: Vec<Block<'_>> = Vec::new();
    let mut open: Option<Block<'_>> = None;
    for line in lines(text) {
        let line = line.trim();
        if let Some(label) = label_of(line, "-----BEGIN ") {
            if let Some(unclosed) = open.take() {
                out.push(unclosed);
            }
            open = Some(Block {
                label,
                body: Vec::new(),
                has_headers: false,
                encrypted: false,
                closed: false,
            });
        } else if let Some(label) = label_of(line, "-----END ") {
            if let Some(mut block) = open.take() {
                block.closed = block.label == label;
                out.push(block);
            }
        } else if let Some(block) = open.as_mut() {
            if line.is_empty() {
                continue;
            }
            if let Some((name, value)) = line.split_once(':') {
                block.has_headers = true;
                if name.trim().eq_ignore_ascii_case("Proc-Type") && value.contains("ENCRYPTED") {
                    block.encrypted = true;
                }
            } else {
                block.body.push(line);
            }
        }
    }
    if let Some(unclosed) = open {
        out.push(unclosed);
    }
    out
}

/// The lines of `text`; a text with no line break but literal `\n`
/// sequences (a PEM kept in a one-line environment variable) is split there.
fn lines(text: &str) -> Box<dyn Iterator<Item = &str> + '_> {
    if !text.contains('\n') && text.contains("\\n") {
        Box::new(text.split("\\n"))
    } else {
        Box::new(text.lines())
    }
}

/// `der` as a PEM block with 64-character lines and LF line breaks.
pub(crate) fn encode(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::with_capacity(b64.len() + b64.len() / 64 + 2 * label.len() + 40);
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        // base64 is ASCII, so every chunk is valid UTF-8.
        out.push_str(core::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
    out
}
