//! `SmtpSink`: a real SMTP server on 127.0.0.1 for tests. It speaks enough of RFC 5321 for
//! lettre's client, keeps every message it accepts, and can refuse or hold messages on demand.

use std::collections::VecDeque;
use std::future::poll_fn;
use std::io;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::Poll;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use mail_parser::{Message, MessageParser};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::{Instant, sleep};

/// How often `wait_for` looks again, and how long the accept loop pauses after an error.
const POLL_INTERVAL: Duration = Duration::from_millis(20);
/// How long a released conversation listens for the client hanging up before it answers.
const HANGUP_CHECK: Duration = Duration::from_millis(200);

const GREETING: &str = "220 localhost ESMTP test sink";
const EHLO_REPLY: &str =
    "250-localhost\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 AUTH PLAIN LOGIN";

/// An SMTP server on 127.0.0.1 that records the messages it accepts. It stops when dropped.
pub struct SmtpSink {
    port: u16,
    state: Arc<Mutex<State>>,
    /// Shared with the accept task so that stopping closes the socket at once.
    listener: Arc<Mutex<Option<TcpListener>>>,
    accept_task: JoinHandle<()>,
}

/// A message the sink accepted.
#[derive(Debug, Clone)]
pub struct Received {
    /// The `MAIL FROM` address, without angle brackets.
    pub from: String,
    /// The `RCPT TO` addresses, without angle brackets.
    pub to: Vec<String>,
    /// The message as sent after `DATA`, with dot-stuffing undone.
    pub data: Vec<u8>,
    /// The (user, password) the client authenticated with on that connection, if any.
    pub auth: Option<(String, String)>,
}

/// The sink's answer to the end of `DATA`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Reply {
    /// 250: the message is accepted.
    #[default]
    Accept,
    /// 451: a temporary failure; the client should try again later.
    Temporary,
    /// 550: a permanent failure.
    Permanent,
}

/// A message held before its answer; see [`SmtpSink::hold_at`].
pub struct Hold {
    signals: Arc<HoldSignals>,
}

impl SmtpSink {
    /// Binds 127.0.0.1 on a free port and serves until dropped.
    pub async fn start() -> SmtpSink {
        Self::start_on(0).await
    }

    /// Binds 127.0.0.1 on `port`, e.g. to bring a server back after [`SmtpSink::stop`].
    pub async fn start_on(port: u16) -> SmtpSink {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap_or_else(|error| panic!("SMTP sink cannot bind 127.0.0.1:{port}: {error}"));
        let port = listener
            .local_addr()
            .expect("the SMTP sink's address")
            .port();
        let state = Arc::new(Mutex::new(State::default()));
        let listener = Arc::new(Mutex::new(Some(listener)));
        let accept_task = tokio::spawn(accept_loop(Arc::clone(&listener), Arc::clone(&state)));
        SmtpSink {
            port,
            state,
            listener,
            accept_task,
        }
    }

    /// The port the sink listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `smtp://127.0.0.1:<port>`
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Stops accepting and closes open connections: from now on the port refuses connections.
    pub fn stop(self) {
        drop(self);
    }

    /// Answers to the end of `DATA`, used in order, one per message; once used up, the answer
    /// is `Accept` (or the one given to [`SmtpSink::always`]). Replaces any earlier script.
    pub fn script(&self, replies: Vec<Reply>) {
        lock(&self.state).script = replies.into();
    }

    /// Answers every message with `reply` from now on, dropping what is left of any script.
    pub fn always(&self, reply: Reply) {
        let mut state = lock(&self.state);
        state.script.clear();
        state.fallback = reply;
    }

    /// The messages accepted (answered 250) so far, in order.
    pub fn received(&self) -> Vec<Received> {
        lock(&self.state).received.clone()
    }

    /// Waits until at least `n` messages are accepted and returns them all; panics, saying how
    /// many arrived, if that takes longer than `timeout`.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            let received = self.received();
            if received.len() >= n {
                return received;
            }
            assert!(
                Instant::now() < deadline,
                "SMTP sink: expected {n} message(s) within {timeout:?}, but {} arrived",
                received.len()
            );
            sleep(POLL_INTERVAL).await;
        }
    }

    /// How many messages were answered with 4xx or 5xx.
    pub fn refused(&self) -> usize {
        lock(&self.state).refused
    }

    /// Holds the `n`th message (1-based, counting every end of `DATA` since start): once it
    /// has been read, the sink says so through the returned [`Hold`] and answers nothing until
    /// [`Hold::release`]. If the client has gone by then, the message is not accepted and the
    /// connection is closed; otherwise the message is answered as usual.
    pub fn hold_at(&self, n: usize) -> Hold {
        let signals = Arc::new(HoldSignals::default());
        lock(&self.state).hold = Some((n, Arc::clone(&signals)));
        Hold { signals }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        // Closing the socket here rather than in the aborted task refuses connections at once.
        drop(lock(&self.listener).take());
        self.accept_task.abort();
    }
}

