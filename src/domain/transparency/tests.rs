use std::collections::HashMap;

use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use sha2::{Digest, Sha256};

use super::*;

const ORIGIN: &str = "registry.example.la/transparency";
const LOG_SEED: [u8; 32] = [7; 32];

/// Stored hashes in memory, indexed as in the `tlog_hashes` table.
#[derive(Default, Clone, PartialEq, Debug)]
struct MemStore(Vec<Hash>);

impl HashReader for MemStore {
    type Error = String;

    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, String> {
        indexes
            .iter()
            .map(|&i| {
                self.0
                    .get(i as usize)
                    .copied()
                    .ok_or(format!("no stored hash {i}"))
            })
            .collect()
    }
}

/// A log kept in memory the way the app keeps it in its tables.
#[derive(Default, Clone)]
struct Log {
    store: MemStore,
    entries: Vec<Vec<u8>>,
}

impl Log {
    fn of(entries: Vec<Vec<u8>>) -> Self {
        let mut log = Log::default();
        for entry in entries {
            log.append(entry);
        }
        log
    }

    fn size(&self) -> u64 {
        self.entries.len() as u64
    }

    fn append(&mut self, entry: Vec<u8>) {
        for (index, hash) in append_leaf(&self.store, self.size(), &entry).unwrap() {
            assert_eq!(index, self.store.0.len() as u64);
            self.store.0.push(hash);
        }
        self.entries.push(entry);
    }

    fn root(&self) -> Hash {
        tree_root(&self.store, self.size()).unwrap()
    }

    /// Every path the app would serve, built with the module's serving functions.
    fn serve(&self, signer: &CheckpointSigner) -> HashMap<String, Vec<u8>> {
        let mut served = HashMap::new();
        let checkpoint = signer.sign(self.size(), self.root()).unwrap();
        served.insert("checkpoint".to_owned(), checkpoint.into_bytes());
        for tile in tiles_for_size(self.size()) {
            let bytes = if tile.is_entry_bundle() {
                let range = tile.leaf_range();
                entry_bundle(
                    &tile,
                    &self.entries[range.start as usize..range.end as usize],
                )
                .unwrap()
            } else {
                read_hash_tile(&self.store, &tile).unwrap()
            };
            served.insert(tile.path(), bytes);
        }
        served
    }
}

fn entry(i: u64) -> Vec<u8> {
    format!("link {i}: LA-TH approved").into_bytes()
}

fn entries(n: u64) -> Vec<Vec<u8>> {
    (0..n).map(entry).collect()
}

fn sha256(parts: &[&[u8]]) -> Hash {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    Hash(hasher.finalize().into())
}

/// RFC 9162 section 2.1.1, written out directly.
fn reference_root(entries: &[Vec<u8>]) -> Hash {
    match entries.len() {
        0 => sha256(&[]),
        1 => sha256(&[&[0], &entries[0]]),
        n => {
            let k = 1 << (usize::BITS - 1 - (n - 1).leading_zeros());
            let (left, right) = (reference_root(&entries[..k]), reference_root(&entries[k..]));
            sha256(&[&[1], &left.0, &right.0])
        }
    }
}

fn hash(b64: &str) -> Hash {
    Hash(BASE64_STANDARD.decode(b64).unwrap().try_into().unwrap())
}

fn signer(origin: &str, seed: [u8; 32]) -> CheckpointSigner {
    CheckpointSigner::new(origin, &seed).unwrap()
}

fn flipped(mut hashes: Vec<Hash>, which: usize) -> Vec<Hash> {
    hashes[which].0[which % 32] ^= 1;
    hashes
}

// The tree.

#[test]
fn roots_match_rfc_9162_for_every_size_up_to_600() {
    let all = entries(600);
    let mut log = Log::default();
    assert_eq!(log.root(), reference_root(&[]));
    for (n, entry) in (1..).zip(&all) {
        log.append(entry.clone());
        assert_eq!(log.root(), reference_root(&all[..n]), "size {n}");
        assert_eq!(
            log.store.0.len() as u64,
            tlog_tiles::stored_hash_count(n as u64)
        );
    }
}

#[test]
fn a_known_leaf_hash() {
    assert_eq!(
        leaf_hash(b"hello world"),
        hash("TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=")
    );
}

#[test]
fn appending_in_batches_stores_the_same_hashes_as_one_by_one() {
    let one_by_one = Log::of(entries(600));
    let mut batched = MemStore::default();
    let mut size = 0;
    for batch in (1..=7).cycle() {
        let end = (size + batch).min(600);
        let pairs = append_leaves(&batched, size, &entries(end)[size as usize..]).unwrap();
        for (index, hash) in pairs {
            assert_eq!(index, batched.0.len() as u64);
            batched.0.push(hash);
        }
        size = end;
        if size == 600 {
            break;
        }
    }
    assert_eq!(batched, one_by_one.store);
}

