//! Opening a route collector's file whatever its compression: bzip2 (RouteViews), gzip
//! (RIPE RIS) or none, told apart by the first bytes of the content, never by the file's
//! name. Decompression runs on a thread of its own and hands the parser fixed-size chunks,
//! so inflating (the slowest step) and parsing overlap on two cores. This module knows
//! nothing about MRT; it only turns a file into a stream of plain bytes.

use std::fs::File;
use std::io::{self, BufReader, Cursor, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread;

use bzip2::read::MultiBzDecoder;
use flate2::read::MultiGzDecoder;

/// How many plain bytes the decompressing thread hands over at a time.
const CHUNK_SIZE: usize = 256 * 1024;

/// How many chunks may wait for the parser before the decompressing thread pauses: enough
/// to smooth out uneven speeds, few enough to keep memory small (about 1 MiB).
const CHUNKS_IN_FLIGHT: usize = 4;

/// How big the buffer is between the file and the decompressor.
const FILE_BUFFER_SIZE: usize = 128 * 1024;

/// The compression a file's content uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Not compressed: the bytes are the data itself.
    Raw,
    /// gzip (RFC 1952), possibly several members one after another.
    Gzip,
    /// bzip2, possibly several streams one after another.
    Bzip2,
}

impl Compression {
    /// Tells the compression from the first bytes of a file's content: `BZh` starts a
    /// bzip2 stream and the bytes `1f 8b` a gzip member; anything else is taken as raw.
    pub fn detect(first_bytes: &[u8]) -> Self {
        if first_bytes.starts_with(b"BZh") {
            Compression::Bzip2
        } else if first_bytes.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else {
            Compression::Raw
        }
    }
}

/// A stream of decompressed bytes, filled by a thread of its own.
///
/// Read it like any other [`Read`]. [`Decompressed::compressed_bytes`] tells how many
/// bytes of the compressed source have been taken so far, which is what a progress bar
/// compares with the file's size. A damaged compressed stream turns into an
/// [`io::Error`] from `read`; if the decompressing thread dies, `read` fails too rather
/// than waiting or reporting a clean end.
pub struct Decompressed {
    compression: Compression,
    compressed_bytes: Arc<AtomicU64>,
    chunks: Receiver<Chunk>,
    current: Vec<u8>,
    position: usize,
    state: StreamState,
}

/// What the decompressing thread sends.
enum Chunk {
    /// The next plain bytes (never empty).
    Data(Vec<u8>),
    /// The source ended cleanly; nothing follows.
    End,
    /// The source could not be read or decompressed; nothing follows.
    Failed(io::Error),
}

/// Where the reading side stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StreamState {
    Open,
    Ended,
    Failed,
}

/// Opens a file as a stream of decompressed bytes, its compression detected from its
/// content.
pub fn open(path: &Path) -> io::Result<Decompressed> {
    Decompressed::new(File::open(path)?)
}

impl Decompressed {
    /// Starts decompressing `source` on a new thread. The first bytes are read here to
    /// detect the compression, so an unreadable source fails at once.
    pub fn new<R: Read + Send + 'static>(source: R) -> io::Result<Self> {
        let compressed_bytes = Arc::new(AtomicU64::new(0));
        let mut counted = CountingReader {
            inner: source,
            count: Arc::clone(&compressed_bytes),
        };
        let magic = read_up_to(&mut counted, 3)?;
        let compression = Compression::detect(&magic);
        let whole = BufReader::with_capacity(FILE_BUFFER_SIZE, Cursor::new(magic).chain(counted));
        let decoder: Box<dyn Read + Send> = match compression {
            Compression::Raw => Box::new(whole),
            Compression::Gzip => Box::new(MultiGzDecoder::new(whole)),
            Compression::Bzip2 => Box::new(MultiBzDecoder::new(whole)),
        };
        let (sender, chunks) = sync_channel(CHUNKS_IN_FLIGHT);
        thread::Builder::new()
            .name("decompress".to_owned())
            .spawn(move || decompress(decoder, &sender))?;
        Ok(Decompressed {
            compression,
            compressed_bytes,
            chunks,
            current: Vec::new(),
            position: 0,
            state: StreamState::Open,
        })
    }

    /// The compression detected from the content.
    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// A counter of the compressed bytes taken from the source so far; it keeps counting
    /// while the stream is read, so a progress bar can poll it from another thread.
    pub fn compressed_bytes(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.compressed_bytes)
    }
}

impl Read for Decompressed {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        while self.position == self.current.len() {
            match self.state {
                StreamState::Ended => return Ok(0),
                StreamState::Failed => {
                    return Err(io::Error::other("the compressed data could not be read"));
                }
                StreamState::Open => {}
            }
            match self.chunks.recv() {
                Ok(Chunk::Data(data)) => {
                    self.current = data;
                    self.position = 0;
                }
                Ok(Chunk::End) => self.state = StreamState::Ended,
                Ok(Chunk::Failed(error)) => {
                    self.state = StreamState::Failed;
                    return Err(error);
                }
                Err(_) => {
                    self.state = StreamState::Failed;
                    return Err(io::Error::other(
                        "decompression stopped before the end of the data",
                    ));
                }
            }
        }
        let available = &self.current[self.position..];
        let count = available.len().min(buf.len());
        buf[..count].copy_from_slice(&available[..count]);
        self.position += count;
        Ok(count)
    }
}

