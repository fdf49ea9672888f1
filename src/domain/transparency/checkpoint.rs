//! Checkpoints (C2SP tlog-checkpoint): the log's origin, size and root hash, signed as a
//! C2SP signed note with the log's Ed25519 key, whose name is the origin.
//!
//! Opening accepts any of several trusted verifier keys (key rotation: a retired key stays
//! listed so that old checkpoints still open) and keeps signature lines by other keys, such
//! as witness cosignatures (C2SP tlog-cosignature), without judging them.

use std::collections::HashSet;

use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use ed25519_dalek::ed25519::signature;
use signed_note::{
    Note, NoteError, Signature, StandardSigner, StandardVerifier, Verifier, VerifierList,
};
use tlog_tiles::Hash;

/// The signed-note algorithm byte for Ed25519 keys.
const ALG_ED25519: u8 = 1;

/// Why a checkpoint could not be made or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// The origin cannot be a key name.
    #[error("{0:?} cannot name a log: it must be non-empty, without spaces or '+'")]
    BadOrigin(String),
    /// A trusted key given is not in the `<name>+<hex id>+<base64 key>` form.
    #[error("{key:?} is not a usable verifier key: {reason}")]
    BadVerifierKey {
        /// The key as given.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The text is not a signed note.
    #[error("the checkpoint is not a well-formed signed note")]
    MalformedNote,
    /// The signed text is not an origin line, a size line and a root hash line.
    #[error("the signed text is not a checkpoint (origin, size and root hash lines)")]
    MalformedCheckpoint,
    /// A signature line is not of the signed-note form.
    #[error("{0:?} is not a signature line")]
    MalformedSignatureLine(String),
    /// A signature by a trusted key does not verify.
    #[error("the checkpoint's signature does not verify with key {key}")]
    BadSignature {
        /// The trusted key whose signature failed.
        key: String,
    },
    /// No signature by any trusted key.
    #[error("the checkpoint carries no signature by any of the trusted keys")]
    NoTrustedSignature,
    /// The trusted key that signed is named differently from the checkpoint's origin.
    #[error("the checkpoint's origin {origin:?} is not the name of the trusted key that signed it")]
    OriginMismatch {
        /// The checkpoint's origin line.
        origin: String,
    },
    /// Signing failed.
    #[error("signing the checkpoint failed: {0}")]
    Signing(String),
}

/// An opened checkpoint: what the log claims, and who signed it.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    /// The log's origin, e.g. `registry.example.la/transparency`.
    pub origin: String,
    /// The number of entries.
    pub size: u64,
    /// The root hash of those entries.
    pub root: Hash,
    /// The trusted verifier key whose signature verified.
    pub signed_by: String,
    /// Signatures by keys not among the trusted ones (e.g. witness cosignatures), unchecked.
    pub other_signatures: Vec<Signature>,
}

/// The log's signing key: signs checkpoints and gives the verifier key to publish.
#[derive(Clone)]
pub struct CheckpointSigner {
    origin: String,
    signer: StandardSigner,
    vkey: String,
}

impl CheckpointSigner {
    /// The signer for the log named `origin` (also the key name) with the Ed25519 private
    /// key `seed`.
    pub fn new(origin: &str, seed: &[u8; 32]) -> Result<Self, CheckpointError> {
        if !signed_note::is_key_name_valid(origin) {
            return Err(CheckpointError::BadOrigin(origin.to_owned()));
        }
        let public = ed25519_dalek::SigningKey::from_bytes(seed).verifying_key();
        let vkey = signed_note::new_ed25519_verifier_key(origin, &public);
        let id = signed_note::key_id(origin, &[&[ALG_ED25519][..], public.as_bytes()].concat());
        let private = BASE64_STANDARD.encode([&[ALG_ED25519][..], seed].concat());
        let signer = StandardSigner::new(&format!("PRIVATE+KEY+{origin}+{id:08x}+{private}"))
            .map_err(|e| CheckpointError::Signing(e.to_string()))?;
        Ok(Self {
            origin: origin.to_owned(),
            signer,
            vkey,
        })
    }

    /// The verifier key to publish: `<origin>+<8 hex digits key id>+<base64(0x01 ‖ public
    /// key)>`.
    pub fn verifier_key(&self) -> &str {
        &self.vkey
    }

    /// The signed checkpoint note for a log of `size` entries with root hash `root`.
    pub fn sign(&self, size: u64, root: Hash) -> Result<String, CheckpointError> {
        let body = tlog_tiles::Checkpoint::new(&self.origin, size, root, "")
            .map_err(|_| CheckpointError::BadOrigin(self.origin.clone()))?;
        let mut note =
            Note::new(&body.to_bytes(), &[]).map_err(|_| CheckpointError::MalformedNote)?;
        note.add_sigs(&[&self.signer])
            .map_err(|e| CheckpointError::Signing(e.to_string()))?;
        note_text(&note)
    }
}