#[test]
fn an_entry_too_long_for_a_bundle_is_refused() {
    let log = Log::of(entries(3));
    let long = vec![0; MAX_ENTRY_LEN + 1];
    assert!(matches!(
        append_leaves(&log.store, 3, &[entry(3), long]),
        Err(LogError::EntryTooLarge {
            index: 4,
            len: 65536
        })
    ));
    assert!(append_leaf(&log.store, 3, &vec![0; MAX_ENTRY_LEN]).is_ok());
}

#[test]
fn storage_failures_are_reported_not_panicked() {
    struct Down;
    impl HashReader for Down {
        type Error = &'static str;
        fn read_hashes(&self, _: &[u64]) -> Result<Vec<Hash>, &'static str> {
            Err("database down")
        }
    }
    struct Short;
    impl HashReader for Short {
        type Error = String;
        fn read_hashes(&self, _: &[u64]) -> Result<Vec<Hash>, String> {
            Ok(vec![])
        }
    }
    let err = tree_root(&Down, 5).unwrap_err();
    assert_eq!(
        err.to_string(),
        "reading the stored hashes failed: database down"
    );
    assert!(matches!(
        append_leaf(&Short, 1, b"x"),
        Err(LogError::WrongHashCount {
            asked: 1,
            returned: 0
        })
    ));
    assert!(matches!(
        inclusion_proof(&Short, 5, 5),
        Err(LogError::IndexOutOfRange { index: 5, size: 5 })
    ));
    assert!(matches!(
        consistency_proof(&Short, 6, 5),
        Err(LogError::SizesOutOfOrder { old: 6, new: 5 })
    ));
}

#[test]
fn inclusion_proofs_verify_and_any_flipped_hash_is_refused() {
    let log = Log::of(entries(600));
    let sizes = (1..=40).chain([255, 256, 257, 300, 511, 512, 513, 600]);
    for n in sizes {
        let root = tree_root(&log.store, n).unwrap();
        let indexes: Vec<u64> = if n <= 40 {
            (0..n).collect()
        } else {
            vec![0, 1, 17, n / 2, 255.min(n - 1), n - 2, n - 1]
        };
        for i in indexes {
            let leaf = leaf_hash(&entry(i));
            let proof = inclusion_proof(&log.store, n, i).unwrap();
            assert_eq!(
                verify_inclusion(&proof, n, root, i, leaf),
                Ok(()),
                "{i} in {n}"
            );
            for k in 0..proof.len() {
                let bad = flipped(proof.clone(), k);
                assert_eq!(
                    verify_inclusion(&bad, n, root, i, leaf),
                    Err(ProofError::Invalid)
                );
            }
            let other = leaf_hash(b"forged");
            assert_eq!(
                verify_inclusion(&proof, n, root, i, other),
                Err(ProofError::Invalid)
            );
            if n > 1 {
                let j = (i + 1) % n;
                assert!(verify_inclusion(&proof, n, root, j, leaf).is_err());
            }
        }
        assert_eq!(
            verify_inclusion(&[], n, root, n, leaf_hash(b"x")),
            Err(ProofError::IndexOutOfRange { index: n, size: n })
        );
    }
}

#[test]
fn consistency_proofs_verify_and_any_flipped_hash_is_refused() {
    let log = Log::of(entries(600));
    let small = (1..=40u64).flat_map(|n| (0..=n).map(move |m| (m, n)));
    let large = [
        (1, 600),
        (255, 256),
        (256, 257),
        (256, 600),
        (300, 600),
        (511, 513),
        (599, 600),
        (600, 600),
    ];
    for (m, n) in small.chain(large) {
        let old_root = tree_root(&log.store, m).unwrap();
        let new_root = tree_root(&log.store, n).unwrap();
        let proof = consistency_proof(&log.store, m, n).unwrap();
        assert_eq!(
            verify_consistency(&proof, m, old_root, n, new_root),
            Ok(()),
            "{m} to {n}"
        );
        for k in 0..proof.len() {
            let bad = flipped(proof.clone(), k);
            assert_eq!(
                verify_consistency(&bad, m, old_root, n, new_root),
                Err(ProofError::Invalid)
            );
        }
        let wrong_old = leaf_hash(b"another history");
        assert_eq!(
            verify_consistency(&proof, m, wrong_old, n, new_root),
            Err(ProofError::Invalid)
        );
    }
    assert_eq!(
        verify_consistency(&[], 3, leaf_hash(b""), 2, leaf_hash(b"")),
        Err(ProofError::SizesOutOfOrder { old: 3, new: 2 })
    );
}