impl Hold {
    /// Waits until the held message has been read; panics after `timeout`.
    pub async fn reached(&self, timeout: Duration) {
        let mut reached = self.signals.reached.subscribe();
        let arrived = tokio::time::timeout(timeout, reached.wait_for(|reached| *reached))
            .await
            .is_ok();
        assert!(
            arrived,
            "SMTP sink: the held message did not arrive within {timeout:?}"
        );
    }

    /// Lets the held conversation go on.
    pub fn release(&self) {
        self.signals.released.send_replace(true);
    }
}

impl Received {
    /// The message's subject, decoded (empty if it has none).
    pub fn subject(&self) -> String {
        let message = self.parsed();
        message.subject().unwrap_or_default().to_owned()
    }

    /// The text/plain body, decoded.
    pub fn text(&self) -> String {
        let message = self.parsed();
        message.body_text(0).unwrap_or_default().into_owned()
    }

    /// The text/html body, decoded.
    pub fn html(&self) -> String {
        let message = self.parsed();
        message.body_html(0).unwrap_or_default().into_owned()
    }

    /// The raw value of the header `name` (any case), unfolded and trimmed.
    pub fn header(&self, name: &str) -> Option<String> {
        let message = self.parsed();
        let raw = message.header_raw(name)?;
        Some(raw.replace(['\r', '\n'], "").trim().to_owned())
    }

    /// Every http(s) URL in the text body, without trailing punctuation.
    pub fn links(&self) -> Vec<String> {
        self.text().split_whitespace().filter_map(link_in).collect()
    }

    fn parsed(&self) -> Message<'_> {
        MessageParser::default()
            .parse(self.data.as_slice())
            .expect("the received message parses as MIME")
    }
}

/// The http(s) URL in a word of text, if there is one.
fn link_in(word: &str) -> Option<String> {
    let start = [word.find("http://"), word.find("https://")]
        .into_iter()
        .flatten()
        .min()?;
    let link =
        word[start..].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']', '>', '"', '\'']);
    Some(link.to_owned())
}

impl Reply {
    fn line(self) -> &'static str {
        match self {
            Reply::Accept => "250 2.0.0 OK: queued",
            Reply::Temporary => "451 4.3.0 Temporary failure, try again later",
            Reply::Permanent => "550 5.7.1 Message refused",
        }
    }
}

/// What the test and the connections share.
#[derive(Default)]
struct State {
    received: Vec<Received>,
    script: VecDeque<Reply>,
    fallback: Reply,
    refused: usize,
    messages_read: usize,
    hold: Option<(usize, Arc<HoldSignals>)>,
}

impl State {
    /// Counts a message that has been read; returns the hold if it is the held one.
    fn message_read(&mut self) -> Option<Arc<HoldSignals>> {
        self.messages_read += 1;
        match &self.hold {
            Some((at, _)) if *at == self.messages_read => self.hold.take().map(|(_, hold)| hold),
            _ => None,
        }
    }

    /// Picks the answer to a message and records the message accordingly.
    fn answer(&mut self, message: Received) -> Reply {
        let reply = self.script.pop_front().unwrap_or(self.fallback);
        match reply {
            Reply::Accept => self.received.push(message),
            Reply::Temporary | Reply::Permanent => self.refused += 1,
        }
        reply
    }
}

/// The two signals of a hold: the message was read, and the test released it.
#[derive(Default)]
struct HoldSignals {
    reached: watch::Sender<bool>,
    released: watch::Sender<bool>,
}

impl HoldSignals {
    /// Says the message was read, then waits for the release.
    async fn pause(&self) {
        self.reached.send_replace(true);
        let mut released = self.released.subscribe();
        // The sender lives in `self`, so this only returns once released.
        let _ = released.wait_for(|released| *released).await;
    }
}

