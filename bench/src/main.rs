//! `synq-bench`: SynQ's benchmarks. `fanout` measures WebSocket fan-out latency of the SynQ Worker under
//! `wrangler dev` beside a bare-DO platform floor; `replay` times a real editing trace through the
//! session engine natively; `circuits` times the circuit optimizer on a folder of OpenQASM files. Each prints one JSON document on stdout; progress goes to stderr.
//!
//! It is a native tool only: nothing here is linked into a Worker.

mod args;
mod circuits;
mod driver;
mod fanout;
mod median;
mod messages;
mod node_server;
mod paired;
mod phases;
mod procstat;
mod replay;
mod stats;
mod wrangler;
mod yjs_fanout;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use serde::Serialize;
use tokio::signal::unix::{SignalKind, signal};

use crate::args::Args;

const USAGE: &str = "\
usage: synq-bench <command> [options]

commands:
  fanout  [--readers 10,50] [--rate 100] [--seconds 10] [--warmup 1] [--drain 5] [--repeat 1]
          [--targets synq,floor] [--traffic edits|presence]
          Starts one `wrangler dev` per target (synq: root wrangler.toml, built Worker required;
          floor: bench/floor/wrangler.toml), then for each repeat and N runs every target in turn
          (interleaved): 1 writer + N readers on a fresh session, edits (or presence user_info
          updates) at a fixed rate; reports edit->ack and send->delivery latency per run and merged
          per (target, N), and each run's workerd CPU seconds and resident memory.
  yjs-fanout [--readers 10,50,100] [--rates 10,100] [--seconds 10] [--warmup 1] [--drain 5]
          [--settle 90] [--repeat 1] [--targets synq,floor,hocuspocus,y-websocket] (also floor-coalesced)
          The same with y-websocket-protocol clients (a yrs writer, one character per edit): SynQ's
          /sessions/{id}/yjs, the floor given the same binary frames, and the Node peers of
          bench/yjs-peers (installed by scripts/bench.sh); edit->delivery latency and deliveries/s.
          Each target first runs --settle seconds unmeasured, so its code is compiled and warm.
  replay  [--trace PATH] [--runs 5] [--via synq|yjs]
          Replays a trace (default $SYNQ_TRACES_DIR or ../shared/data/traces, automerge-paper.json.gz)
          through the session engine natively, as synq edit messages or as a Yjs editor's updates.
  circuits --dir DIR [--level 3] [--runs 5]
          Parses every .qasm file in DIR and optimizes it into the basis {cx, rz, sx, x} at the
          level, timing the optimizer over the runs (median); reports gates, CX and depth after.
          bench/circuits/compare.py runs it beside Qiskit's transpile.

environment:
  SYNQ_ROOT        repository root (default: the one this binary was built from)
  SYNQ_TRACES_DIR  folder with the editing traces
";

/// The environment a report was made in.
#[derive(Debug, Serialize)]
struct Machine {
    nproc: usize,
    rustc: Option<String>,
    wrangler: Option<String>,
    os: Option<String>,
    loadavg_1m: Option<f64>,
}

#[derive(Serialize)]
struct Output<T: Serialize> {
    bench: &'static str,
    machine: Machine,
    #[serde(flatten)]
    report: T,
}