/// The decompressing thread's work: fill chunks and send them until the source ends, fails,
/// or nobody reads any more (the receiver was dropped, so sending fails).
fn decompress(mut decoder: Box<dyn Read + Send>, sender: &SyncSender<Chunk>) {
    loop {
        let mut chunk = Vec::with_capacity(CHUNK_SIZE);
        let message = match (&mut decoder)
            .take(CHUNK_SIZE as u64)
            .read_to_end(&mut chunk)
        {
            Ok(0) => Chunk::End,
            Ok(_) => Chunk::Data(chunk),
            Err(error) => Chunk::Failed(error),
        };
        let last = !matches!(message, Chunk::Data(_));
        if sender.send(message).is_err() || last {
            return;
        }
    }
}

/// Reads until `limit` bytes or the end of the source, whichever comes first.
fn read_up_to(source: &mut impl Read, limit: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    source.take(limit).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Passes reads through, adding the bytes read to a shared counter.
struct CountingReader<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.count.fetch_add(read as u64, Ordering::Relaxed);
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    fn bzip2(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    fn read_all(source: Vec<u8>) -> (Compression, io::Result<Vec<u8>>) {
        let mut stream = Decompressed::new(Cursor::new(source)).unwrap();
        let mut out = Vec::new();
        let result = stream.read_to_end(&mut out).map(|_| out);
        (stream.compression(), result)
    }

    /// More than a few chunks, so the hand-over between threads is exercised.
    fn sample() -> Vec<u8> {
        (0..3_000_000u32).map(|i| (i % 251) as u8).collect()
    }

    #[test]
    fn the_compression_is_told_by_the_first_bytes() {
        assert_eq!(Compression::detect(b"BZh91AY"), Compression::Bzip2);
        assert_eq!(Compression::detect(&[0x1f, 0x8b, 8]), Compression::Gzip);
        assert_eq!(Compression::detect(&[0x1f]), Compression::Raw);
        assert_eq!(Compression::detect(b"BZ"), Compression::Raw);
        assert_eq!(Compression::detect(b""), Compression::Raw);
    }

    #[test]
    fn raw_gzip_and_bzip2_content_all_come_out_as_the_original_bytes() {
        let original = sample();
        for (compressed, expected) in [
            (original.clone(), Compression::Raw),
            (gzip(&original), Compression::Gzip),
            (bzip2(&original), Compression::Bzip2),
        ] {
            let (detected, out) = read_all(compressed);
            assert_eq!(detected, expected);
            assert!(out.unwrap() == original, "{expected:?} did not round trip");
        }
    }

    #[test]
    fn concatenated_gzip_members_and_bzip2_streams_are_all_read() {
        let mut gz = gzip(b"first ");
        gz.extend(gzip(b"second"));
        assert_eq!(read_all(gz).1.unwrap(), b"first second");
        let mut bz = bzip2(b"first ");
        bz.extend(bzip2(b"second"));
        assert_eq!(read_all(bz).1.unwrap(), b"first second");
    }

    #[test]
    fn a_file_is_detected_by_content_not_by_a_misleading_name() {
        let dir = std::env::temp_dir().join(format!("compression-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let original = b"plain bytes".to_vec();
        let cases = [
            ("really-bzip2.gz", bzip2(&original), Compression::Bzip2),
            ("really-gzip.bz2", gzip(&original), Compression::Gzip),
            ("really-raw.bz2", original.clone(), Compression::Raw),
        ];
        for (name, content, expected) in cases {
            let path = dir.join(name);
            std::fs::write(&path, content).unwrap();
            let mut stream = open(&path).unwrap();
            assert_eq!(stream.compression(), expected, "{name}");
            let mut out = Vec::new();
            stream.read_to_end(&mut out).unwrap();
            assert_eq!(out, original, "{name}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_compressed_byte_count_reaches_the_size_of_the_source() {
        let compressed = bzip2(&sample());
        let size = compressed.len() as u64;
        let mut stream = Decompressed::new(Cursor::new(compressed)).unwrap();
        let counter = stream.compressed_bytes();
        let mut out = Vec::new();
        stream.read_to_end(&mut out).unwrap();
        assert_eq!(counter.load(Ordering::Relaxed), size);
    }

    #[test]
    fn damaged_bzip2_content_is_an_error_not_a_hang_or_a_clean_end() {
        let mut compressed = bzip2(&sample());
        let middle = compressed.len() / 2;
        for byte in &mut compressed[middle..middle + 64] {
            *byte ^= 0x55;
        }
        assert!(read_all(compressed).1.is_err());
    }

    #[test]
    fn cut_gzip_content_is_an_error_not_a_clean_end() {
        let compressed = gzip(&sample());
        let cut = compressed[..compressed.len() / 2].to_vec();
        assert!(read_all(cut).1.is_err());
    }

    #[test]
    fn a_read_after_a_failure_fails_again() {
        let compressed = gzip(&sample());
        let mut stream =
            Decompressed::new(Cursor::new(compressed[..compressed.len() / 2].to_vec())).unwrap();
        let mut out = Vec::new();
        assert!(stream.read_to_end(&mut out).is_err());
        assert!(stream.read(&mut [0u8; 16]).is_err());
    }

    /// Gives its first bytes, then brings down the thread reading it.
    struct Collapsing {
        served: bool,
    }

    impl Read for Collapsing {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            assert!(!self.served, "the source collapses");
            self.served = true;
            buf[..3].copy_from_slice(b"MRT");
            Ok(3)
        }
    }

    #[test]
    fn a_decompressing_thread_that_dies_is_an_error_not_a_clean_end() {
        let mut stream = Decompressed::new(Collapsing { served: false }).unwrap();
        let mut out = Vec::new();
        let error = stream.read_to_end(&mut out).unwrap_err();
        assert!(error.to_string().contains("stopped"), "{error}");
    }

    #[test]
    fn an_empty_source_is_an_empty_raw_stream() {
        let (detected, out) = read_all(Vec::new());
        assert_eq!(detected, Compression::Raw);
        assert!(out.unwrap().is_empty());
    }
}
