//! Serving the log in the C2SP tlog-tiles layout: tile paths (`tile/<L>/<N>[.p/<W>]` and
//! `tile/entries/<N>[.p/<W>]`, `N` in three-digit groups such as `x001/x234/067`), hash
//! tiles computed from the stored hashes, and entry bundles.
//!
//! Paths are formatted and parsed by `tlog_tiles::Tile`, which writes Go's sumdb form
//! `tile/8/<L or data>/<N>`; this module translates to and from the C2SP form.

use std::ops::Range;

use super::tree::{HashReader, LogError, Store};

/// How many hashes (or entries) a full tile holds.
pub const TILE_WIDTH: u32 = 256;

/// The longest entry an entry bundle can hold (its length prefix is a big-endian u16).
pub const MAX_ENTRY_LEN: usize = u16::MAX as usize;

/// The tile height: log₂ of [`TILE_WIDTH`].
const HEIGHT: u8 = 8;

/// One resource under `tile/`: a hash tile of some level, or an entry bundle, full or
/// partial. Every value is a path some log size serves: make one with [`Tile::parse`] or
/// [`tiles_for_size`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Tile(tlog_tiles::Tile);

/// Why a requested path is not a tile the log serves (the app answers 404).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// Not a canonical C2SP tile or entry bundle path.
    #[error("{0:?} is not a tile path")]
    Malformed(String),
    /// A well-formed path beyond what the log holds.
    #[error("{path} is not part of the log at its current size of {size} entries")]
    NotInLog {
        /// The path asked for.
        path: String,
        /// The log's current size.
        size: u64,
    },
}

/// Why an entry bundle cannot be made or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// An entry longer than [`MAX_ENTRY_LEN`].
    #[error("entry {position} is {len} bytes long, more than the {max} an entry bundle can hold", max = MAX_ENTRY_LEN)]
    EntryTooLarge {
        /// The entry's position in the bundle.
        position: usize,
        /// Its length.
        len: usize,
    },
    /// The bundle's bytes stop inside an entry's length or data.
    #[error("the bundle ends inside entry {position}")]
    Truncated {
        /// The position of the cut entry.
        position: usize,
    },
    /// The number of entries does not match the tile's width.
    #[error("{tile} holds {expected} entries, not {found}")]
    WrongCount {
        /// The bundle's path.
        tile: String,
        /// Its width.
        expected: u32,
        /// The number of entries given.
        found: usize,
    },
    /// A hash tile was given where an entry bundle was expected.
    #[error("{0} is a hash tile, not an entry bundle")]
    NotABundle(String),
}

impl Tile {
    /// The tile at `level` (`None` for an entry bundle), `index` within that level, holding
    /// `width` hashes or entries (1 to 256). Callers keep the values in range.
    pub(super) fn new(level: Option<u8>, index: u64, width: u32) -> Self {
        Self(tlog_tiles::Tile::new(
            HEIGHT,
            level.unwrap_or(0),
            index,
            width,
            level.is_none(),
        ))
    }

    /// Parses a request path relative to the log's base URL (`tile/0/x001/234.p/5`,
    /// `tile/entries/000`, …) and checks that a log of `size` entries serves it. Partial
    /// tiles are served for every width up to the log's right edge, so that clients holding
    /// an earlier checkpoint still find theirs.
    pub fn parse(path: &str, size: u64) -> Result<Self, PathError> {
        let malformed = || PathError::Malformed(path.to_owned());
        let (level, rest) = path
            .strip_prefix("tile/")
            .and_then(|p| p.split_once('/'))
            .ok_or_else(malformed)?;
        let sumdb_level = match level {
            "entries" => "data",
            l if l.parse::<u8>().is_ok_and(|n| n < 64 && n.to_string() == l) => l,
            _ => return Err(malformed()),
        };
        if rest
            .rsplit_once(".p/")
            .is_some_and(|(_, width)| width.starts_with('0'))
        {
            return Err(malformed());
        }
        let tile = tlog_tiles::Tile::from_path(&format!("tile/{HEIGHT}/{sumdb_level}/{rest}"))
            .map(Self)
            .map_err(|_| malformed())?;
        let available = size
            .checked_shr(u32::from(HEIGHT) * u32::from(tile.0.level()))
            .unwrap_or(0);
        let end = tile
            .index()
            .checked_mul(u64::from(TILE_WIDTH))
            .and_then(|start| start.checked_add(u64::from(tile.width())));
        match end {
            Some(end) if end <= available => Ok(tile),
            _ => Err(PathError::NotInLog {
                path: path.to_owned(),
                size,
            }),
        }
    }

    /// The path relative to the log's base URL, e.g. `tile/1/x001/234` or
    /// `tile/entries/005.p/17`.
    pub fn path(&self) -> String {
        let sumdb = self.0.path();
        let coordinates = sumdb.splitn(4, '/').nth(3).unwrap_or_default();
        match self.level() {
            Some(level) => format!("tile/{level}/{coordinates}"),
            None => format!("tile/entries/{coordinates}"),
        }
    }

