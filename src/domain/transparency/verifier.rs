//! An outsider's check of a served log, needing nothing but a way to fetch paths under the
//! log's base URL and the log's verifier key(s): it verifies the checkpoint's signature,
//! downloads every entry bundle and hash tile, recomputes every hash and the root, and
//! checks that the history seen last time is still the log's prefix.
//!
//! Memory stays small: one tile at a time, plus one hash per full tile of the level below.

use tlog_tiles::{EMPTY_HASH, HASH_SIZE, Hash, node_hash};

use super::checkpoint::{CheckpointError, open_checkpoint};
use super::tiles::{BundleError, TILE_WIDTH, Tile, level_tiles, parse_entry_bundle};
use super::tree::leaf_hash;

/// What a successful check establishes, to keep until the next one: the log's origin, size
/// and root hash, with the signed checkpoint note that vouched for them.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedState {
    /// The log's origin.
    pub origin: String,
    /// The number of entries checked.
    pub size: u64,
    /// Their root hash.
    pub root: Hash,
    note: String,
}

impl VerifiedState {
    /// The state as a small text file: the signed checkpoint note itself, which also stands
    /// as the log's signed word should it later contradict itself.
    pub fn to_text(&self) -> &str {
        &self.note
    }

    /// Reads a state saved by [`VerifiedState::to_text`], checking its signature with
    /// `vkeys` (which must still list the key that signed it, even if now retired).
    pub fn from_text<K: AsRef<str>>(text: &str, vkeys: &[K]) -> Result<Self, CheckpointError> {
        let checkpoint = open_checkpoint(text.as_bytes(), vkeys)?;
        Ok(Self {
            origin: checkpoint.origin,
            size: checkpoint.size,
            root: checkpoint.root,
            note: text.to_owned(),
        })
    }
}

/// The first inconsistency found in a served log.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError<E> {
    /// The fetch callback failed.
    #[error("fetching {path} failed: {error}")]
    Fetch {
        /// The path asked for.
        path: String,
        /// The callback's error.
        error: E,
    },
    /// The checkpoint does not open with the trusted keys.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    /// The checkpoint names another log than the saved state.
    #[error("the checkpoint is for {now:?}, not for {saved:?} as last time")]
    OriginChanged {
        /// The saved origin.
        saved: String,
        /// The checkpoint's origin.
        now: String,
    },
    /// The log is smaller than last time.
    #[error(
        "the log is smaller ({size}) than the checkpoint saved last time ({saved}): rolled back"
    )]
    RolledBack {
        /// The checkpoint's size.
        size: u64,
        /// The saved size.
        saved: u64,
    },
    /// An entry bundle cannot be read.
    #[error("{path} is not a well-formed entry bundle: {error}")]
    BadBundle {
        /// The bundle's path.
        path: String,
        /// What is wrong.
        error: BundleError,
    },
    /// An entry bundle holds the wrong number of entries.
    #[error("{path} holds {found} entries instead of {expected}")]
    WrongEntryCount {
        /// The bundle's path.
        path: String,
        /// Its width.
        expected: u32,
        /// The entries found.
        found: usize,
    },
    /// A hash tile has the wrong length.
    #[error("{path} is {found} bytes long instead of {expected}")]
    WrongTileLength {
        /// The tile's path.
        path: String,
        /// 32 bytes per hash of its width.
        expected: usize,
        /// Its length.
        found: usize,
    },
    /// An entry's hash differs from the level-0 tile's.
    #[error("entry {index} in {bundle} does not hash to {tile}'s hash {position}")]
    EntryMismatch {
        /// The entry's index in the log.
        index: u64,
        /// Its bundle's path.
        bundle: String,
        /// The level-0 tile's path.
        tile: String,
        /// The hash's position in that tile.
        position: usize,
    },
    /// A higher-level tile's hash differs from the hash of the full tile below it.
    #[error("{tile}'s hash {position} is not the hash of {child}")]
    TileMismatch {
        /// The tile's path.
        tile: String,
        /// The hash's position in it.
        position: usize,
        /// The path of the tile it should be the hash of.
        child: String,
    },
    /// The log's first entries no longer hash to the saved root.
    #[error(
        "the first {size} entries no longer hash to the root saved last time: history rewritten"
    )]
    HistoryRewritten {
        /// The saved size.
        size: u64,
    },
    /// The entries do not hash to the checkpoint's root.
    #[error("the log's {size} entries do not hash to the checkpoint's root hash")]
    RootMismatch {
        /// The checkpoint's size.
        size: u64,
    },
}

/// Checks the whole log served through `fetch` (which takes a path relative to the log's
/// base URL, such as `checkpoint`, `tile/0/000` or `tile/entries/x001/234.p/5`) against
/// the trusted verifier keys `vkeys` and, if given, the state saved by the previous check.
/// Returns the new state to save, or the first inconsistency found.
pub fn verify_log<F, E, K>(
    mut fetch: F,
    vkeys: &[K],
    saved: Option<&VerifiedState>,
) -> Result<VerifiedState, VerifyError<E>>
where
    F: FnMut(&str) -> Result<Vec<u8>, E>,
    K: AsRef<str>,
{
    let (note, _) = get(&mut fetch, "checkpoint".to_owned())?;
    let checkpoint = open_checkpoint(&note, vkeys)?;
    if let Some(saved) = saved {
        if saved.origin != checkpoint.origin {
            return Err(VerifyError::OriginChanged {
                saved: saved.origin.clone(),
                now: checkpoint.origin,
            });
        }
        if checkpoint.size < saved.size {
            return Err(VerifyError::RolledBack {
                size: checkpoint.size,
                saved: saved.size,
            });
        }
    }
    let (leaves, mut below) = check_entries(&mut fetch, checkpoint.size, saved)?;
    for level in (1..).take_while(|&l| level_tiles(checkpoint.size, Some(l)).next().is_some()) {
        below = check_level(&mut fetch, checkpoint.size, level, &below)?;
    }
    if leaves.root() != checkpoint.root {
        return Err(VerifyError::RootMismatch {
            size: checkpoint.size,
        });
    }
    Ok(VerifiedState {
        origin: checkpoint.origin,
        size: checkpoint.size,
        root: checkpoint.root,
        note: String::from_utf8_lossy(&note).into_owned(),
    })
}