/// Locks `mutex`, carrying on after a panic elsewhere.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Serves each connection on a task of its own; dropping this future ends them all.
async fn accept_loop(listener: Arc<Mutex<Option<TcpListener>>>, state: Arc<Mutex<State>>) {
    let mut connections = JoinSet::new();
    while let Some(accepted) = accept(&listener).await {
        while connections.try_join_next().is_some() {}
        match accepted {
            Ok(stream) => {
                connections.spawn(Connection::new(stream, Arc::clone(&state)).serve());
            }
            Err(_) => sleep(POLL_INTERVAL).await,
        }
    }
}

/// The next connection, or `None` once the listener is closed.
async fn accept(listener: &Mutex<Option<TcpListener>>) -> Option<io::Result<TcpStream>> {
    poll_fn(|cx| match lock(listener).as_ref() {
        Some(listener) => listener
            .poll_accept(cx)
            .map(|accepted| Some(accepted.map(|(stream, _)| stream))),
        None => Poll::Ready(None),
    })
    .await
}

/// One client's conversation.
struct Connection {
    stream: BufReader<TcpStream>,
    state: Arc<Mutex<State>>,
    auth: Option<(String, String)>,
    from: Option<String>,
    to: Vec<String>,
}

impl Connection {
    fn new(stream: TcpStream, state: Arc<Mutex<State>>) -> Self {
        // Replies are single writes; don't let Nagle delay them.
        let _ = stream.set_nodelay(true);
        Connection {
            stream: BufReader::new(stream),
            state,
            auth: None,
            from: None,
            to: Vec::new(),
        }
    }

    /// Runs the conversation; an I/O error or the client hanging up just ends it.
    async fn serve(mut self) {
        let _ = self.converse().await;
    }

    async fn converse(&mut self) -> io::Result<()> {
        self.reply(GREETING).await?;
        loop {
            let line = self.read_command().await?;
            let (verb, argument) = split_command(&line);
            match verb.to_ascii_uppercase().as_str() {
                "EHLO" => {
                    self.reset();
                    self.reply(EHLO_REPLY).await?;
                }
                "HELO" => {
                    self.reset();
                    self.reply("250 localhost").await?;
                }
                "AUTH" => self.authenticate(argument).await?,
                "MAIL" => self.mail_from(argument).await?,
                "RCPT" => self.rcpt_to(argument).await?,
                "DATA" => self.data().await?,
                "RSET" => {
                    self.reset();
                    self.reply("250 2.0.0 OK").await?;
                }
                "NOOP" => self.reply("250 2.0.0 OK").await?,
                "QUIT" => return self.reply("221 2.0.0 Bye").await,
                _ => self.reply("502 5.5.2 Command not recognised").await?,
            }
        }
    }

    /// Forgets the message being sent (not the authentication).
    fn reset(&mut self) {
        self.from = None;
        self.to.clear();
    }

    async fn authenticate(&mut self, argument: &str) -> io::Result<()> {
        let (mechanism, initial) = split_command(argument);
        let credentials = match mechanism.to_ascii_uppercase().as_str() {
            "PLAIN" => self.auth_plain(initial).await?,
            "LOGIN" => self.auth_login(initial).await?,
            _ => return self.reply("504 5.5.4 Unrecognised mechanism").await,
        };
        match credentials {
            Some(credentials) => {
                self.auth = Some(credentials);
                self.reply("235 2.7.0 Authentication successful").await
            }
            None => self.reply("501 5.5.2 Cannot decode credentials").await,
        }
    }

    /// `AUTH PLAIN`, with the credentials on the same line or after an empty challenge.
    async fn auth_plain(&mut self, initial: &str) -> io::Result<Option<(String, String)>> {
        let response = match initial {
            "" => self.challenge("").await?,
            given => given.to_owned(),
        };
        Ok(decode_plain(&response))
    }

    /// `AUTH LOGIN`: user name (unless given on the same line), then password.
    async fn auth_login(&mut self, initial: &str) -> io::Result<Option<(String, String)>> {
        let user = match initial {
            "" => self.challenge("Username:").await?,
            given => given.to_owned(),
        };
        let password = self.challenge("Password:").await?;
        Ok(decode_base64(&user).zip(decode_base64(&password)))
    }