/// Go's `sumdb/tlog` `ct_test.go` vectors: Google's Argon2020 CT log.
#[test]
fn certificate_transparency_known_answers() {
    let size = 961_984_011;
    let root = hash("AWxD3p811N3m4WTinWRXPvBZHfT9IR9g/R4C7SKLPiU=");
    let leaf = hash("nCs3mfIydh9x4CKyQ+u2xtmpxmFggA5MLymHwNQSlLg=");
    let audit_path: Vec<Hash> = [
        "T46AmJsuOM/gFiGlUp+IJJebp+1Z5qratFNW7U0JyOQ=",
        "9Jj1Feodn42uRYEfffkV4HF/EIPFQ5Zo9IwkxbQ2uhk=",
        "D53/1oCNebF4J59HHgioovKZxrmrKcVuCVhy3Izg8Ck=",
        "wSFDgGSrsXRPA+1c8WHoAFCsWeUv8NDyP/Q/SgsyVyY=",
        "516/RcwsgdwdzHn18v1dJHqBkgFUbNhmCIWOGjsMJaE=",
        "naTFY2ajLFgrgs5XUl+zJYZnnlJksLGsA1VYwpLfqbY=",
        "mKBRJo6qao+0Kdh/rhGkZUbHUAxMhrtrclrTpIbNjIg=",
        "Co4ueOFE7lpifLio94irxxsv1wFMMaK3tPu2ZQkHlro=",
        "yRgy800K6JMYCC05sWfqF2kvCg2riT/pVM+nEa6V5+0=",
        "n2O38XJZC8/Wpbwi9HhgVizlUyeUHVZvYyQB1607MRc=",
        "go3tAjuNfNSCj87y2Rg1xOroDknGN1eaf3cgvzObf7Q=",
        "8D0Mj3/J7ySSnFb0afIHYXv6rlOhECnsebY6XKi1IR8=",
        "6rcez46ZU8M5vPiWVMAUfJfAOV0pPP/mch/lYzZhj/M=",
        "2rtIeXrPvSdUyHc5maIgSAVB2BzaKaupWxSAiVayDE4=",
        "nniW/IMFQPN5xw8UsHFn7CRStYbm1gLu7NNa6kkRqJQ=",
        "mRPPi7sQS22MduIEyvcNzCNFqIt6kLwYPkNKrVtIcu8=",
        "JvTivzESNS9wHI8aph5a7uieVmtS/p9PciMZ5D6GyOo=",
        "UTyQd+Ym0wY4zG+qK806bBORwi1CSVvFQ/KknnqoZj8=",
        "hXODrqN+ff+U6zPqRQ+ZQKs6im1fPcxIerDSfNwflhE=",
        "II6GE+WY/DrpZzfHztLwkR46o37zVkNLCyPYlf68zA0=",
        "d609kWWcNBllbA8Jb/ad4XAVVGnScLRmtP8FYyr+Dck=",
        "rikBsP0G0gioXRpBFED2CzQdSLrGPvRd0bEcbEZw1rI=",
        "GXIElfmnRuWfbA4z7ubV/UwlpSRUbUeec7oL5HDDnh0=",
        "pR0SH/NYP6s9+8azWwaeUXA4Ze/3WCIgMfh5YW6wvcE=",
        "f3GuAKYVrF8RBg3s15jvA/YvV9oAliWtzP/imwPhQVA=",
        "WHn8zDxlVgkV+lSlmzaOdfSBrTHoRr5nT3d76q0KKWE=",
        "f2uV2ZxVgULzLPKuZcowRY3ZY7fRlX59iDBjV1R8kNQ=",
        "NzQVjJsvQwbi7WStMr9oFkh9VbHfK7LB6o7WwAqwNTs=",
        "C0LttBeYHZHgL+032JIcJC3CTBIyza/hsbmJUgJfmDI=",
        "30HzZbwT4DdqHQi4f7+WRG6M4YwVGaKgGXicDvSFT6k=",
    ]
    .map(hash)
    .to_vec();
    assert_eq!(
        verify_inclusion(&audit_path, size, root, 10_000, leaf),
        Ok(())
    );
    assert!(verify_inclusion(&audit_path, size, root, 10_001, leaf).is_err());

    let old_size = 3_654_490;
    let old_root = hash("AuIZ5V6sDUj1vn3Y1K85oOaQ7y+FJJKtyRTl1edIKBQ=");
    let consistency: Vec<Hash> = [
        "80Sfbj6UQEdVSZCSIgh9NMPj3vCBzcc1A48B2crJSWg=",
        "FZcrgAHUk6nNPviJZq8kEK6jCG1d18pJOFE45ZDc1TQ=",
        "Q67reWXmPBo1UfmwBap4Xi9PMPfFdUSSw3WGlRZdG7k=",
        "eJ7CyhR4PxzBxDIsWgrVYW1eFUb9ndgf46tFmiqVrxA=",
        "QrDwp062Grm5WY8KdrhFsBuuNjGzRox2Jb8PmVL5OYw=",
        "XM4YMjMEdLH/XJam/ZWyaP14k3cmsOtnPsOWQ54lW1s=",
        "SGiBh+jOTGccXU48ZzgQ88lRcBmtB4wz4oSDndv2QTg=",
        "WAS6txqNLYKGL1GdBdpqmV42TTfn6cJsuDsqLXuTCNI=",
        "QFmRS0rirUA7ZN3lxFjDncV+E1OCrn3NUB4RCp+5fzc=",
        "Hdbp7It2XBNZmNDBpCN/KPd7vfVqxgzwOosqVIaEA9E=",
        "mxvHL0ZiblBdD7j7pIa1jlfB0gSqfJ6oX0UGo7L0VsU=",
        "q5hjyvoW6TL/PThgcitpDcSTrnKX2p1+aqscqH2euRA=",
        "jTOWDqt3IHj2NVFeezyBz2ofpru+ztEywqKUAfFclKI=",
        "GIRn0w3HqJdvU9j1WVD//eR6lk2AaTVjyzjsJNP8U88=",
        "x52GJvxG81fnQBrgOTbll1A5tz95/LXK0Ag1NhB0r1I=",
        "6/0OqrcTgc3o5dD5PymmoC96lB9yLPFuTHVvLy8fSGk=",
        "Gf+iKLfcXO5l4JEFmsZvSdG5q1uEeWPfYLrds6pmjz0=",
        "DGuaco+McyM3AfRSF6qX7RwSetwe2ieYJmxw5e9rVx0=",
        "2tQJ9V32hnYp+fdpP6TcjmgJmLeNVOMKM0Ml1kk4cNU=",
        "3PapK+IkyJr8I9yAErAmzuZezzLMzsg+PfeRCgNW8NQ=",
        "s6xiYeejb+wtqHA+URJZ2I/SCPyIW8coP6aB00FJbMY=",
        "z9lSpmdTcr5M5ZzKlc4EPh3SrSypKFdk6JUF/UccaZU=",
        "GXIElfmnRuWfbA4z7ubV/UwlpSRUbUeec7oL5HDDnh0=",
        "pR0SH/NYP6s9+8azWwaeUXA4Ze/3WCIgMfh5YW6wvcE=",
        "f3GuAKYVrF8RBg3s15jvA/YvV9oAliWtzP/imwPhQVA=",
        "WHn8zDxlVgkV+lSlmzaOdfSBrTHoRr5nT3d76q0KKWE=",
        "f2uV2ZxVgULzLPKuZcowRY3ZY7fRlX59iDBjV1R8kNQ=",
        "NzQVjJsvQwbi7WStMr9oFkh9VbHfK7LB6o7WwAqwNTs=",
        "C0LttBeYHZHgL+032JIcJC3CTBIyza/hsbmJUgJfmDI=",
        "30HzZbwT4DdqHQi4f7+WRG6M4YwVGaKgGXicDvSFT6k=",
    ]
    .map(hash)
    .to_vec();
    assert_eq!(
        verify_consistency(&consistency, old_size, old_root, size, root),
        Ok(())
    );
    assert!(verify_consistency(&consistency, old_size + 1, old_root, size, root).is_err());
}

