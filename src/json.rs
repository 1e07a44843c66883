//! A validating JSON scanner over bytes: strict RFC 8259 syntax, no
//! allocation, and the positions of the few members the open-data rules read.
//!
//! Why not serde_json here: the `.wasm` must stay small (serde_json with its
//! float parsing and `core::fmt` would be most of a 100 KB build) and must not
//! allocate, and the host builds the object with its own `JSON.parse`. What
//! Rust must decide is *whether* `JSON.parse` will accept the text (so that
//! parse failures never differ from padding failures, see
//! [`crate::open_data`]) and what the members the rules check hold.
//!
//! Invariants, each guarded by a test:
//! - every text [`scan`] accepts, serde_json and `JSON.parse` accept too
//!   (`fuzz/fuzz_targets/json_shape.rs` compares with serde_json on arbitrary
//!   bytes; tests/js/hostile.test.mjs with `JSON.parse`);
//! - members are found the way `JSON.parse` builds objects: keys compared after
//!   unescaping (`"phone\u004eumber"` is `phoneNumber`), and the last of
//!   duplicate keys wins (`tests/core.rs`, `json_duplicate_keys_last_wins`).
//!
//! Nesting deeper than [`MAX_DEPTH`] is rejected: real open data is three
//! levels deep, and a bound keeps the work per byte constant.

/// Deepest nesting of arrays and objects accepted.
pub(crate) const MAX_DEPTH: usize = 64;

/// A JSON value's kind and where its text lies (byte offsets into the
/// scanned text; for strings, between the quotes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Value {
    /// A string; `escaped` when its raw text holds a backslash escape.
    String {
        start: usize,
        end: usize,
        escaped: bool,
    },
    /// A number token.
    Number { start: usize, end: usize },
    /// An object, braces included.
    Object { start: usize, end: usize },
    /// An array, `true`, `false` or `null`.
    Other,
}

/// Scans `text` as one JSON value and, when it is an object, returns for each
/// name in `names` its member's value (the last one, as `JSON.parse` keeps).
/// `None`: not valid JSON. Non-objects give all `None` members.
pub(crate) fn scan<const N: usize>(text: &[u8], names: [&str; N]) -> Option<[Option<Value>; N]> {
    let mut scanner = Scanner { text, pos: 0 };
    let mut found = [None; N];
    scanner.ws();
    scanner.value(0, Some((&names, &mut found)))?;
    scanner.ws();
    (scanner.pos == text.len()).then_some(found)
}

/// The members named in `names` of an object value found by [`scan`] in the
/// same `text` (already validated, so this cannot fail on it).
pub(crate) fn members<const N: usize>(
    text: &[u8],
    object: Value,
    names: [&str; N],
) -> [Option<Value>; N] {
    let mut found = [None; N];
    if let Value::Object { start, end } = object {
        if let Some(slice) = text.get(..end) {
            let mut scanner = Scanner {
                text: slice,
                pos: start,
            };
            let _ = scanner.value(0, Some((&names, &mut found)));
            // Offsets are into `text` already: the scanner ran over a prefix.
        }
    }
    found
}

/// Whether the raw string text `raw` (between the quotes, as scanned) is,
/// after unescaping, exactly the UTF-8 string `expected`. Compared as UTF-16
/// code units, as JavaScript's `===` compares strings.
pub(crate) fn string_eq(raw: &[u8], expected: &[u8]) -> bool {
    string_eq_escaped(raw, raw.contains(&b'\\'), expected)
}

/// [`string_eq`] where the scanner already knows whether `raw` holds an
/// escape.
fn string_eq_escaped(raw: &[u8], escaped: bool, expected: &[u8]) -> bool {
    // Without escapes the raw text is the string's UTF-8 (the whole text was
    // checked to be UTF-8), and equal UTF-8 is equal UTF-16: compare bytes.
    // Member keys and appids are almost always like that.
    if !escaped {
        return raw == expected;
    }
    let Ok(expected) = core::str::from_utf8(expected) else {
        return false;
    };
    let mut want = expected.encode_utf16();
    let mut ok = true;
    for_each_unit(raw, |unit| ok &= want.next() == Some(unit));
    ok && want.next().is_none()
}