    /// Sends a 334 challenge and returns the client's answer.
    async fn challenge(&mut self, prompt: &str) -> io::Result<String> {
        self.reply(&format!("334 {}", BASE64.encode(prompt)))
            .await?;
        self.read_command().await
    }

    async fn mail_from(&mut self, argument: &str) -> io::Result<()> {
        match path_argument(argument, "FROM:") {
            Some(address) => {
                self.reset();
                self.from = Some(address);
                self.reply("250 2.1.0 OK").await
            }
            None => self.reply("501 5.5.4 Syntax: MAIL FROM:<address>").await,
        }
    }

    async fn rcpt_to(&mut self, argument: &str) -> io::Result<()> {
        if self.from.is_none() {
            return self.reply("503 5.5.1 MAIL first").await;
        }
        match path_argument(argument, "TO:") {
            Some(address) => {
                self.to.push(address);
                self.reply("250 2.1.5 OK").await
            }
            None => self.reply("501 5.5.4 Syntax: RCPT TO:<address>").await,
        }
    }

    async fn data(&mut self) -> io::Result<()> {
        if self.from.is_none() || self.to.is_empty() {
            return self.reply("503 5.5.1 MAIL and RCPT first").await;
        }
        self.reply("354 End data with <CR><LF>.<CR><LF>").await?;
        let message = Received {
            data: self.read_data().await?,
            from: self.from.take().unwrap_or_default(),
            to: std::mem::take(&mut self.to),
            auth: self.auth.clone(),
        };
        let hold = lock(&self.state).message_read();
        if let Some(hold) = hold {
            hold.pause().await;
            if !self.client_waiting().await {
                return Err(io::ErrorKind::ConnectionAborted.into());
            }
        }
        let reply = lock(&self.state).answer(message);
        self.reply(reply.line()).await
    }

    /// Reads the message up to the line holding only ".", undoing dot-stuffing.
    async fn read_data(&mut self) -> io::Result<Vec<u8>> {
        let mut data = Vec::new();
        loop {
            let line = self.read_line().await?;
            if line == b".\r\n" || line == b".\n" {
                return Ok(data);
            }
            data.extend_from_slice(line.strip_prefix(b".").unwrap_or(&line));
        }
    }

    /// Whether the client still waits for an answer: one that has gone away reads as EOF or
    /// an error, while one that waits sends nothing, so the read times out.
    async fn client_waiting(&mut self) -> bool {
        match tokio::time::timeout(HANGUP_CHECK, self.stream.fill_buf()).await {
            Err(_waiting) => true,
            Ok(Ok(buffered)) => !buffered.is_empty(),
            Ok(Err(_)) => false,
        }
    }

    /// One command line, without its line ending.
    async fn read_command(&mut self) -> io::Result<String> {
        let line = self.read_line().await?;
        let line = String::from_utf8_lossy(&line);
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }

    /// One line with its line ending; the client hanging up is an error.
    async fn read_line(&mut self) -> io::Result<Vec<u8>> {
        let mut line = Vec::new();
        if self.stream.read_until(b'\n', &mut line).await? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        Ok(line)
    }

    /// Sends a reply (lines separated by CRLF) in a single write.
    async fn reply(&mut self, text: &str) -> io::Result<()> {
        let reply = format!("{text}\r\n");
        self.stream.get_mut().write_all(reply.as_bytes()).await
    }
}

/// Splits `VERB argument` at the first space.
fn split_command(line: &str) -> (&str, &str) {
    match line.split_once(' ') {
        Some((verb, argument)) => (verb, argument.trim()),
        None => (line.trim(), ""),
    }
}

/// The address in `FROM:<address> params` or `TO:<address>`, without angle brackets.
fn path_argument(argument: &str, keyword: &str) -> Option<String> {
    let head = argument.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let path = argument[keyword.len()..].trim_start().strip_prefix('<')?;
    let end = path.find('>')?;
    Some(path[..end].to_owned())
}

/// An `AUTH PLAIN` response: base64 of `authzid NUL user NUL password`.
fn decode_plain(response: &str) -> Option<(String, String)> {
    let decoded = decode_base64(response)?;
    let mut fields = decoded.split('\0');
    let (_authzid, user, password) = (fields.next()?, fields.next()?, fields.next()?);
    Some((user.to_owned(), password.to_owned()))
}

fn decode_base64(encoded: &str) -> Option<String> {
    let bytes = BASE64.decode(encoded.trim()).ok()?;
    String::from_utf8(bytes).ok()
}
