//! `synq-bench circuits` for WebAssembly: the same module (`bench/src/circuits.rs`) and argument
//! parser (`bench/src/args.rs`) as the native bench, without its native-only dependencies. Prints one
//! JSON document on stdout, like the native command.
//!
//! Usage (see `bench/circuits/run_wasm.mjs`): `circuits --dir DIR [--level 3] [--runs 5]`; the host
//! must preopen DIR at the same path.

#[allow(dead_code)]
#[path = "../../src/args.rs"]
mod args;
#[path = "../../src/circuits.rs"]
mod circuits;
#[path = "../../src/median.rs"]
mod median;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use serde::Serialize;

#[derive(Serialize)]
struct Output {
    bench: &'static str,
    target: &'static str,
    #[serde(flatten)]
    report: circuits::Report,
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("synq-bench-circuits-wasm: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<ExitCode> {
    // The host passes argv[0]; the command is optional so that `--dir D` alone works too.
    let mut argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.first().is_some_and(|a| a.starts_with("--")) {
        argv.insert(0, "circuits".to_owned());
    }
    let mut args = args::Args::parse(argv)?;
    if args.command != "circuits" {
        anyhow::bail!("usage: circuits --dir DIR [--level 3] [--runs 5]");
    }
    let dir = args
        .take("dir")
        .map(PathBuf::from)
        .context("circuits needs --dir DIR")?;
    let level = args.take_parsed("level", 3u8)?;
    let runs = args.take_parsed("runs", 5usize)?.max(1);
    args.finish()?;
    let report = circuits::run(&dir, level, runs)?;
    let ok = report.failures.is_empty();
    println!(
        "{}",
        serde_json::to_string_pretty(&Output {
            bench: "circuits",
            target: "wasm32-wasip1",
            report,
        })?
    );
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