/// Checks every entry bundle against its level-0 tile, and the saved root when the saved
/// size is reached. Returns the leaves' frontier and the hashes of the full level-0 tiles.
fn check_entries<F, E>(
    fetch: &mut F,
    size: u64,
    saved: Option<&VerifiedState>,
) -> Result<(Frontier, Vec<Hash>), VerifyError<E>>
where
    F: FnMut(&str) -> Result<Vec<u8>, E>,
{
    let check_saved = |leaves: &Frontier| match saved {
        Some(s) if s.size == leaves.count && s.root != leaves.root() => {
            Err(VerifyError::HistoryRewritten { size: s.size })
        }
        _ => Ok(()),
    };
    let mut leaves = Frontier::default();
    check_saved(&leaves)?;
    let mut full_tiles = Vec::new();
    for (bundle, tile) in level_tiles(size, None).zip(level_tiles(size, Some(0))) {
        let (bytes, bundle_path) = get(fetch, bundle.path())?;
        let entries = parse_entry_bundle(&bytes).map_err(|error| VerifyError::BadBundle {
            path: bundle_path.clone(),
            error,
        })?;
        if entries.len() != bundle.width() as usize {
            return Err(VerifyError::WrongEntryCount {
                path: bundle_path,
                expected: bundle.width(),
                found: entries.len(),
            });
        }
        let (hashes, tile_path) = get_hash_tile(fetch, &tile)?;
        for (position, (entry, served)) in entries.iter().zip(hashes.chunks(HASH_SIZE)).enumerate()
        {
            let hash = leaf_hash(entry);
            if hash.0 != served {
                return Err(VerifyError::EntryMismatch {
                    index: bundle.leaf_range().start + position as u64,
                    bundle: bundle_path,
                    tile: tile_path,
                    position,
                });
            }
            leaves.push(hash);
            check_saved(&leaves)?;
        }
        if tile.is_full() {
            full_tiles.push(tlog_tiles::Tile::subtree_hash(&hashes));
        }
    }
    Ok((leaves, full_tiles))
}

/// Checks the hash tiles of `level` (1 or more) of a log of `size` entries against `below`, the hashes of the full
/// tiles one level down, and returns the hashes of this level's full tiles.
fn check_level<F, E>(
    fetch: &mut F,
    size: u64,
    level: u8,
    below: &[Hash],
) -> Result<Vec<Hash>, VerifyError<E>>
where
    F: FnMut(&str) -> Result<Vec<u8>, E>,
{
    let mut full_tiles = Vec::new();
    for tile in level_tiles(size, Some(level)) {
        let (hashes, tile_path) = get_hash_tile(fetch, &tile)?;
        let first = tile.index() * u64::from(TILE_WIDTH);
        let expected = below
            .iter()
            .skip(usize::try_from(first).unwrap_or(usize::MAX));
        for (position, (want, served)) in expected.zip(hashes.chunks(HASH_SIZE)).enumerate() {
            if want.0 != served {
                let child = Tile::new(Some(level - 1), first + position as u64, TILE_WIDTH);
                return Err(VerifyError::TileMismatch {
                    tile: tile_path,
                    position,
                    child: child.path(),
                });
            }
        }
        if tile.is_full() {
            full_tiles.push(tlog_tiles::Tile::subtree_hash(&hashes));
        }
    }
    Ok(full_tiles)
}

/// Fetches `path`, returning its bytes and the path.
fn get<F, E>(fetch: &mut F, path: String) -> Result<(Vec<u8>, String), VerifyError<E>>
where
    F: FnMut(&str) -> Result<Vec<u8>, E>,
{
    match fetch(&path) {
        Ok(bytes) => Ok((bytes, path)),
        Err(error) => Err(VerifyError::Fetch { path, error }),
    }
}

/// Fetches a hash tile and checks its length.
fn get_hash_tile<F, E>(fetch: &mut F, tile: &Tile) -> Result<(Vec<u8>, String), VerifyError<E>>
where
    F: FnMut(&str) -> Result<Vec<u8>, E>,
{
    let (bytes, path) = get(fetch, tile.path())?;
    let expected = tile.width() as usize * HASH_SIZE;
    if bytes.len() != expected {
        return Err(VerifyError::WrongTileLength {
            path,
            expected,
            found: bytes.len(),
        });
    }
    Ok((bytes, path))
}

/// The right edge of a Merkle tree fed one leaf hash at a time: the roots of its maximal
/// complete subtrees, largest first, from which the root of the leaves so far follows.
#[derive(Default)]
struct Frontier {
    count: u64,
    peaks: Vec<Hash>,
}

impl Frontier {
    fn push(&mut self, leaf: Hash) {
        let mut hash = leaf;
        let mut carry = self.count;
        while carry & 1 == 1
            && let Some(left) = self.peaks.pop()
        {
            hash = node_hash(left, hash);
            carry >>= 1;
        }
        self.peaks.push(hash);
        self.count += 1;
    }

    fn root(&self) -> Hash {
        let mut peaks = self.peaks.iter().rev();
        match peaks.next() {
            None => EMPTY_HASH,
            Some(&last) => peaks.fold(last, |right, &left| node_hash(left, right)),
        }
    }
}