// Tiles.

#[test]
fn tile_paths_follow_the_spec_and_parse_back() {
    let tiles = tiles_for_size(70_000);
    let paths: Vec<String> = tiles.iter().map(Tile::path).collect();
    let bundles = tiles.iter().filter(|t| t.is_entry_bundle()).count();
    let on_level = |l| tiles.iter().filter(|t| t.level() == Some(l)).count();
    assert_eq!(
        (bundles, on_level(0), on_level(1), on_level(2)),
        (274, 274, 2, 1)
    );
    for path in [
        "tile/entries/000",
        "tile/entries/272",
        "tile/entries/273.p/112",
        "tile/0/273.p/112",
        "tile/1/000",
        "tile/1/001.p/17",
        "tile/2/000.p/1",
    ] {
        assert!(paths.iter().any(|p| p == path), "{path} missing");
    }
    for tile in &tiles {
        assert_eq!(Tile::parse(&tile.path(), 70_000).as_ref(), Ok(tile));
    }
    let edge: Vec<String> = tiles_for_size(256).iter().map(Tile::path).collect();
    assert_eq!(edge, ["tile/entries/000", "tile/0/000", "tile/1/000.p/1"]);

    let big = Tile::parse("tile/0/x001/x234/067", u64::MAX).unwrap();
    assert_eq!(
        (big.level(), big.index(), big.width()),
        (Some(0), 1_234_067, 256)
    );
    let bundle = Tile::parse("tile/entries/x001/234.p/5", 1234 * 256 + 5).unwrap();
    assert_eq!(bundle.leaf_range(), 315_904..315_909);
    assert!(!bundle.is_full() && bundle.is_entry_bundle());
    let upper = Tile::parse("tile/1/000.p/2", 600).unwrap();
    assert_eq!(upper.leaf_range(), 0..512);
}