/// The string a raw JSON string text stands for. A lone surrogate escape
/// (which `JSON.parse` keeps, but a Rust `String` cannot hold) becomes U+FFFD,
/// as `TextEncoder` would make it.
pub(crate) fn unescape(raw: &[u8]) -> String {
    let mut units = Vec::with_capacity(raw.len());
    for_each_unit(raw, |unit| units.push(unit));
    char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

/// A number token as a non-negative integer of at most 2^53 - 1 (a JavaScript
/// safe integer): digits only, no sign, fraction or exponent.
pub(crate) fn safe_integer(token: &[u8]) -> Option<u64> {
    const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;
    if token.is_empty() || token.len() > 16 {
        return None;
    }
    let mut n: u64 = 0;
    for &b in token {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(b - b'0');
    }
    (n <= MAX_SAFE_INTEGER).then_some(n)
}

/// The spans (start, length) of phoneNumber, purePhoneNumber, countryCode,
/// watermark.timestamp and watermark.appid when `text` is getPhoneNumber JSON
/// in exactly the form WeChat writes it: ASCII, no whitespace, those members
/// in that order and no others, no escapes, `countryCode` a string or digits,
/// `timestamp` digits. For such a text `JSON.parse` gives exactly the object
/// these spans describe (keys in this order, the strings as written), so the
/// host can build it without parsing; anything else is `None` and the host
/// parses. Only called on text [`scan`] accepted.
/// tests/js/fast-path.test.mjs compares the two on random phone JSON.
pub(crate) fn canonical_phone(text: &[u8]) -> Option<[(usize, usize); 5]> {
    struct Cursor<'t> {
        text: &'t [u8],
        pos: usize,
    }
    impl Cursor<'_> {
        fn literal(&mut self, word: &[u8]) -> Option<()> {
            let end = self.pos + word.len();
            (self.text.get(self.pos..end)? == word).then(|| self.pos = end)
        }
        /// A string without escapes or non-ASCII, quotes excluded from the span.
        fn plain_string(&mut self) -> Option<(usize, usize)> {
            self.literal(b"\"")?;
            let start = self.pos;
            while let Some(&b) = self.text.get(self.pos) {
                match b {
                    b'"' => {
                        let span = (start, self.pos - start);
                        self.pos += 1;
                        return Some(span);
                    }
                    b'\\' | 0x00..=0x1F | 0x80..=0xFF => return None,
                    _ => self.pos += 1,
                }
            }
            None
        }
        fn digits(&mut self) -> Option<(usize, usize)> {
            let start = self.pos;
            while self.text.get(self.pos).is_some_and(u8::is_ascii_digit) {
                self.pos += 1;
            }
            let span = (start, self.pos - start);
            safe_integer(self.text.get(start..self.pos)?).map(|_| span)
        }
    }
    let mut c = Cursor { text, pos: 0 };
    c.literal(b"{\"phoneNumber\":")?;
    let phone_number = c.plain_string()?;
    c.literal(b",\"purePhoneNumber\":")?;
    let pure_phone_number = c.plain_string()?;
    c.literal(b",\"countryCode\":")?;
    let country_code = match text.get(c.pos) {
        Some(b'"') => c.plain_string()?,
        _ => c.digits()?,
    };
    c.literal(b",\"watermark\":{\"timestamp\":")?;
    let timestamp = c.digits()?;
    c.literal(b",\"appid\":")?;
    let appid = c.plain_string()?;
    c.literal(b"}}")?;
    (c.pos == text.len()).then_some([
        phone_number,
        pure_phone_number,
        country_code,
        timestamp,
        appid,
    ])
}

/// Calls `f` with each UTF-16 code unit of the (already validated) raw string
/// text: escapes decoded, other characters from their UTF-8.
fn for_each_unit(raw: &[u8], mut f: impl FnMut(u16)) {
    let mut i = 0;
    while let Some(&b) = raw.get(i) {
        if b == b'\\' {
            let unit = match raw.get(i + 1) {
                Some(b'u') => {
                    let unit = raw.get(i + 2..i + 6).and_then(hex4).unwrap_or(0xFFFD);
                    i += 6;
                    f(unit);
                    continue;
                }
                Some(b'b') => 0x08,
                Some(b'f') => 0x0C,
                Some(b'n') => 0x0A,
                Some(b'r') => 0x0D,
                Some(b't') => 0x09,
                Some(&other) => u16::from(other),
                None => 0xFFFD,
            };
            i += 2;
            f(unit);
            continue;
        }
        if b.is_ascii() {
            f(u16::from(b));
            i += 1;
            continue;
        }
        // One UTF-8 character (the text was checked to be UTF-8 as a whole).
        let len = match b {
            0x00..=0x7F => 1,
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            _ => 4,
        };
        let ch = raw
            .get(i..i + len)
            .and_then(|bytes| core::str::from_utf8(bytes).ok())
            .and_then(|s| s.chars().next())
            .unwrap_or(char::REPLACEMENT_CHARACTER);
        let mut buf = [0u16; 2];
        for &unit in ch.encode_utf16(&mut buf).iter() {
            f(unit);
        }
        i += len;
    }
}

fn hex4(digits: &[u8]) -> Option<u16> {
    digits.iter().try_fold(0u16, |acc, &d| {
        let v = (d as char).to_digit(16)?;
        Some(acc << 4 | v as u16)
    })
}

