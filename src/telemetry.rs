//! Structured logs with `tracing`: human-readable by default, JSON with `LOG_FORMAT=json`.
//! The level comes from `RUST_LOG` (default `info`).

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let result = if json {
        builder.json().try_init()
    } else {
        builder.compact().try_init()
    };
    if let Err(e) = result {
        eprintln!("logging was already set up: {e}");
    }
}