#[test]
fn malformed_paths_are_refused_without_panicking() {
    for path in [
        "checkpoint",
        "",
        "tile",
        "tile/",
        "tile/0",
        "tile/0/",
        "/tile/0/000",
        "tile/00/000",
        "tile/64/000",
        "tile/200/000",
        "tile/300/000",
        "tile/-1/000",
        "tile/+1/000",
        "tile/data/000",
        "tile/8/0/000",
        "tile/0/0",
        "tile/0/1",
        "tile/0/0000",
        "tile/0/x000/001",
        "tile/0/001/",
        "tile/0/000.p",
        "tile/0/000.p/",
        "tile/0/000.p/0",
        "tile/0/000.p/00",
        "tile/0/000.p/05",
        "tile/0/000.p/256",
        "tile/0/000.p/-1",
        "tile/0/x001/234.p/5/6",
        "tile/entries",
        "tile/entries/000.p/0",
        "tile/entries/xyz",
        "tile/0/x018/x446/x744/x073/x709/x551/616",
        "tile/0/x018/x446/x744/x073/x709/x551/x999/616.p/255",
    ] {
        assert_eq!(
            Tile::parse(path, 70_000),
            Err(PathError::Malformed(path.to_owned())),
            "{path:?}"
        );
    }
}

#[test]
fn paths_beyond_the_log_are_refused_and_earlier_partial_tiles_served() {
    for (path, size, served) in [
        ("tile/0/002.p/88", 600, true),
        ("tile/0/002.p/10", 600, true),
        ("tile/0/001.p/10", 600, true),
        ("tile/entries/002.p/88", 600, true),
        ("tile/1/000.p/2", 600, true),
        ("tile/0/002", 600, false),
        ("tile/0/002.p/89", 600, false),
        ("tile/entries/003.p/1", 600, false),
        ("tile/1/000", 600, false),
        ("tile/1/000.p/3", 600, false),
        ("tile/2/000.p/1", 600, false),
        ("tile/63/000.p/1", 600, false),
        ("tile/0/000.p/1", 0, false),
        ("tile/0/x018/x446/x744/x073/x709/x551/615", u64::MAX, false),
    ] {
        let parsed = Tile::parse(path, size);
        if served {
            assert_eq!(parsed.map(|t| t.path()), Ok(path.to_owned()));
        } else {
            assert_eq!(
                parsed,
                Err(PathError::NotInLog {
                    path: path.to_owned(),
                    size
                }),
                "{path}"
            );
        }
    }
}

#[test]
fn hash_tiles_hold_the_leaf_hashes_and_the_full_subtree_roots() {
    let log = Log::of(entries(600));
    let level0 = read_hash_tile(&log.store, &Tile::parse("tile/0/001", 600).unwrap()).unwrap();
    let want: Vec<u8> = (256..512).flat_map(|i| leaf_hash(&entry(i)).0).collect();
    assert_eq!(level0, want);

    let level1 = read_hash_tile(&log.store, &Tile::parse("tile/1/000.p/2", 600).unwrap());
    let want = [
        reference_root(&log.entries[..256]).0,
        reference_root(&log.entries[256..512]).0,
    ]
    .concat();
    assert_eq!(level1.unwrap(), want);

    let bundle = Tile::parse("tile/entries/000", 600).unwrap();
    assert!(matches!(
        read_hash_tile(&log.store, &bundle),
        Err(LogError::NotAHashTile(p)) if p == "tile/entries/000"
    ));
}

#[test]
fn entry_bundles_are_length_prefixed_and_read_back() {
    let tile = Tile::parse("tile/entries/000.p/3", 3).unwrap();
    let items = [b"".to_vec(), b"a".to_vec(), vec![b'z'; 300]];
    let bundle = entry_bundle(&tile, &items).unwrap();
    let mut want = vec![0, 0, 0, 1, b'a', 1, 44];
    want.extend([b'z'; 300]);
    assert_eq!(bundle, want);
    assert_eq!(parse_entry_bundle(&bundle).unwrap(), items);

    assert_eq!(
        parse_entry_bundle(&bundle[..bundle.len() - 1]),
        Err(BundleError::Truncated { position: 2 })
    );
    assert_eq!(
        parse_entry_bundle(&[0]),
        Err(BundleError::Truncated { position: 0 })
    );
    assert!(matches!(
        entry_bundle(&tile, &items[..2]),
        Err(BundleError::WrongCount {
            expected: 3,
            found: 2,
            ..
        })
    ));
    let one = Tile::parse("tile/entries/000.p/1", 1).unwrap();
    assert_eq!(
        entry_bundle(&one, &[vec![0; MAX_ENTRY_LEN + 1]]),
        Err(BundleError::EntryTooLarge {
            position: 0,
            len: 65536
        })
    );
    let hashes = Tile::parse("tile/0/000.p/1", 1).unwrap();
    assert_eq!(
        entry_bundle(&hashes, &[b"x"]),
        Err(BundleError::NotABundle("tile/0/000.p/1".to_owned()))
    );
}

