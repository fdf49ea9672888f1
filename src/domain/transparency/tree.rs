//! The Merkle tree over the log's entries, kept as stored hashes: appending entries, the
//! root hash of any size, and inclusion and consistency proofs with their verification.
//!
//! The arithmetic is `tlog_tiles`'s; this module puts the caller's storage behind it and
//! turns its failures into [`LogError`].

use std::cell::RefCell;

use tlog_tiles::{EMPTY_HASH, Hash};

use super::tiles::MAX_ENTRY_LEN;

/// Read access to the log's stored hashes, e.g. a `tlog_hashes(index, hash)` table.
///
/// A stored hash's index is its position in the Go tlog layout: the hashes that appending
/// entry `n` produces are stored from index `tlog_tiles::stored_hash_index(0, n)` on, so a log
/// of `n` entries holds exactly the indexes below `tlog_tiles::stored_hash_count(n)`.
pub trait HashReader {
    /// What a failed read reports, e.g. the database error.
    type Error;

    /// Returns the hashes stored at `indexes`, in the same order and as many as asked.
    /// The indexes are usually in increasing order and are all below the stored hash count.
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, Self::Error>;
}

/// Why a computation over the stored hashes failed.
#[derive(Debug, thiserror::Error)]
pub enum LogError<E> {
    /// The [`HashReader`] failed.
    #[error("reading the stored hashes failed: {0}")]
    Storage(E),
    /// The [`HashReader`] answered with the wrong number of hashes.
    #[error("the hash store returned {returned} hashes when asked for {asked}")]
    WrongHashCount {
        /// How many indexes were asked for.
        asked: usize,
        /// How many hashes came back.
        returned: usize,
    },
    /// An entry too long for an entry bundle's 16-bit length prefix.
    #[error("entry {index} is {len} bytes long, more than the {max} an entry bundle can hold", max = MAX_ENTRY_LEN)]
    EntryTooLarge {
        /// The index the entry would have had.
        index: u64,
        /// Its length in bytes.
        len: usize,
    },
    /// A proof was asked for an entry the log does not hold.
    #[error("entry {index} is not in a log of {size} entries")]
    IndexOutOfRange {
        /// The entry asked for.
        index: u64,
        /// The log size.
        size: u64,
    },
    /// A consistency proof was asked from a larger size to a smaller one.
    #[error("a log of {old} entries cannot be a prefix of one of {new}")]
    SizesOutOfOrder {
        /// The size the proof would start from.
        old: u64,
        /// The size the proof would lead to.
        new: u64,
    },
    /// A hash tile was asked to be read for an entry bundle.
    #[error("{0} is an entry bundle, not a hash tile")]
    NotAHashTile(String),
    /// The tree arithmetic refused its inputs (a stored hash asked beyond those given).
    #[error("the tree computation failed: {0}")]
    Tree(tlog_tiles::Error),
}

/// Why a proof does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The entry is not within the tree size the proof is for.
    #[error("entry {index} is not in a log of {size} entries")]
    IndexOutOfRange {
        /// The entry's index.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// The older size is larger than the newer one.
    #[error("a log of {old} entries cannot be a prefix of one of {new}")]
    SizesOutOfOrder {
        /// The older size.
        old: u64,
        /// The newer size.
        new: u64,
    },
    /// The proof's hashes do not lead to the root hash(es) given.
    #[error("the proof does not lead to the expected root hash")]
    Invalid,
}

/// The RFC 9162 leaf hash of an entry: SHA-256(0x00 ‖ data).
pub fn leaf_hash(data: &[u8]) -> Hash {
    tlog_tiles::record_hash(data)
}

/// The stored hashes to write when appending `entry` to a log of `size` entries, as
/// (stored-hash index, hash) pairs. Reads at most log₂(size) earlier hashes.
pub fn append_leaf<R: HashReader>(
    reader: &R,
    size: u64,
    entry: &[u8],
) -> Result<Vec<(u64, Hash)>, LogError<R::Error>> {
    append_leaves(reader, size, &[entry])
}

/// The stored hashes to write when appending `entries`, in order, to a log of `size`
/// entries (several entries appended in one transaction), as (stored-hash index, hash) pairs.
/// Hashes produced for earlier entries of the batch are used without reading them back.
pub fn append_leaves<R: HashReader, L: AsRef<[u8]>>(
    reader: &R,
    size: u64,
    entries: &[L],
) -> Result<Vec<(u64, Hash)>, LogError<R::Error>> {
    let store = Store::new(reader, tlog_tiles::stored_hash_index(0, size));
    for (index, entry) in (size..).zip(entries) {
        let entry = entry.as_ref();
        if entry.len() > MAX_ENTRY_LEN {
            return Err(LogError::EntryTooLarge {
                index,
                len: entry.len(),
            });
        }
        let hashes =
            tlog_tiles::stored_hashes(index, entry, &store).map_err(|e| store.failure(e))?;
        store.pending.borrow_mut().extend(hashes);
    }
    let start = store.start;
    Ok((start..).zip(store.pending.into_inner()).collect())
}

