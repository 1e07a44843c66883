//! WeChat's encrypted reply body, `{"iv":..,"data":..,"authtag":..}`, read
//! strictly: one JSON object (RFC 8259 syntax, whitespace allowed) with
//! exactly these three members, each once, each a string of standard base64
//! with padding; iv 12 bytes, authtag 16 bytes; at most [`MAX_BODY`] bytes.
//! Anything else is `None`: a reply that is not exactly an envelope is not
//! decrypted at all (a duplicate member would let two parsers disagree on
//! which ciphertext was authenticated). security/tests/envelope.rs and the
//! `envelope` fuzz target hold it to this.

use base64::Engine;

/// The largest body accepted, in bytes.
pub const MAX_BODY: usize = 64 * 1024;

/// The decoded members of an envelope.
#[derive(Debug, PartialEq, Eq)]
pub struct Envelope {
    /// The GCM nonce.
    pub iv: [u8; 12],
    /// The ciphertext without its tag.
    pub data: Vec<u8>,
    /// The GCM tag.
    pub authtag: [u8; 16],
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.at += 1;
        Some(b)
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.next()? == byte).then_some(())
    }

    fn hex4(&mut self) -> Option<u32> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = char::from(self.next()?).to_digit(16)?;
            v = v << 4 | d;
        }
        Some(v)
    }

    /// A JSON string (after its opening quote), unescaped.
    fn string(&mut self) -> Option<String> {
        let mut out = Vec::new();
        loop {
            match self.next()? {
                b'"' => return String::from_utf8(out).ok(),
                b'\\' => {
                    let c = match self.next()? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi) {
                                self.expect(b'\\')?;
                                self.expect(b'u')?;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return None;
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            char::from_u32(code)?
                        }
                        _ => return None,
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                0..=0x1f => return None,
                b => out.push(b),
            }
        }
    }
}

fn decode(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}

/// Reads an envelope; `None` for anything that is not exactly one.
pub fn open_envelope(body: &[u8]) -> Option<Envelope> {
    if body.len() > MAX_BODY {
        return None;
    }
    let mut r = Reader { bytes: body, at: 0 };
    let (mut iv, mut data, mut authtag) = (None, None, None);
    r.skip_whitespace();
    r.expect(b'{')?;
    r.skip_whitespace();
    if r.peek() == Some(b'}') {
        return None;
    }
    loop {
        r.skip_whitespace();
        r.expect(b'"')?;
        let name = r.string()?;
        r.skip_whitespace();
        r.expect(b':')?;
        r.skip_whitespace();
        r.expect(b'"')?;
        let value = r.string()?;
        let slot = match name.as_str() {
            "iv" => &mut iv,
            "data" => &mut data,
            "authtag" => &mut authtag,
            _ => return None,
        };
        if slot.replace(value).is_some() {
            return None;
        }
        r.skip_whitespace();
        match r.next()? {
            b',' => continue,
            b'}' => break,
            _ => return None,
        }
    }
    r.skip_whitespace();
    if r.at != body.len() {
        return None;
    }
    Some(Envelope {
        iv: decode(&iv?)?.try_into().ok()?,
        data: decode(&data?)?,
        authtag: decode(&authtag?)?.try_into().ok()?,
    })
}