// Checkpoints.

/// The `signed_note` crate's test key: `PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALV…` and its verifier key.
#[test]
fn the_verifier_key_matches_signed_notes_known_answer() {
    let private = BASE64_STANDARD
        .decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")
        .unwrap();
    let seed: [u8; 32] = private[1..].try_into().unwrap();
    assert_eq!(
        signer("PeterNeumann", seed).verifier_key(),
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    );
}

#[test]
fn a_signed_checkpoint_opens_with_its_key_and_not_otherwise() {
    let log = signer(ORIGIN, LOG_SEED);
    let vkey = log.verifier_key();
    let root = leaf_hash(b"root");
    let note = log.sign(5, root).unwrap();
    let body = format!("{ORIGIN}\n5\n{root}\n\n— {ORIGIN} ");
    assert!(note.starts_with(&body), "{note}");

    let opened = open_checkpoint(note.as_bytes(), &[vkey]).unwrap();
    assert_eq!(
        (opened.origin.as_str(), opened.size, opened.root),
        (ORIGIN, 5, root)
    );
    assert_eq!(opened.signed_by, vkey);
    assert!(opened.other_signatures.is_empty());

    let tampered = note.replace("\n5\n", "\n6\n");
    let err = open_checkpoint(tampered.as_bytes(), &[vkey]).unwrap_err();
    assert_eq!(
        err,
        CheckpointError::BadSignature {
            key: vkey.to_owned()
        }
    );
    assert_eq!(
        err.to_string(),
        format!("the checkpoint's signature does not verify with key {vkey}")
    );

    let stranger = signer(ORIGIN, [8; 32]);
    assert_eq!(
        open_checkpoint(note.as_bytes(), &[stranger.verifier_key()]),
        Err(CheckpointError::NoTrustedSignature)
    );
    assert!(matches!(
        open_checkpoint(note.as_bytes(), &["not a key"]),
        Err(CheckpointError::BadVerifierKey { .. })
    ));
    assert_eq!(
        open_checkpoint(b"registry\n5\n", &[vkey]),
        Err(CheckpointError::MalformedNote)
    );
    assert!(matches!(
        CheckpointSigner::new("has space", &LOG_SEED),
        Err(CheckpointError::BadOrigin(_))
    ));
}

#[test]
fn a_retired_key_still_opens_old_checkpoints_when_listed() {
    let retired = signer(ORIGIN, [9; 32]);
    let current = signer(ORIGIN, LOG_SEED);
    let old_note = retired.sign(3, leaf_hash(b"old")).unwrap();
    let keys = [current.verifier_key(), retired.verifier_key()];
    let opened = open_checkpoint(old_note.as_bytes(), &keys).unwrap();
    assert_eq!(opened.signed_by, retired.verifier_key());
    assert_eq!(
        open_checkpoint(old_note.as_bytes(), &[current.verifier_key()]),
        Err(CheckpointError::NoTrustedSignature)
    );
    let new_note = current.sign(4, leaf_hash(b"new")).unwrap();
    assert_eq!(open_checkpoint(new_note.as_bytes(), &keys).unwrap().size, 4);
}

/// A note over any text, signed with `signed_note` directly.
fn sign_text(text: &str, name: &str, seed: [u8; 32]) -> String {
    let public = ed25519_dalek::SigningKey::from_bytes(&seed).verifying_key();
    let id = signed_note::key_id(name, &[&[1][..], public.as_bytes()].concat());
    let private = BASE64_STANDARD.encode([&[1][..], &seed].concat());
    let key = signed_note::StandardSigner::new(&format!("PRIVATE+KEY+{name}+{id:08x}+{private}"));
    let mut note = signed_note::Note::new(text.as_bytes(), &[]).unwrap();
    note.add_sigs(&[&key.unwrap()]).unwrap();
    String::from_utf8(note.to_bytes()).unwrap()
}