fn main() -> ExitCode {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("synq-bench: {e:#}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("synq-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> anyhow::Result<ExitCode> {
    let root = repo_root();
    match args.command.as_str() {
        "help" => {
            print!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        "replay" => {
            let mut args = args;
            let trace = match args.take("trace") {
                Some(path) => PathBuf::from(path),
                None => replay::traces_dir(&root).join(replay::DEFAULT_TRACE),
            };
            let runs = args.take_parsed("runs", 5usize)?;
            let via = args.take_parsed("via", replay::Via::Synq)?;
            args.finish()?;
            let report = replay::run(&trace, runs.max(1), via)?;
            let ok = report.text_matches;
            print_json(&Output {
                bench: "replay",
                machine: machine(&root),
                report,
            })?;
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        "circuits" => {
            let mut args = args;
            let dir = args
                .take("dir")
                .map(PathBuf::from)
                .context("circuits needs --dir DIR")?;
            let level = args.take_parsed("level", 3u8)?;
            let runs = args.take_parsed("runs", 5usize)?.max(1);
            args.finish()?;
            let report = circuits::run(&dir, level, runs)?;
            let ok = report.failures.is_empty();
            print_json(&Output {
                bench: "circuits",
                machine: machine(&root),
                report,
            })?;
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        "fanout" => {
            let mut args = args;
            let readers = args
                .take_list("readers", "10,50")
                .iter()
                .map(|n| {
                    n.parse::<usize>()
                        .with_context(|| format!("--readers: `{n}` is not a count"))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let targets = args
                .take_list("targets", "synq,floor")
                .iter()
                .map(|t| fanout::Target::parse(t))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let (seconds, warmup_s, drain_s, repeat) = run_length(&mut args)?;
            let config = fanout::Config {
                readers,
                rate: args.take_parsed("rate", 100u32)?.max(1),
                seconds,
                warmup_s,
                drain_s,
                repeat,
                targets,
                traffic: fanout::Traffic::parse(
                    &args.take("traffic").unwrap_or_else(|| "edits".to_owned()),
                )?,
            };
            args.finish()?;
            until_signal("fanout", &root, fanout::run(&config, &root))
        }
        "yjs-fanout" => {
            let mut args = args;
            let numbers = |list: Vec<String>, what: &str| {
                list.iter()
                    .map(|n| {
                        n.parse::<usize>()
                            .with_context(|| format!("--{what}: `{n}` is not a count"))
                    })
                    .collect::<anyhow::Result<Vec<_>>>()
            };
            let readers = numbers(args.take_list("readers", "10,50,100"), "readers")?;
            let rates = numbers(args.take_list("rates", "10,100"), "rates")?
                .into_iter()
                .map(|r| u32::try_from(r.max(1)).unwrap_or(u32::MAX))
                .collect();
            let targets = args
                .take_list("targets", "synq,floor,hocuspocus,y-websocket")
                .iter()
                .map(|t| yjs_fanout::YjsTarget::parse(t))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let (seconds, warmup_s, drain_s, repeat) = run_length(&mut args)?;
            let settle_s = args.take_parsed("settle", 90.0f64)?.max(0.0);
            let config = yjs_fanout::YjsConfig {
                readers,
                rates,
                seconds,
                warmup_s,
                drain_s,
                settle_s,
                repeat,
                targets,
            };
            args.finish()?;
            until_signal("yjs-fanout", &root, yjs_fanout::run(&config, &root))
        }
        other => anyhow::bail!("unknown command `{other}`\n\n{USAGE}"),
    }
}

/// `--seconds`, `--warmup`, `--drain` and `--repeat` of the fan-out benches.
fn run_length(args: &mut Args) -> anyhow::Result<(f64, f64, f64, usize)> {
    Ok((
        args.take_parsed("seconds", 10.0f64)?.max(0.1),
        args.take_parsed("warmup", 1.0f64)?.max(0.0),
        args.take_parsed("drain", 5.0f64)?.max(0.0),
        args.take_parsed("repeat", 1usize)?.max(1),
    ))
}

/// A report that can say some of its runs failed.
trait Failures {
    fn has_failures(&self) -> bool;
}

impl Failures for fanout::Report {
    fn has_failures(&self) -> bool {
        fanout::Report::has_failures(self)
    }
}

impl Failures for yjs_fanout::YjsReport {
    fn has_failures(&self) -> bool {
        yjs_fanout::YjsReport::has_failures(self)
    }
}

/// Runs a fan-out bench on a fresh runtime, stopping early (and so stopping its servers through their
/// guards) on SIGINT or SIGTERM, and prints its report.
fn until_signal<R: Serialize + Failures>(
    bench: &'static str,
    root: &Path,
    run: impl std::future::Future<Output = anyhow::Result<R>>,
) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(print_when_done(bench, root, run))
}

async fn print_when_done<R: Serialize + Failures>(
    bench: &'static str,
    root: &Path,
    run: impl std::future::Future<Output = anyhow::Result<R>>,
) -> anyhow::Result<ExitCode> {
    // Installed before anything starts, so a Ctrl-C never kills us with a server still running.
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let report = tokio::select! {
        report = run => report?,
        _ = interrupt.recv() => anyhow::bail!("interrupted"),
        _ = terminate.recv() => anyhow::bail!("terminated"),
    };
    let failed = report.has_failures();
    print_json(&Output {
        bench,
        machine: machine(root),
        report,
    })?;
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// `$SYNQ_ROOT`, else the workspace this crate was built in.
fn repo_root() -> PathBuf {
    std::env::var_os("SYNQ_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
            manifest.parent().unwrap_or(manifest).to_owned()
        })
}

fn machine(root: &Path) -> Machine {
    let rustc = std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
    let wrangler = std::fs::read_to_string(root.join("node_modules/wrangler/package.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .and_then(|v| v["version"].as_str().map(str::to_owned));
    let os = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_owned())
        });
    Machine {
        nproc: std::thread::available_parallelism().map_or(1, |n| n.get()),
        rustc,
        wrangler,
        os,
        loadavg_1m: fanout::loadavg(),
    }
}
