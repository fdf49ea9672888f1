//! `verify-log`: an outsider's check of a registry's transparency log over HTTP, with
//! nothing but its public endpoints. It fetches the checkpoint and every tile, checks the
//! signature, recomputes the tree, and checks that the log still holds, unchanged, what
//! the checkpoint saved by the last run held (`domain::transparency::verify_log`).

use std::path::Path;
use std::time::Duration;

use crate::domain::transparency::{VerifiedState, VerifyError, verify_log};

/// The most a response may hold: a full entry bundle of 256 entries at the largest entry
/// size, with room to spare. A server sending more is refused, not buffered.
const MAX_RESPONSE: usize = 256 * 65_538 + 1024;

/// Why a fetch failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error(transparent)]
    Http(#[from] reqwest::Error),
    #[error("the server answered {0}")]
    Status(reqwest::StatusCode),
    #[error("the answer is larger than {MAX_RESPONSE} bytes")]
    TooLarge,
}

/// Why verification did not end in a verified log.
#[derive(Debug, thiserror::Error)]
pub enum LogCheckError {
    #[error(transparent)]
    Verify(#[from] VerifyError<FetchError>),
    #[error("the checkpoint saved last time in {path} cannot be used: {reason}")]
    State { path: String, reason: String },
    #[error("the server's keys cannot be read: {0}")]
    Keys(FetchError),
    #[error("{0}")]
    Setup(String),
}

/// What a verification found.
#[derive(Debug, serde::Serialize)]
pub struct Verified {
    pub origin: String,
    pub size: u64,
    pub root: String,
    /// The size the checkpoint saved last time had, when there was one.
    pub consistent_with: Option<u64>,
    /// Whether the keys trusted were the ones the server publishes (none given).
    pub keys_from_server: bool,
}

/// Verifies the log at `base` (the registry's address; its log is under `/transparency/`)
/// against `keys` (verifier keys; none: those the server publishes), and against the
/// checkpoint saved in `state` by the last run, which is then replaced by this run's.
pub fn run(base: &str, keys: &[String], state: Option<&Path>) -> Result<Verified, LogCheckError> {
    let base = format!("{}/transparency/", base.trim_end_matches('/'));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| LogCheckError::Setup(e.to_string()))?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| LogCheckError::Setup(e.to_string()))?;
    let fetch = |path: &str| -> Result<Vec<u8>, FetchError> {
        runtime.block_on(get(&client, &format!("{base}{path}")))
    };
    let keys_from_server = keys.is_empty();
    let keys: Vec<String> = if keys_from_server {
        let text = fetch("keys").map_err(LogCheckError::Keys)?;
        String::from_utf8_lossy(&text)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    } else {
        keys.to_vec()
    };
    let saved = match state {
        Some(path) if path.exists() => {
            let state_error = |reason: String| LogCheckError::State {
                path: path.display().to_string(),
                reason,
            };
            let text = std::fs::read_to_string(path).map_err(|e| state_error(e.to_string()))?;
            Some(VerifiedState::from_text(&text, &keys).map_err(|e| state_error(e.to_string()))?)
        }
        _ => None,
    };
    let verified = verify_log(fetch, &keys, saved.as_ref())?;
    if let Some(path) = state {
        save(path, verified.to_text()).map_err(|e| LogCheckError::State {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
    }
    Ok(Verified {
        origin: verified.origin.clone(),
        size: verified.size,
        root: verified.root.to_string(),
        consistent_with: saved.map(|s| s.size),
        keys_from_server,
    })
}

async fn get(client: &reqwest::Client, url: &str) -> Result<Vec<u8>, FetchError> {
    let mut response = client.get(url).send().await?;
    if !response.status().is_success() {
        return Err(FetchError::Status(response.status()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > MAX_RESPONSE {
            return Err(FetchError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Replaces the state file whole: written beside it, then renamed over it.
fn save(path: &Path, text: &str) -> std::io::Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".new");
    std::fs::write(&temporary, text)?;
    std::fs::rename(&temporary, path)
}
