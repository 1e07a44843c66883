//! Writes the seed corpora into `seeds/<target>/` from real-shaped payloads:
//! the node:crypto vectors of tests/vectors/vectors.json (phone data in every
//! variant, userInfo, weRunData, share info), their transport-damaged forms,
//! and the inputs of the error table. `cargo run --example seeds` (stable is
//! enough); the output is committed, so this only runs when the seeds change.

#[path = "../../tests/common/vectors.rs"]
#[allow(dead_code)]
mod vectors;

use std::fs;
use std::path::Path;
use vectors::{APPID, VECTORS};
use wx_open_data::sign;
use wx_open_data_fuzz::join;

fn write(target: &str, name: &str, bytes: &[u8]) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("seeds")
        .join(target);
    fs::create_dir_all(&dir).expect("mkdir");
    fs::write(dir.join(name), bytes).expect("write seed");
}

fn damaged(b64: &str) -> [(&'static str, String); 4] {
    let wrapped: String = b64
        .as_bytes()
        .chunks(64)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("\r\n");
    [
        ("space", b64.replace('+', " ")),
        (
            "urlsafe",
            b64.replace('+', "-")
                .replace('/', "_")
                .trim_end_matches('=')
                .to_owned(),
        ),
        ("wrapped", wrapped),
        ("intact", b64.to_owned()),
    ]
}

/// security_keys and envelope: the keys, certificates and reply bodies of
/// tests/vectors/api-security.json, as PEM and as DER.
fn security_seeds() {
    use base64::Engine;
    let text = include_str!("../../tests/vectors/api-security.json");
    let v: serde_json::Value = serde_json::from_str(text).expect("api-security.json");
    let pems = [
        ("doc-key", &v["doc"]["privateKey"]),
        ("doc-certificate", &v["doc"]["platform"]["certificate"]),
        ("sm2-pkcs8", &v["sm2"]["pkcs8Pem"]),
        ("sm2-sec1", &v["sm2"]["sec1Pem"]),
        ("sm2-certificate", &v["sm2"]["self"]["certificate"]),
    ];
    for (name, pem) in pems {
        let pem = pem.as_str().expect("a PEM");
        write("security_keys", name, pem.as_bytes());
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(body)
            .expect("base64");
        write("security_keys", &format!("{name}.der"), &der);
    }
    for name in ["requestBody", "responseBody"] {
        let body = v["doc"][name].as_str().expect("a body");
        write("envelope", name, body.as_bytes());
    }
}

fn main() {
    security_seeds();
    let now = 1_477_314_187u64.to_string();
    for v in VECTORS {
        // json_shape: the plaintext itself.
        write("json_shape", v.name, v.plaintext.as_bytes());
        // open: the real inputs in its field order (key, iv, data, appId),
        // without and with the appid check, and the plaintext as received JSON.
        write(
            "open",
            v.name,
            &join(&[v.session_key, v.iv, v.encrypted_data]),
        );
        write(
            "open",
            &format!("{}-appid", v.name),
            &join(&[v.session_key, v.iv, v.encrypted_data, APPID]),
        );
        write("open", &format!("{}-json", v.name), v.plaintext.as_bytes());
        // decrypt: the real inputs, plain and with every option.
        write(
            "decrypt",
            v.name,
            &join(&[v.session_key, v.encrypted_data, v.iv]),
        );
        write(
            "decrypt",
            &format!("{}-checked", v.name),
            &join(&[v.session_key, v.encrypted_data, v.iv, APPID, "300", &now]),
        );
        // base64: keys, ivs and ciphertexts, intact and damaged in transit.
        for (kind, text) in damaged(v.encrypted_data) {
            write(
                "base64",
                &format!("{}-data-{kind}", v.name),
                text.as_bytes(),
            );
        }
        write(
            "base64",
            &format!("{}-key", v.name),
            v.session_key.as_bytes(),
        );
        write("base64", &format!("{}-iv", v.name), v.iv.as_bytes());
        // signature: rawData is the plaintext JSON for getUserInfo.
        let signature = sign(v.plaintext, v.session_key);
        write(
            "signature",
            v.name,
            &join(&[v.plaintext, &signature, v.session_key]),
        );
    }
    let phone = VECTORS.first().expect("vectors");
    for (kind, text) in damaged(phone.encrypted_data) {
        write(
            "decrypt",
            &format!("damaged-{kind}"),
            &join(&[
                &phone.session_key.replace('+', " "),
                &text,
                &phone.iv.replace('+', "-"),
            ]),
        );
    }
    // The shapes the error table uses: wrong lengths, truncated, padding.
    for (name, key, data, iv) in [
        (
            "key-12-bytes",
            "AAAAAAAAAAAAAAAA",
            phone.encrypted_data,
            phone.iv,
        ),
        ("iv-empty", phone.session_key, phone.encrypted_data, ""),
        (
            "data-truncated",
            phone.session_key,
            &phone.encrypted_data[..phone.encrypted_data.len() - 8],
            phone.iv,
        ),
        (
            "data-one-block",
            phone.session_key,
            &phone.encrypted_data[..24],
            phone.iv,
        ),
    ] {
        write("decrypt", name, &join(&[key, data, iv]));
    }
    write("base64", "padding-wrong", b"Zm9vYg=");
    write("base64", "trailing-bits", b"Zm9vYh==");
    // Shapes that are JSON but not phone data, or phone data with odd types.
    for (name, text) in [
        (
            "phone-as-array",
            r#"["1","1","86",[1477314187,"wx4f4bc4dec97d474b"]]"#,
        ),
        (
            "watermark-as-array",
            r#"{"phoneNumber":"1","purePhoneNumber":"1","countryCode":86,"watermark":[1477314187,"wx4f4bc4dec97d474b"]}"#,
        ),
        (
            "timestamp-float",
            r#"{"phoneNumber":"1","purePhoneNumber":"1","countryCode":"86","watermark":{"timestamp":1.5e9,"appid":"wx4f4bc4dec97d474b"}}"#,
        ),
        (
            "duplicate-keys",
            r#"{"phoneNumber":"1","phoneNumber":"2","purePhoneNumber":"1","countryCode":"86","watermark":{"timestamp":1477314187,"appid":"wx4f4bc4dec97d474b"}}"#,
        ),
        ("deep", &format!("{}{}", "[".repeat(200), "]".repeat(200))),
    ] {
        write("json_shape", name, text.as_bytes());
        write("open", &format!("json-{name}"), text.as_bytes());
    }
}
