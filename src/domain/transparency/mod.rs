//! The registry's transparency log: every approved international link is appended to an
//! append-only Merkle tree (RFC 9162 hashing) that anyone can download and check.
//!
//! The log is stored as "stored hashes" addressed by a stored-hash index (the layout of Go's
//! `golang.org/x/mod/sumdb/tlog`, mirrored by the `tlog_tiles` crate), one row per hash,
//! and served in the C2SP tlog-tiles layout (<https://c2sp.org/tlog-tiles>): a signed
//! `checkpoint`, hash tiles `tile/<L>/<N>[.p/<W>]` and entry bundles
//! `tile/entries/<N>[.p/<W>]`, 256 hashes or entries per full tile.
//!
//! Everything here is pure computation: the caller reads and writes the database and
//! answers HTTP requests.
//!
//! - [`tree`]: appending leaves, the root hash, inclusion and consistency proofs.
//! - [`tiles`]: tile paths, hash tiles and entry bundles for serving.
//! - [`checkpoint`]: signing and opening checkpoints, witness cosignatures.
//! - [`verifier`]: an outsider's full check of a served log against a saved state.

pub mod checkpoint;
pub mod tiles;
pub mod tree;
pub mod verifier;

#[cfg(test)]
mod tests;

pub use checkpoint::{
    Checkpoint, CheckpointError, CheckpointSigner, add_cosignature, open_checkpoint, verifier_key,
};
pub use tiles::{
    BundleError, MAX_ENTRY_LEN, PathError, TILE_WIDTH, Tile, entry_bundle, parse_entry_bundle,
    read_hash_tile, tiles_for_size,
};
pub use tlog_tiles::Hash;
pub use tree::{
    HashReader, LogError, ProofError, append_leaf, append_leaves, consistency_proof,
    inclusion_proof, leaf_hash, tree_root, verify_consistency, verify_inclusion,
};
pub use verifier::{VerifiedState, VerifyError, verify_log};