#[test]
fn the_origin_must_be_the_signing_keys_name_and_the_text_a_checkpoint() {
    let keys = [signer(ORIGIN, LOG_SEED).verifier_key().to_owned()];
    let body = format!("other.example/log\n1\n{}\n", leaf_hash(b"x"));
    let note = sign_text(&body, ORIGIN, LOG_SEED);
    assert_eq!(
        open_checkpoint(note.as_bytes(), &keys),
        Err(CheckpointError::OriginMismatch {
            origin: "other.example/log".to_owned()
        })
    );
    let note = sign_text("hello\n", ORIGIN, LOG_SEED);
    assert_eq!(
        open_checkpoint(note.as_bytes(), &keys),
        Err(CheckpointError::MalformedCheckpoint)
    );
    let body = format!("{ORIGIN}\n1\n{}\n", leaf_hash(b"x"));
    assert_eq!(
        sign_text(&body, ORIGIN, LOG_SEED),
        signer(ORIGIN, LOG_SEED).sign(1, leaf_hash(b"x")).unwrap()
    );
}

#[test]
fn cosignature_lines_are_kept_and_added() {
    let log = signer(ORIGIN, LOG_SEED);
    let note = log.sign(10, leaf_hash(b"ten")).unwrap();
    let mut cosignature = vec![0x12, 0x34, 0x56, 0x78];
    cosignature.extend(1_700_000_000u64.to_be_bytes());
    cosignature.extend([0xab; 64]);
    let line = format!(
        "— witness.example/w1 {}",
        BASE64_STANDARD.encode(&cosignature)
    );
    let cosigned = add_cosignature(&note, &line).unwrap();
    assert_eq!(cosigned, format!("{note}{line}\n"));
    assert_eq!(add_cosignature(&cosigned, &line).unwrap(), cosigned);

    let opened = open_checkpoint(cosigned.as_bytes(), &[log.verifier_key()]).unwrap();
    assert_eq!(opened.size, 10);
    assert_eq!(opened.other_signatures.len(), 1);
    assert_eq!(opened.other_signatures[0].name(), "witness.example/w1");
    assert_eq!(opened.other_signatures[0].id(), 0x1234_5678);

    assert!(matches!(
        add_cosignature(&note, "witness.example/w1 AAAA"),
        Err(CheckpointError::MalformedSignatureLine(_))
    ));
    assert_eq!(
        add_cosignature("not a note", &line),
        Err(CheckpointError::MalformedNote)
    );
}

// The outsider's verifier.

fn fetcher(served: &HashMap<String, Vec<u8>>) -> impl FnMut(&str) -> Result<Vec<u8>, String> {
    |path: &str| served.get(path).cloned().ok_or(format!("404 for {path}"))
}

fn keys() -> [String; 1] {
    [signer(ORIGIN, LOG_SEED).verifier_key().to_owned()]
}

fn verify(
    served: &HashMap<String, Vec<u8>>,
    saved: Option<&VerifiedState>,
) -> Result<VerifiedState, VerifyError<String>> {
    verify_log(fetcher(served), &keys(), saved)
}

#[test]
fn an_honest_log_verifies_from_scratch_and_as_it_grows() {
    let key = signer(ORIGIN, LOG_SEED);
    let mut log = Log::of(entries(300));
    let first = verify(&log.serve(&key), None).unwrap();
    assert_eq!(
        (first.size, first.root),
        (300, reference_root(&log.entries))
    );

    let saved = VerifiedState::from_text(first.to_text(), &keys()).unwrap();
    assert_eq!(saved, first);

    for i in 300..600 {
        log.append(entry(i));
    }
    let second = verify(&log.serve(&key), Some(&saved)).unwrap();
    assert_eq!((second.size, second.root), (600, log.root()));
    assert_eq!(verify(&log.serve(&key), Some(&second)).unwrap(), second);

    let empty = Log::default();
    assert_eq!(verify(&empty.serve(&key), None).unwrap().size, 0);
}

#[test]
fn an_altered_entry_is_named() {
    let log = Log::of(entries(600));
    let mut served = log.serve(&signer(ORIGIN, LOG_SEED));
    let mut altered = log.entries[..256].to_vec();
    altered[17] = b"link 17: LA-XX approved".to_vec();
    let bundle = Tile::parse("tile/entries/000", 600).unwrap();
    served.insert(bundle.path(), entry_bundle(&bundle, &altered).unwrap());
    let err = verify(&served, None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "entry 17 in tile/entries/000 does not hash to tile/0/000's hash 17"
    );
}

#[test]
fn a_rewritten_history_is_caught_against_the_saved_state() {
    let key = signer(ORIGIN, LOG_SEED);
    let honest = Log::of(entries(600));
    let saved = verify(&honest.serve(&key), None).unwrap();

    let mut rewritten = entries(650);
    rewritten[17] = b"link 17: LA-XX approved".to_vec();
    let forged = Log::of(rewritten).serve(&key);
    assert!(verify(&forged, None).is_ok());
    let err = verify(&forged, Some(&saved)).unwrap_err();
    assert!(matches!(err, VerifyError::HistoryRewritten { size: 600 }));
    assert_eq!(
        err.to_string(),
        "the first 600 entries no longer hash to the root saved last time: history rewritten"
    );
}

