//! The strict reply-envelope reader (security/src/envelope.rs).

// Helpers outside #[test] functions fail loudly too.
#![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::{str, vectors};
use wx_open_data_security::envelope::{open_envelope, MAX_BODY};

#[test]
fn the_docs_request_and_reply_bodies() {
    let v = vectors();
    let e = open_envelope(str(&v["doc"]["responseBody"]).as_bytes()).unwrap();
    assert_eq!(&e.iv, b"\xaf\x65\x83\x42\xde\x7a\xac\x40\x26\x32\xea\x11");
    assert_eq!(e.authtag.len(), 16);
    assert_eq!(e.data.len(), 165, "the doc's 165-byte reply plaintext");
    let r = open_envelope(str(&v["doc"]["requestBody"]).as_bytes()).unwrap();
    // GCM: as long as the doc's 188-byte plaintext.
    assert_eq!(r.data.len(), 188);
}

const IV: &str = "AAAAAAAAAAAAAAAA";
const TAG: &str = "AAAAAAAAAAAAAAAAAAAAAA==";

fn body(members: &str) -> Vec<u8> {
    members.as_bytes().to_vec()
}

#[test]
fn accepted_forms() {
    let ok = [
        format!(r#"{{"iv":"{IV}","data":"YWJj","authtag":"{TAG}"}}"#),
        format!(" \n{{ \"authtag\" : \"{TAG}\" ,\t\"data\":\"YWJj\", \"iv\":\"{IV}\" }}\r\n"),
        format!(r#"{{"iv":"{IV}","data":"","authtag":"{TAG}"}}"#),
        // Escaped characters are JSON's business: \/ is '/', \u0069 is 'i'.
        format!(r#"{{"\u0069v":"{IV}","data":"YW\/j","authtag":"{TAG}"}}"#),
    ];
    for text in ok {
        assert!(open_envelope(&body(&text)).is_some(), "{text}");
    }
}

#[test]
fn refused_forms() {
    let bad = [
        String::new(),
        "null".into(),
        "[]".into(),
        "{}".into(),
        format!(r#"{{"iv":"{IV}","data":"YWJj"}}"#),
        format!(r#"{{"iv":"{IV}","data":"YWJj","authtag":"{TAG}","x":"1"}}"#),
        format!(r#"{{"iv":"{IV}","iv":"{IV}","data":"YWJj","authtag":"{TAG}"}}"#),
        format!(r#"{{"iv":"{IV}","data":"YWJj","data":"YWJj","authtag":"{TAG}"}}"#),
        format!(r#"{{"iv":"{IV}","data":"YWJj","authtag":"{TAG}"}} x"#),
        format!(r#"{{"iv":"{IV}","data":"YWJj","authtag":"{TAG}"}}{{}}"#),
        format!(r#"{{"iv":"{IV}","data":"YWJj","authtag":"{TAG}",}}"#),
        format!(r#"{{"iv":"{IV}","data":1,"authtag":"{TAG}"}}"#),
        format!(r#"{{"iv":"{IV}","data":null,"authtag":"{TAG}"}}"#),
        format!(r#"{{"iv":"{IV}","data":"YWJ","authtag":"{TAG}"}}"#),
        format!(r#"{{"iv":"{IV}","data":"YWJk","authtag":"{TAG}"}}"#).replace("YWJk", "YW Jj"),
        format!(r#"{{"iv":"{IV}","data":"YWI=","authtag":"{TAG}"}}"#).replace("YWI=", "YWJ="),
        format!(r#"{{"iv":"{IV}","data":"YW-_","authtag":"{TAG}"}}"#),
        format!(r#"{{"iv":"AAAAAAAAAAAAAAA=","data":"YWJj","authtag":"{TAG}"}}"#),
        format!(r#"{{"iv":"{IV}","data":"YWJj","authtag":"AAAAAAAAAAAAAAAAAAAAAAA="}}"#),
        format!(r#"{{"iv":"{IV}","data":"YWJj","authtag":"{TAG}"#),
        format!("{{\"iv\":\"{IV}\",\"data\":\"YW\u{1}Jj\",\"authtag\":\"{TAG}\"}}"),
        format!(r#"{{"iv":"{IV}","data":"\uD800","authtag":"{TAG}"}}"#),
        format!("\u{feff}{{\"iv\":\"{IV}\",\"data\":\"YWJj\",\"authtag\":\"{TAG}\"}}"),
        format!(r#"{{'iv':"{IV}","data":"YWJj","authtag":"{TAG}"}}"#),
    ];
    for text in bad {
        assert!(open_envelope(&body(&text)).is_none(), "{text}");
    }
}

#[test]
fn the_size_limit() {
    let fill = |n: usize| {
        format!(
            r#"{{"iv":"{IV}","data":"{}","authtag":"{TAG}"}}"#,
            "A".repeat(n)
        )
    };
    let overhead = fill(0).len();
    let at_limit = fill((MAX_BODY - overhead) / 4 * 4);
    assert!(at_limit.len() <= MAX_BODY);
    assert!(open_envelope(at_limit.as_bytes()).is_some());
    let over = format!("{}{}", at_limit, " ".repeat(MAX_BODY + 1 - at_limit.len()));
    assert!(open_envelope(over.as_bytes()).is_none());
}
