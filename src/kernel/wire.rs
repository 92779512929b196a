//! The Jupyter wire format (messaging 5.x): a message as ZeroMQ frames, signed with
//! HMAC-SHA256 over its four JSON parts.
//!
//! ```text
//! [routing ids..., "<IDS|MSG>", hex signature, header, parent_header, metadata, content, buffers...]
//! ```
//!
//! A message whose signature does not match is rejected here, before anything reads
//! its content: [`decode`] returns [`WireError::BadSignature`] and the kernel drops it.

use bytes::Bytes;
use hmac::{Hmac, KeyInit, Mac};
use jupyter_protocol::JupyterMessage;
use sha2::Sha256;

/// The frame between the routing identities and the signed parts.
pub const DELIMITER: &[u8] = b"<IDS|MSG>";

/// Signs and checks messages with the connection file's key. An empty key turns
/// authentication off (Jupyter's convention): messages are sent unsigned and
/// accepted without a signature.
#[derive(Clone)]
pub struct Signer {
    key: Option<Vec<u8>>,
}

/// Why a multipart message was not accepted.
#[derive(Debug, PartialEq, Eq)]
pub enum WireError {
    /// No `<IDS|MSG>` frame, or fewer than the four signed parts after it.
    Malformed(&'static str),
    /// The signature is not the HMAC of the parts under the session key.
    BadSignature,
    /// The parts are not the JSON of a Jupyter message.
    Json(String),
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WireError::Malformed(what) => write!(f, "malformed message: {what}"),
            WireError::BadSignature => write!(f, "bad signature"),
            WireError::Json(e) => write!(f, "not a Jupyter message: {e}"),
        }
    }
}

impl Signer {
    /// A signer for `key` (as the connection file gives it).
    pub fn new(key: &str) -> Signer {
        Signer {
            key: (!key.is_empty()).then(|| key.as_bytes().to_vec()),
        }
    }

    fn mac(&self, parts: &[&[u8]]) -> Option<Hmac<Sha256>> {
        let key = self.key.as_ref()?;
        // HMAC takes a key of any length.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).ok()?;
        for p in parts {
            mac.update(p);
        }
        Some(mac)
    }

    /// The hex signature of the four signed parts (empty without a key).
    pub fn sign(&self, parts: &[&[u8]]) -> String {
        match self.mac(parts) {
            Some(mac) => hex(&mac.finalize().into_bytes()),
            None => String::new(),
        }
    }