    /// The hash tile's level (0 holds leaf hashes), or `None` for an entry bundle.
    pub fn level(&self) -> Option<u8> {
        (!self.0.is_data()).then(|| self.0.level())
    }

    /// Whether this is an entry bundle rather than a hash tile.
    pub fn is_entry_bundle(&self) -> bool {
        self.0.is_data()
    }

    /// The tile's index `N` within its level.
    pub fn index(&self) -> u64 {
        self.0.level_index()
    }

    /// How many hashes or entries it holds (256 when full).
    pub fn width(&self) -> u32 {
        self.0.width()
    }

    /// Whether the tile is full. A full tile's bytes never change, so it may be served with
    /// `Cache-Control: immutable`; a partial tile's path also always names the same bytes,
    /// but it stops being needed once the full tile exists.
    pub fn is_full(&self) -> bool {
        self.width() == TILE_WIDTH
    }

    /// The entries this tile holds (an entry bundle) or covers (a hash tile: each of its
    /// hashes is the root of 256^level consecutive entries).
    pub fn leaf_range(&self) -> Range<u64> {
        let shift = u32::from(HEIGHT) * u32::from(self.0.level());
        let first = self.index() * u64::from(TILE_WIDTH);
        (first << shift)..((first + u64::from(self.width())) << shift)
    }
}

/// Every resource under `tile/` that a log of `size` entries serves for that size: its entry
/// bundles, then its hash tiles level by level, each run in index order, the last of each
/// run partial when the size is not a multiple of 256 at that level.
pub fn tiles_for_size(size: u64) -> Vec<Tile> {
    let levels = (0..).map_while(|level| {
        let tiles: Vec<Tile> = level_tiles(size, Some(level)).collect();
        (!tiles.is_empty()).then_some(tiles)
    });
    level_tiles(size, None).chain(levels.flatten()).collect()
}

/// The tiles of one level (`None`: the entry bundles) for a log of `size` entries, made one
/// at a time so that a claimed size costs nothing until its tiles are fetched.
pub(super) fn level_tiles(size: u64, level: Option<u8>) -> impl Iterator<Item = Tile> {
    let shift = u32::from(HEIGHT) * u32::from(level.unwrap_or(0));
    let count = size.checked_shr(shift).unwrap_or(0);
    let width = u64::from(TILE_WIDTH);
    let partial = u32::try_from(count % width).unwrap_or(0);
    let full = (0..count / width).map(move |index| Tile::new(level, index, TILE_WIDTH));
    let edge = (partial > 0).then(|| Tile::new(level, count / width, partial));
    full.chain(edge)
}

/// The bytes of a hash tile: its hashes concatenated, 32 bytes each, read from the stored
/// hashes.
pub fn read_hash_tile<R: HashReader>(
    reader: &R,
    tile: &Tile,
) -> Result<Vec<u8>, LogError<R::Error>> {
    if tile.is_entry_bundle() {
        return Err(LogError::NotAHashTile(tile.path()));
    }
    let store = Store::new(reader, u64::MAX);
    tile.0.read_data(&store).map_err(|e| store.failure(e))
}

/// The bytes of an entry bundle from its entries, read in [`Tile::leaf_range`] order:
/// each entry as a big-endian u16 length followed by its bytes.
pub fn entry_bundle<L: AsRef<[u8]>>(tile: &Tile, entries: &[L]) -> Result<Vec<u8>, BundleError> {
    if !tile.is_entry_bundle() {
        return Err(BundleError::NotABundle(tile.path()));
    }
    if entries.len() != tile.width() as usize {
        return Err(BundleError::WrongCount {
            tile: tile.path(),
            expected: tile.width(),
            found: entries.len(),
        });
    }
    let mut bundle = Vec::new();
    for (position, entry) in entries.iter().enumerate() {
        let entry = entry.as_ref();
        let len = u16::try_from(entry.len()).map_err(|_| BundleError::EntryTooLarge {
            position,
            len: entry.len(),
        })?;
        bundle.extend_from_slice(&len.to_be_bytes());
        bundle.extend_from_slice(entry);
    }
    Ok(bundle)
}

/// Splits an entry bundle's bytes into its entries.
pub fn parse_entry_bundle(mut bytes: &[u8]) -> Result<Vec<&[u8]>, BundleError> {
    let mut entries = Vec::new();
    while !bytes.is_empty() {
        let truncated = BundleError::Truncated {
            position: entries.len(),
        };
        let (len, rest) = bytes.split_first_chunk::<2>().ok_or(truncated.clone())?;
        let len = usize::from(u16::from_be_bytes(*len));
        let (entry, rest) = rest.split_at_checked(len).ok_or(truncated)?;
        entries.push(entry);
        bytes = rest;
    }
    Ok(entries)
}