#[test]
fn a_truncated_log_is_a_rollback() {
    let key = signer(ORIGIN, LOG_SEED);
    let saved = verify(&Log::of(entries(600)).serve(&key), None).unwrap();
    let err = verify(&Log::of(entries(500)).serve(&key), Some(&saved)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the log is smaller (500) than the checkpoint saved last time (600): rolled back"
    );
}

#[test]
fn a_checkpoint_signed_by_another_key_is_refused() {
    let log = Log::of(entries(40));
    let served = log.serve(&signer(ORIGIN, [8; 32]));
    assert!(matches!(
        verify(&served, None),
        Err(VerifyError::Checkpoint(CheckpointError::NoTrustedSignature))
    ));
    let other = signer("elsewhere.example/log", [8; 32]);
    let saved = verify(&log.serve(&signer(ORIGIN, LOG_SEED)), None).unwrap();
    let moved = log.serve(&other);
    let both = [keys()[0].clone(), other.verifier_key().to_owned()];
    assert!(matches!(
        verify_log(fetcher(&moved), &both, Some(&saved)),
        Err(VerifyError::OriginChanged { .. })
    ));
}

#[test]
fn a_flipped_hash_tile_byte_is_named() {
    let log = Log::of(entries(600));
    let honest = log.serve(&signer(ORIGIN, LOG_SEED));

    let mut served = honest.clone();
    served.get_mut("tile/1/000.p/2").unwrap()[40] ^= 1;
    let err = verify(&served, None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "tile/1/000.p/2's hash 1 is not the hash of tile/0/001"
    );

    let mut served = honest.clone();
    served.get_mut("tile/0/002.p/88").unwrap()[0] ^= 1;
    assert!(matches!(
        verify(&served, None),
        Err(VerifyError::EntryMismatch {
            index: 512,
            position: 0,
            ..
        })
    ));

    let mut served = honest.clone();
    served.get_mut("tile/0/001").unwrap().pop();
    assert!(matches!(
        verify(&served, None),
        Err(VerifyError::WrongTileLength {
            expected: 8192,
            found: 8191,
            ..
        })
    ));

    let mut served = honest.clone();
    served.get_mut("tile/entries/001").unwrap().pop();
    assert!(matches!(
        verify(&served, None),
        Err(VerifyError::BadBundle { .. })
    ));

    let mut served = honest;
    served.remove("tile/entries/002.p/88");
    assert!(matches!(
        verify(&served, None),
        Err(VerifyError::Fetch { path, .. }) if path == "tile/entries/002.p/88"
    ));
}

#[test]
fn a_checkpoint_root_matching_no_tiles_is_refused() {
    let key = signer(ORIGIN, LOG_SEED);
    let log = Log::of(entries(600));
    let mut served = log.serve(&key);
    let wrong = key.sign(600, tree_root(&log.store, 599).unwrap()).unwrap();
    served.insert("checkpoint".to_owned(), wrong.into_bytes());
    assert!(matches!(
        verify(&served, None),
        Err(VerifyError::RootMismatch { size: 600 })
    ));
}

#[test]
fn a_log_with_three_tile_levels_verifies_and_its_top_tile_is_checked() {
    let log = Log::of(entries(70_000));
    let mut served = log.serve(&signer(ORIGIN, LOG_SEED));
    assert_eq!(
        verify(&served, None).unwrap().root,
        reference_root(&log.entries)
    );
    served.get_mut("tile/2/000.p/1").unwrap()[5] ^= 1;
    assert_eq!(
        verify(&served, None).unwrap_err().to_string(),
        "tile/2/000.p/1's hash 0 is not the hash of tile/1/000"
    );
}

#[test]
fn tiles_for_size_lists_the_hash_tiles_tlog_tiles_would_publish() {
    for size in (0..=600).chain([65_535, 65_536, 65_537, 70_000]) {
        let ours: Vec<String> = tiles_for_size(size)
            .iter()
            .filter(|t| !t.is_entry_bundle())
            .map(Tile::path)
            .collect();
        let theirs: Vec<String> = tlog_tiles::Tile::new_tiles(8, 0, size)
            .iter()
            .map(|t| t.path().replacen("tile/8/", "tile/", 1))
            .collect();
        assert_eq!(ours, theirs, "size {size}");
    }
}

#[test]
fn a_checkpoint_claiming_an_absurd_size_fails_at_the_first_missing_tile() {
    let key = signer(ORIGIN, LOG_SEED);
    let mut served = Log::of(entries(3)).serve(&key);
    let claim = key.sign(u64::MAX, leaf_hash(b"x")).unwrap();
    served.insert("checkpoint".to_owned(), claim.into_bytes());
    assert!(matches!(
        verify(&served, None),
        Err(VerifyError::Fetch { path, .. }) if path == "tile/entries/000"
    ));
}