/// The root hash of the log's first `size` entries (the empty-string hash for 0).
pub fn tree_root<R: HashReader>(reader: &R, size: u64) -> Result<Hash, LogError<R::Error>> {
    let store = Store::new(reader, u64::MAX);
    tlog_tiles::tree_hash(size, &store).map_err(|e| store.failure(e))
}

/// The inclusion proof (RFC 9162 audit path) of entry `index` in the tree of `size` entries.
pub fn inclusion_proof<R: HashReader>(
    reader: &R,
    size: u64,
    index: u64,
) -> Result<Vec<Hash>, LogError<R::Error>> {
    if index >= size {
        return Err(LogError::IndexOutOfRange { index, size });
    }
    let store = Store::new(reader, u64::MAX);
    tlog_tiles::prove_record(size, index, &store).map_err(|e| store.failure(e))
}

/// The consistency proof that the tree of `old` entries is a prefix of the tree of `new`
/// entries (empty when `old` is 0 or equals `new`).
pub fn consistency_proof<R: HashReader>(
    reader: &R,
    old: u64,
    new: u64,
) -> Result<Vec<Hash>, LogError<R::Error>> {
    if old > new {
        return Err(LogError::SizesOutOfOrder { old, new });
    }
    if old == 0 {
        return Ok(Vec::new());
    }
    let store = Store::new(reader, u64::MAX);
    tlog_tiles::prove_tree(new, old, &store).map_err(|e| store.failure(e))
}

/// Checks that `proof` shows the entry with hash `leaf` (see [`leaf_hash`]) at `index` in
/// the tree of `size` entries whose root is `root`.
pub fn verify_inclusion(
    proof: &[Hash],
    size: u64,
    root: Hash,
    index: u64,
    leaf: Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    tlog_tiles::check_record(&proof.to_vec(), size, root, index, leaf)
        .map_err(|_| ProofError::Invalid)
}

/// Checks that `proof` shows the tree of `old_size` entries with root `old_root` to be a
/// prefix of the tree of `new_size` entries with root `new_root`.
pub fn verify_consistency(
    proof: &[Hash],
    old_size: u64,
    old_root: Hash,
    new_size: u64,
    new_root: Hash,
) -> Result<(), ProofError> {
    if old_size > new_size {
        return Err(ProofError::SizesOutOfOrder {
            old: old_size,
            new: new_size,
        });
    }
    if old_size == 0 {
        return if proof.is_empty() && old_root == EMPTY_HASH {
            Ok(())
        } else {
            Err(ProofError::Invalid)
        };
    }
    tlog_tiles::check_tree(&proof.to_vec(), new_size, new_root, old_size, old_root)
        .map_err(|_| ProofError::Invalid)
}

/// The caller's [`HashReader`] seen through `tlog_tiles::HashReader`: hashes from `start`
/// on come from `pending` (appended in this batch), earlier ones from the caller, and the
/// caller's own error is kept aside for [`Store::failure`] to return.
pub(super) struct Store<'a, R: HashReader> {
    reader: &'a R,
    start: u64,
    pending: RefCell<Vec<Hash>>,
    failed: RefCell<Option<LogError<R::Error>>>,
}

impl<'a, R: HashReader> Store<'a, R> {
    /// Reads every index below `start` from `reader`, and those above from the batch.
    pub(super) fn new(reader: &'a R, start: u64) -> Self {
        Self {
            reader,
            start,
            pending: RefCell::new(Vec::new()),
            failed: RefCell::new(None),
        }
    }

    /// The error to report for `tlog_tiles`'s `error`: the caller's, if a read failed.
    pub(super) fn failure(&self, error: tlog_tiles::Error) -> LogError<R::Error> {
        self.failed
            .borrow_mut()
            .take()
            .unwrap_or(LogError::Tree(error))
    }

    fn fail(&self, error: LogError<R::Error>) -> tlog_tiles::Error {
        *self.failed.borrow_mut() = Some(error);
        tlog_tiles::Error::IndexesNotInTree
    }
}

impl<R: HashReader> tlog_tiles::HashReader for Store<'_, R> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        let older: Vec<u64> = indexes
            .iter()
            .copied()
            .filter(|&i| i < self.start)
            .collect();
        let read = if older.is_empty() {
            Vec::new()
        } else {
            self.reader
                .read_hashes(&older)
                .map_err(|e| self.fail(LogError::Storage(e)))?
        };
        if read.len() != older.len() {
            return Err(self.fail(LogError::WrongHashCount {
                asked: older.len(),
                returned: read.len(),
            }));
        }
        let pending = self.pending.borrow();
        let mut read = read.into_iter();
        indexes
            .iter()
            .map(|&i| match i.checked_sub(self.start) {
                None => read.next(),
                Some(offset) => usize::try_from(offset)
                    .ok()
                    .and_then(|o| pending.get(o).copied()),
            })
            .collect::<Option<Vec<Hash>>>()
            .ok_or(tlog_tiles::Error::IndexesNotInTree)
    }
}