/// What `value` records members into: the wanted names and their slots.
type Wanted<'n, 'f, const N: usize> = Option<(&'n [&'n str; N], &'f mut [Option<Value>; N])>;

struct Scanner<'a> {
    text: &'a [u8],
    pos: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.pos += 1)
    }

    fn literal(&mut self, word: &[u8]) -> Option<Value> {
        let end = self.pos + word.len();
        (self.text.get(self.pos..end)? == word).then(|| {
            self.pos = end;
            Value::Other
        })
    }

    /// One value at `depth`; records members of this value (if an object)
    /// into `wanted`.
    fn value<const N: usize>(&mut self, depth: usize, wanted: Wanted<'_, '_, N>) -> Option<Value> {
        match self.peek()? {
            b'{' => self.object(depth + 1, wanted),
            b'[' => self.array(depth + 1),
            b'"' => self.string(),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            _ => self.number(),
        }
    }

    fn object<const N: usize>(
        &mut self,
        depth: usize,
        mut wanted: Wanted<'_, '_, N>,
    ) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        let start = self.pos;
        self.eat(b'{')?;
        self.ws();
        if self.eat(b'}').is_none() {
            loop {
                self.ws();
                let key = self.string()?;
                self.ws();
                self.eat(b':')?;
                self.ws();
                let value = self.value::<0>(depth, None)?;
                if let (
                    Some((names, found)),
                    Value::String {
                        start,
                        end,
                        escaped,
                    },
                ) = (wanted.as_mut(), key)
                {
                    let raw = self.text.get(start..end)?;
                    for (name, slot) in names.iter().zip(found.iter_mut()) {
                        if string_eq_escaped(raw, escaped, name.as_bytes()) {
                            *slot = Some(value);
                        }
                    }
                }
                self.ws();
                if self.eat(b',').is_some() {
                    continue;
                }
                self.eat(b'}')?;
                break;
            }
        }
        Some(Value::Object {
            start,
            end: self.pos,
        })
    }

    fn array(&mut self, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.eat(b'[')?;
        self.ws();
        if self.eat(b']').is_none() {
            loop {
                self.ws();
                self.value::<0>(depth, None)?;
                self.ws();
                if self.eat(b',').is_some() {
                    continue;
                }
                self.eat(b']')?;
                break;
            }
        }
        Some(Value::Other)
    }

    fn string(&mut self) -> Option<Value> {
        self.eat(b'"')?;
        let start = self.pos;
        let mut escaped = false;
        loop {
            match self.peek()? {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    self.pos += 1;
                    match self.peek()? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.pos += 1,
                        b'u' => {
                            hex4(self.text.get(self.pos + 1..self.pos + 5)?)?;
                            self.pos += 5;
                        }
                        _ => return None,
                    }
                }
                // Control characters must be escaped; other bytes (UTF-8 is
                // checked over the whole text elsewhere) stand for themselves.
                0x00..=0x1F => return None,
                _ => self.pos += 1,
            }
        }
        let end = self.pos;
        self.pos += 1;
        Some(Value::String {
            start,
            end,
            escaped,
        })
    }

    fn number(&mut self) -> Option<Value> {
        let start = self.pos;
        let _ = self.eat(b'-');
        match self.peek()? {
            b'0' => self.pos += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.eat(b'.').is_some() {
            self.peek().filter(u8::is_ascii_digit)?;
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            self.peek().filter(u8::is_ascii_digit)?;
            self.digits();
        }
        Some(Value::Number {
            start,
            end: self.pos,
        })
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_table() {
        // (text, valid): RFC 8259 grammar, as JSON.parse and serde_json judge it.
        let rows: &[(&str, bool)] = &[
            ("{}", true),
            (" \t\r\n{} \n", true),
            ("[]", true),
            ("0", true),
            ("-0.5e+10", true),
            ("\"a\\u00e9\\n\"", true),
            ("{\"a\":[1,{\"b\":null}],\"c\":true}", true),
            ("", false),
            ("{", false),
            ("{}x", false),
            ("{,}", false),
            ("{\"a\":1,}", false),
            ("[1,]", false),
            ("01", false),
            ("1.", false),
            (".5", false),
            ("1e", false),
            ("+1", false),
            ("\"\\x\"", false),
            ("\"\\u12\"", false),
            ("\"a\nb\"", false),
            ("{'a':1}", false),
            ("NaN", false),
            ("tru", false),
            ("{\"a\" 1}", false),
        ];
        for (text, valid) in rows {
            assert_eq!(scan(text.as_bytes(), []).is_some(), *valid, "{text:?}");
        }
    }

    #[test]
    fn depth_is_bounded() {
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(scan(ok.as_bytes(), []).is_some());
        assert!(scan(deep.as_bytes(), []).is_none());
    }

    #[test]
    fn members_unescape_keys_and_keep_the_last() {
        let text = br#"{"a":1,"\u0061":"x","b":{"c":2},"a":"last"}"#;
        let [a, b, z] = scan(text, ["a", "b", "z"]).expect("valid");
        let Some(Value::String { start, end, .. }) = a else {
            panic!("a: {a:?}")
        };
        assert_eq!(&text[start..end], b"last");
        assert!(matches!(b, Some(Value::Object { .. })));
        assert_eq!(z, None);
        let [c] = members(text, b.expect("b"), ["c"]);
        let Some(Value::Number { start, end }) = c else {
            panic!("c: {c:?}")
        };
        assert_eq!(&text[start..end], b"2");
    }

    #[test]
    fn string_eq_compares_code_units() {
        assert!(string_eq(b"wx\\u0034f", b"wx4f"));
        assert!(string_eq(
            "\\ud83d\\ude00".as_bytes(),
            "\u{1F600}".as_bytes()
        ));
        assert!(string_eq(
            "é".as_bytes(),
            "\\u00e9".replace("\\u00e9", "é").as_bytes()
        ));
        assert!(!string_eq(b"wx", b"wx4f"));
        assert!(!string_eq(b"wx4f", b"wx"));
        assert!(!string_eq(b"\\ud800", "\u{FFFD}".as_bytes()));
        assert_eq!(unescape(b"a\\nb\\u00e9\\ud800"), "a\nbé\u{FFFD}");
    }

    #[test]
    fn canonical_phone_table() {
        let wechat = br#"{"phoneNumber":"13580006666","purePhoneNumber":"13580006666","countryCode":"86","watermark":{"timestamp":1477314187,"appid":"wx4f4bc4dec97d474b"}}"#;
        let spans = canonical_phone(wechat).expect("WeChat's form");
        let texts: Vec<&[u8]> = spans.iter().map(|&(s, l)| &wechat[s..s + l]).collect();
        assert_eq!(
            texts,
            [
                &b"13580006666"[..],
                b"13580006666",
                b"86",
                b"1477314187",
                b"wx4f4bc4dec97d474b"
            ]
        );
        let numeric = br#"{"phoneNumber":"1","purePhoneNumber":"1","countryCode":86,"watermark":{"timestamp":1,"appid":""}}"#;
        assert!(canonical_phone(numeric).is_some());
        // Anything else goes to the host's JSON.parse.
        for other in [
            &br#"{"phoneNumber":"1","purePhoneNumber":"1","countryCode":"86","watermark":{"timestamp":1,"appid":"x"},"extra":1}"#[..],
            br#"{"purePhoneNumber":"1","phoneNumber":"1","countryCode":"86","watermark":{"timestamp":1,"appid":"x"}}"#,
            br#"{"phoneNumber":"1","purePhoneNumber":"1","countryCode":"86","watermark":{"appid":"x","timestamp":1}}"#,
            br#"{ "phoneNumber":"1","purePhoneNumber":"1","countryCode":"86","watermark":{"timestamp":1,"appid":"x"}}"#,
            br#"{"phoneNumber":"\u0031","purePhoneNumber":"1","countryCode":"86","watermark":{"timestamp":1,"appid":"x"}}"#,
            "{\"phoneNumber\":\"é\",\"purePhoneNumber\":\"1\",\"countryCode\":\"86\",\"watermark\":{\"timestamp\":1,\"appid\":\"x\"}}".as_bytes(),
            br#"{"phoneNumber":"1","purePhoneNumber":"1","countryCode":86.0,"watermark":{"timestamp":1,"appid":"x"}}"#,
            br#"{"phoneNumber":"1","purePhoneNumber":"1","countryCode":"86","watermark":{"timestamp":9007199254740992,"appid":"x"}}"#,
            br#"{"phoneNumber":"1","purePhoneNumber":"1","countryCode":"86","watermark":{"timestamp":1,"appid":"x"}} "#,
        ] {
            assert_eq!(canonical_phone(other), None, "{}", String::from_utf8_lossy(other));
        }
    }

    #[test]
    fn safe_integer_table() {
        assert_eq!(safe_integer(b"0"), Some(0));
        assert_eq!(safe_integer(b"1477314187"), Some(1_477_314_187));
        assert_eq!(safe_integer(b"9007199254740991"), Some((1 << 53) - 1));
        for bad in [
            &b"9007199254740992"[..],
            b"-1",
            b"1.0",
            b"1e3",
            b"",
            b"99999999999999999",
        ] {
            assert_eq!(safe_integer(bad), None, "{bad:?}");
        }
    }
}
