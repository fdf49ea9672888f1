//! `interconnect-registry`: settings → logging → the chosen command (default: serve).

use clap::Parser;
use interconnect_registry::{cli, config::Settings, telemetry};

#[actix_web::main]
async fn main() {
    let cli = cli::Cli::parse();
    telemetry::init();
    let result = if !cli.needs_settings() {
        cli::run_without_settings(cli)
    } else {
        match Settings::from_env() {
            Ok(settings) => cli::run(cli, settings).await,
            Err(e) => Err(e),
        }
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