    /// Checks `signature` (hex) against the parts, in constant time.
    pub fn verify(&self, signature: &[u8], parts: &[&[u8]]) -> bool {
        match self.mac(parts) {
            None => true,
            Some(mac) => match unhex(signature) {
                Some(sig) => mac.verify_slice(&sig).is_ok(),
                None => false,
            },
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

fn unhex(text: &[u8]) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    text.chunks(2)
        .map(|pair| match pair {
            [hi, lo] => Some(digit(*hi)? << 4 | digit(*lo)?),
            _ => None,
        })
        .collect()
}

/// Turns the frames of a received message into a [`JupyterMessage`] (its routing
/// identities kept for the reply), after checking its signature.
pub fn decode(frames: Vec<Bytes>, signer: &Signer) -> Result<JupyterMessage, WireError> {
    let split = frames
        .iter()
        .position(|f| f.as_ref() == DELIMITER)
        .ok_or(WireError::Malformed("no <IDS|MSG> delimiter"))?;
    let identities = frames[..split].to_vec();
    let rest = &frames[split + 1..];
    let [signature, header, parent, metadata, content, buffers @ ..] = rest else {
        return Err(WireError::Malformed(
            "fewer than five frames after <IDS|MSG>",
        ));
    };
    if !signer.verify(signature, &[header, parent, metadata, content]) {
        return Err(WireError::BadSignature);
    }
    let part = |b: &Bytes| -> Result<serde_json::Value, WireError> {
        serde_json::from_slice(b).map_err(|e| WireError::Json(e.to_string()))
    };
    let header = part(header)?;
    let mut content = part(content)?;
    if header.get("msg_type").and_then(|t| t.as_str()) == Some("history_request") {
        complete_history_request(&mut content);
    }
    let value = serde_json::json!({
        "header": header,
        "parent_header": part(parent)?,
        "metadata": part(metadata)?,
        "content": content,
    });
    let mut msg = JupyterMessage::from_value(value).map_err(|e| WireError::Json(e.to_string()))?;
    msg.zmq_identities = identities;
    msg.buffers = buffers.to_vec();
    Ok(msg)
}

/// Fills in what a client left out of a `history_request` (clients send only the
/// fields of the access type they ask for, e.g. a `range` without `stop`, or
/// `tail` without `raw`), so that every history request is answered.
fn complete_history_request(content: &mut serde_json::Value) {
    let Some(fields) = content.as_object_mut() else {
        return;
    };
    let defaults = [
        ("hist_access_type", serde_json::json!("range")),
        ("session", serde_json::Value::Null),
        ("start", serde_json::json!(0)),
        ("stop", serde_json::json!(0)),
        ("n", serde_json::json!(0)),
        ("pattern", serde_json::json!("*")),
        ("unique", serde_json::json!(false)),
        ("output", serde_json::json!(false)),
        ("raw", serde_json::json!(true)),
    ];
    for (key, value) in defaults {
        match fields.get(key) {
            Some(v) if !v.is_null() || key == "session" => {}
            _ => {
                fields.insert(key.to_string(), value);
            }
        }
    }
}

/// The frames of `msg`, signed, after its routing identities (or a topic on IOPub).
pub fn encode(msg: &JupyterMessage, signer: &Signer) -> Result<Vec<Bytes>, WireError> {
    let json =
        |v: Result<Vec<u8>, serde_json::Error>| v.map_err(|e| WireError::Json(e.to_string()));
    let header = json(serde_json::to_vec(&msg.header))?;
    let parent = match &msg.parent_header {
        Some(h) => json(serde_json::to_vec(h))?,
        None => b"{}".to_vec(),
    };
    let metadata = json(serde_json::to_vec(&msg.metadata))?;
    let content = json(serde_json::to_vec(&msg.content))?;
    let signature = signer.sign(&[&header, &parent, &metadata, &content]);
    let mut frames = msg.zmq_identities.clone();
    frames.push(Bytes::from_static(DELIMITER));
    frames.push(Bytes::from(signature));
    frames.extend([header, parent, metadata, content].map(Bytes::from));
    frames.extend(msg.buffers.iter().cloned());
    Ok(frames)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jupyter_protocol::{ExecuteRequest, JupyterMessageContent};

    fn request() -> JupyterMessage {
        let mut msg = JupyterMessage::new(ExecuteRequest::new("x = 1".into()), None);
        msg.zmq_identities = vec![Bytes::from_static(b"peer")];
        msg
    }

    #[test]
    fn a_signed_message_round_trips() {
        let signer = Signer::new("secret");
        let frames = encode(&request(), &signer).unwrap();
        assert_eq!(frames[0].as_ref(), b"peer");
        assert_eq!(frames[1].as_ref(), DELIMITER);
        assert_eq!(frames[2].len(), 64);
        let back = decode(frames, &signer).unwrap();
        assert_eq!(back.zmq_identities, vec![Bytes::from_static(b"peer")]);
        match back.content {
            JupyterMessageContent::ExecuteRequest(r) => assert_eq!(r.code, "x = 1"),
            other => panic!("decoded as {}", other.message_type()),
        }
    }

    #[test]
    fn a_wrong_key_or_a_changed_part_is_rejected() {
        let frames = encode(&request(), &Signer::new("secret")).unwrap();
        let other = Signer::new("another key");
        assert_eq!(
            decode(frames.clone(), &other).unwrap_err(),
            WireError::BadSignature
        );
        let mut tampered = frames.clone();
        tampered[6] = Bytes::from(r#"{"code":"y = 2","silent":false}"#);
        assert_eq!(
            decode(tampered, &Signer::new("secret")).unwrap_err(),
            WireError::BadSignature
        );
        let mut unsigned = frames;
        unsigned[2] = Bytes::new();
        assert_eq!(
            decode(unsigned, &Signer::new("secret")).unwrap_err(),
            WireError::BadSignature
        );
    }

    #[test]
    fn a_history_request_without_stop_or_raw_is_read() {
        let signer = Signer::new("");
        let mut frames = encode(&request(), &signer).unwrap();
        // header, parent, metadata, content follow the delimiter and the signature.
        let header = r#"{"msg_id":"1","username":"u","session":"s","date":"2026-01-01T00:00:00Z","msg_type":"history_request","version":"5.3"}"#;
        frames[3] = Bytes::from(header);
        for content in [
            r#"{"hist_access_type":"range","output":false,"raw":true,"start":1}"#,
            r#"{"hist_access_type":"tail","n":10}"#,
            r#"{"hist_access_type":"search","pattern":"x*"}"#,
        ] {
            frames[6] = Bytes::from(content);
            let msg = decode(frames.clone(), &signer).unwrap();
            assert!(
                matches!(msg.content, JupyterMessageContent::HistoryRequest(_)),
                "{content} decoded as {}",
                msg.content.message_type()
            );
        }
    }

    #[test]
    fn an_empty_key_turns_signing_off() {
        let signer = Signer::new("");
        let frames = encode(&request(), &signer).unwrap();
        assert!(frames[2].is_empty());
        assert!(decode(frames, &signer).is_ok());
    }

    #[test]
    fn malformed_frames_are_errors_not_panics() {
        let signer = Signer::new("k");
        assert!(matches!(
            decode(vec![Bytes::from_static(b"x")], &signer),
            Err(WireError::Malformed(_))
        ));
        assert!(matches!(
            decode(vec![Bytes::from_static(DELIMITER), Bytes::new()], &signer),
            Err(WireError::Malformed(_))
        ));
        let junk = [&b"{"[..], b"{}", b"{}", b"{}"].map(Bytes::from_static);
        let sig = signer.sign(&junk.iter().map(|b| b.as_ref()).collect::<Vec<_>>());
        let mut frames = vec![Bytes::from_static(DELIMITER), Bytes::from(sig)];
        frames.extend(junk);
        assert!(matches!(decode(frames, &signer), Err(WireError::Json(_))));
    }

    #[test]
    fn hex_round_trips() {
        assert_eq!(hex(&[0, 15, 255]), "000fff");
        assert_eq!(unhex(b"000fff"), Some(vec![0, 15, 255]));
        assert_eq!(unhex(b"0g"), None);
        assert_eq!(unhex(b"abc"), None);
    }
}