/// The verifier key of the log named `origin` for the Ed25519 public key `public`: what a
/// retired key's [`CheckpointSigner::verifier_key`] was.
pub fn verifier_key(origin: &str, public: &[u8; 32]) -> Result<String, CheckpointError> {
    if !signed_note::is_key_name_valid(origin) {
        return Err(CheckpointError::BadOrigin(origin.to_owned()));
    }
    let public = ed25519_dalek::VerifyingKey::from_bytes(public).map_err(|e| {
        CheckpointError::BadVerifierKey {
            key: BASE64_STANDARD.encode(public),
            reason: e.to_string(),
        }
    })?;
    Ok(signed_note::new_ed25519_verifier_key(origin, &public))
}

/// Opens a checkpoint note: checks that one of `vkeys` (trusted verifier keys) signed it and
/// that its origin is that key's name, and returns its contents. Signature lines by other
/// keys are kept in [`Checkpoint::other_signatures`]; a bad signature by a trusted key fails.
pub fn open_checkpoint<K: AsRef<str>>(
    note: &[u8],
    vkeys: &[K],
) -> Result<Checkpoint, CheckpointError> {
    let mut seen = HashSet::new();
    let mut verifiers: Vec<Box<dyn Verifier>> = Vec::new();
    for key in vkeys {
        let key = key.as_ref();
        let verifier = StandardVerifier::new(key).map_err(|e| CheckpointError::BadVerifierKey {
            key: key.to_owned(),
            reason: e.to_string(),
        })?;
        if seen.insert((verifier.name().to_owned(), verifier.key_id())) {
            verifiers.push(Box::new(verifier));
        }
    }
    let note = Note::from_bytes(note).map_err(|_| CheckpointError::MalformedNote)?;
    let (verified, other_signatures) =
        note.verify(&VerifierList::new(verifiers))
            .map_err(|e| match e {
                NoteError::InvalidSignature { name, id } => CheckpointError::BadSignature {
                    key: vkey_of(vkeys, &name, id),
                },
                NoteError::UnverifiedNote => CheckpointError::NoTrustedSignature,
                _ => CheckpointError::MalformedNote,
            })?;
    let body = tlog_tiles::Checkpoint::from_bytes(note.text())
        .map_err(|_| CheckpointError::MalformedCheckpoint)?;
    let signer = verified
        .iter()
        .find(|s| s.name() == body.origin())
        .ok_or_else(|| CheckpointError::OriginMismatch {
            origin: body.origin().to_owned(),
        })?;
    Ok(Checkpoint {
        origin: body.origin().to_owned(),
        size: body.size(),
        root: *body.hash(),
        signed_by: vkey_of(vkeys, signer.name(), signer.id()),
        other_signatures,
    })
}

/// Adds a signature line (e.g. a witness cosignature, `— <name> <base64>`) to a checkpoint
/// note, replacing any earlier line by the same key, and returns the new note text. The
/// line's signature is not checked.
pub fn add_cosignature(note: &str, line: &str) -> Result<String, CheckpointError> {
    let bad_line = || CheckpointError::MalformedSignatureLine(line.to_owned());
    let signature =
        Signature::from_bytes(line.trim_end_matches('\n').as_bytes()).map_err(|_| bad_line())?;
    let mut note = Note::from_bytes(note.as_bytes()).map_err(|_| CheckpointError::MalformedNote)?;
    tlog_tiles::Checkpoint::from_bytes(note.text())
        .map_err(|_| CheckpointError::MalformedCheckpoint)?;
    note.add_sigs(&[&Presigned(signature)])
        .map_err(|_| bad_line())?;
    note_text(&note)
}

/// A signature made elsewhere, handed to `Note::add_sigs` as if signing.
struct Presigned(Signature);

impl signed_note::Signer for Presigned {
    fn name(&self) -> &str {
        self.0.name()
    }

    fn key_id(&self) -> u32 {
        self.0.id()
    }

    fn sign(&self, _text: &[u8]) -> Result<Vec<u8>, signature::Error> {
        Ok(self.0.signature().to_vec())
    }
}

/// The trusted key with that name and id, as given.
fn vkey_of<K: AsRef<str>>(vkeys: &[K], name: &str, id: u32) -> String {
    let prefix = format!("{name}+{id:08x}+");
    vkeys
        .iter()
        .map(AsRef::as_ref)
        .find(|k| k.starts_with(&prefix))
        .unwrap_or(prefix.trim_end_matches('+'))
        .to_owned()
}

fn note_text(note: &Note) -> Result<String, CheckpointError> {
    String::from_utf8(note.to_bytes()).map_err(|_| CheckpointError::MalformedNote)
}
