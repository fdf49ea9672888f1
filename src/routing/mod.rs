//! Readers for the offline routing data files an operator imports: RIR statistics,
//! CAIDA's AS-to-organisation and AS-relationship files, PeeringDB dumps and MRT routing
//! dumps (opened through [`compression`], whatever their compression), and [`synth`],
//! which writes MRT files for the tests, the demonstration and the benchmark.
//!
//! Every reader hands its records to the caller as an iterator of
//! `Result<Record, ParseError>`, so the caller drives the pace, counts good and bad
//! rows, stops at the first error with `?` if it wants to, and can return its own
//! errors (a database write, say) without threading them through a callback. The
//! readers never touch the database and never read a text file whole: they hold one
//! line at a time. They do not decide what a number means for the registry (bogon,
//! domestic, foreign); that belongs to the import.

pub mod caida;
pub mod compression;
pub mod mrt;
pub mod peeringdb;
pub mod rir;
pub mod synth;

use std::fmt;
use std::io::{BufRead, Read};

/// Where in a file a problem was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// A line number, counting from 1.
    Line(u64),
    /// A byte offset from the start of the file, counting from 0.
    Offset(u64),
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Line(line) => write!(f, "line {line}"),
            Self::Offset(offset) => write!(f, "byte {offset}"),
        }
    }
}

/// A problem in an input file: where it is and what is wrong, in words an operator can
/// act on. The caller adds the file's name when it shows the error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{at}: {message}")]
pub struct ParseError {
    /// Where the problem was found.
    pub at: Position,
    /// What is wrong, e.g. "summary says 3 asn records, found 2".
    pub message: String,
}

impl ParseError {
    /// An error found on the given 1-based line.
    pub fn at_line(line: u64, message: impl Into<String>) -> Self {
        Self {
            at: Position::Line(line),
            message: message.into(),
        }
    }
}

/// The longest line a text reader accepts. Real rows are under a kilobyte; the limit
/// keeps a binary file without line breaks from being read into memory whole.
const MAX_LINE_BYTES: u64 = 1024 * 1024;

/// Reads a text file one line at a time, numbering the lines from 1.
///
/// Line endings (`\n` or `\r\n`) are removed. Bytes that are not UTF-8 become U+FFFD, so
/// they fail the field checks of the row they are in rather than the whole file. After
/// a read error or an overlong line it reports the end of the file.
struct Lines<R> {
    reader: R,
    number: u64,
    buffer: Vec<u8>,
    stopped: bool,
}

impl<R: BufRead> Lines<R> {
    fn new(reader: R) -> Self {
        Self {
            reader,
            number: 0,
            buffer: Vec::new(),
            stopped: false,
        }
    }

    /// The number of the last line read (0 before the first).
    fn number(&self) -> u64 {
        self.number
    }

    /// The next line and its number, `None` at the end of the file.
    fn next_line(&mut self) -> Option<Result<(u64, String), ParseError>> {
        if self.stopped {
            return None;
        }
        self.buffer.clear();
        let read = (&mut self.reader)
            .take(MAX_LINE_BYTES + 1)
            .read_until(b'\n', &mut self.buffer);
        match read {
            Ok(0) => {
                self.stopped = true;
                None
            }
            Ok(_) => {
                self.number += 1;
                if self.buffer.last() == Some(&b'\n') {
                    self.buffer.pop();
                    if self.buffer.last() == Some(&b'\r') {
                        self.buffer.pop();
                    }
                } else if self.buffer.len() as u64 > MAX_LINE_BYTES {
                    self.stopped = true;
                    return Some(Err(ParseError::at_line(
                        self.number,
                        format!(
                            "line is longer than {MAX_LINE_BYTES} bytes; this is not a text file of the kind asked for"
                        ),
                    )));
                }
                let text = String::from_utf8_lossy(&self.buffer).into_owned();
                Some(Ok((self.number, text)))
            }
            Err(error) => {
                self.stopped = true;
                Some(Err(ParseError::at_line(
                    self.number + 1,
                    format!("could not read the file: {error}"),
                )))
            }
        }
    }
}

/// A field as quoted in a message: at most 40 characters, so that a binary line
/// cannot flood the error.
fn shorten(field: &str) -> String {
    let mut quoted: String = field.chars().take(40).collect();
    if quoted.len() < field.len() {
        quoted.push('…');
    }
    quoted
}

/// serde's message for a JSON error, with the column where it went wrong when serde
/// knows it; the line goes in the error's [`Position`].
fn json_message(error: &serde_json::Error) -> String {
    let full = error.to_string();
    if error.line() == 0 {
        return full;
    }
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    let message = full.strip_suffix(&suffix).unwrap_or(&full);
    format!("column {}: {message}", error.column())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_shows_its_line_then_its_message() {
        let error = ParseError::at_line(12, "summary says 3 asn records, found 2");
        assert_eq!(
            error.to_string(),
            "line 12: summary says 3 asn records, found 2"
        );
    }

    #[test]
    fn an_error_at_a_byte_offset_names_the_byte() {
        let error = ParseError {
            at: Position::Offset(4096),
            message: "truncated record".into(),
        };
        assert_eq!(error.to_string(), "byte 4096: truncated record");
    }

    #[test]
    fn lines_are_numbered_from_one_without_their_endings() {
        let mut lines = Lines::new("first\r\nsecond\nthird".as_bytes());
        let mut seen = Vec::new();
        while let Some(line) = lines.next_line() {
            seen.push(line.unwrap());
        }
        assert_eq!(
            seen,
            vec![
                (1, "first".to_string()),
                (2, "second".to_string()),
                (3, "third".to_string())
            ]
        );
        assert_eq!(lines.number(), 3);
    }

    #[test]
    fn a_line_longer_than_the_limit_stops_the_reader() {
        let long = vec![b'x'; MAX_LINE_BYTES as usize + 10];
        let mut lines = Lines::new(long.as_slice());
        let error = lines.next_line().unwrap().unwrap_err();
        assert_eq!(error.at, Position::Line(1));
        assert!(error.message.contains("longer than"));
        assert!(lines.next_line().is_none());
    }

    #[test]
    fn a_long_field_is_cut_short_in_messages() {
        assert_eq!(shorten("short"), "short");
        assert_eq!(shorten(&"x".repeat(50)), format!("{}…", "x".repeat(40)));
    }

    #[test]
    fn a_json_message_keeps_the_column_and_drops_the_repeated_line() {
        let error = serde_json::from_str::<u32>("\n  x").unwrap_err();
        assert_eq!(json_message(&error), "column 3: expected value");
    }

    /// A reader that fails after its first line, like a file on a failing disk.
    struct FailingReader(&'static [u8]);

    impl Read for FailingReader {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() {
                return Err(std::io::Error::other("disk on fire"));
            }
            let n = self.0.len().min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn a_read_error_is_reported_on_the_line_being_read_and_stops_the_reader() {
        let mut lines = Lines::new(std::io::BufReader::new(FailingReader(b"first\n")));
        assert_eq!(
            lines.next_line().unwrap().unwrap(),
            (1, "first".to_string())
        );
        assert_eq!(
            lines.next_line().unwrap().unwrap_err().to_string(),
            "line 2: could not read the file: disk on fire"
        );
        assert!(lines.next_line().is_none());
    }

    #[test]
    fn bytes_that_are_not_utf8_are_replaced_not_fatal() {
        let mut lines = Lines::new(&b"ab\xffcd\nnext\n"[..]);
        assert_eq!(lines.next_line().unwrap().unwrap().1, "ab\u{fffd}cd");
        assert_eq!(lines.next_line().unwrap().unwrap().1, "next");
    }
}
