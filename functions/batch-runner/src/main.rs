//! `synq-batch-runner`: see `--help`.

use std::path::PathBuf;

use anyhow::{Context, bail};
use synq_batch_runner::data::{DataOptions, samples};
use synq_batch_runner::edge::HttpEdge;
use synq_batch_runner::measure::{markdown, measure};
use synq_batch_runner::sandbox::{Limits, Sandbox};
use synq_batch_runner::worker::{Finished, Worker};
use synq_batch_runner::{default_component, progress};
use synq_ml::JobSpec;
use synq_ml::dataset::{Task, tables};

const HELP: &str = "synq-batch-runner — runs the SynQ trainer component under wasmtime

USAGE:
  synq-batch-runner measure [--tasks a,b] [--out FILE.json]
      train every task's model in wasm and natively; print timing and quality beside baselines
  synq-batch-runner train --task TASK [--out MODEL.onnx]
      train one model locally and print its metrics
  synq-batch-runner run --edge URL [--token JWT] [--runner NAME] [--once]
      lease jobs from the edge's /api/v1/training API, train them, upload and complete (or fail) them;
      the token may also come from SYNQ_RUNNER_TOKEN; --once stops when the queue is empty

OPTIONS:
  --component FILE   the trainer component (default: target/wasm32-wasip2/release/synq_trainer.wasm)
  --fuel N           fuel per job (default 2e12)
  --memory-mb N      memory limit per job (default 1024)
  --per-family N     generated circuits per family (default 80)
  --no-corpus        generated circuits only

TASKS: execution_time, success_probability, family, anomaly, optimization_level, optimization_reduction";

struct Args {
    command: String,
    flags: Vec<(String, String)>,
}

impl Args {
    fn parse() -> anyhow::Result<Self> {
        let mut it = std::env::args().skip(1);
        let command = it.next().unwrap_or_default();
        let mut flags = Vec::new();
        while let Some(flag) = it.next() {
            let Some(name) = flag.strip_prefix("--") else {
                bail!("unexpected argument `{flag}`\n\n{HELP}");
            };
            let value = if name == "no-corpus" || name == "once" {
                String::new()
            } else {
                it.next()
                    .with_context(|| format!("--{name} needs a value"))?
            };
            flags.push((name.to_string(), value));
        }
        Ok(Self { command, flags })
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn number<T: std::str::FromStr>(&self, name: &str, default: T) -> anyhow::Result<T> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| anyhow::anyhow!("--{name}: `{v}` is not a number")),
        }
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse()?;
    if matches!(args.command.as_str(), "" | "help" | "--help" | "-h") {
        println!("{HELP}");
        return Ok(());
    }
    let component = args
        .get("component")
        .map_or_else(default_component, PathBuf::from);
    let bytes = std::fs::read(&component).with_context(|| {
        format!(
            "reading the trainer component {} (build it: cargo build -p synq-trainer --target wasm32-wasip2 --release)",
            component.display()
        )
    })?;
    let sandbox = Sandbox::new(&bytes)?;
    let limits = Limits {
        fuel: args.number("fuel", Limits::default().fuel as f64)? as u64,
        memory_bytes: args.number("memory-mb", 1024usize)? << 20,
    };
    let mut data = DataOptions {
        per_family: args.number("per-family", DataOptions::default().per_family)?,
        ..DataOptions::default()
    };
    if args.get("no-corpus").is_some() {
        data.corpus = None;
    }
    let tasks: Vec<Task> = match args.get("tasks").or(args.get("task")) {
        None => Task::ALL.to_vec(),
        Some(list) => list
            .split(',')
            .map(|t| Task::from_name(t).with_context(|| format!("unknown task `{t}`")))
            .collect::<anyhow::Result<_>>()?,
    };
    eprintln!("labelling circuits…");
    let samples = samples(&data)?;
    eprintln!("{} labelled circuits", samples.len());
    match args.command.as_str() {
        "measure" => {
            let reports = measure(
                &sandbox,
                &samples,
                &tasks,
                data.seed,
                data.test_fraction,
                limits,
            )?;
            println!("{}", markdown(&reports));
            if let Some(out) = args.get("out") {
                std::fs::write(out, serde_json::to_vec_pretty(&reports)?)?;
            }
        }
        "train" => {
            let [task] = tasks[..] else {
                bail!("train takes one --task");
            };
            let (train, test) = tables(task, &samples, data.seed, data.test_fraction);
            let bar = progress::bar(task.name());
            let shown = bar.clone();
            let outcome = sandbox.run(
                &JobSpec::for_task(task),
                &train,
                &test,
                limits,
                Box::new(move |e, n, l| progress::update(&shown, e, n, l)),
            )?;
            bar.finish();
            for (name, value) in &outcome.metrics {
                println!("{name} = {value:.4}");
            }
            if let Some(out) = args.get("out") {
                std::fs::write(out, &outcome.onnx)?;
            }
        }
        "run" => {
            let base = args.get("edge").context("run needs --edge URL")?;
            let token = match args.get("token") {
                Some(t) => t.to_string(),
                None => std::env::var("SYNQ_RUNNER_TOKEN")
                    .context("run needs --token or SYNQ_RUNNER_TOKEN")?,
            };
            let edge = HttpEdge::new(base, &token);
            let worker = Worker {
                edge: &edge,
                sandbox: &sandbox,
                samples: &samples,
                runner: args
                    .get("runner")
                    .map_or_else(|| format!("runner-{}", std::process::id()), str::to_string),
                limits,
                heartbeat_every: std::time::Duration::from_secs(5),
                test_fraction: data.test_fraction,
                show_progress: true,
            };
            loop {
                match worker.run_one() {
                    Ok(Some(Finished::Completed { job, model })) => {
                        eprintln!("{job}: completed, {:?} model {}", model.task, model.version);
                    }
                    Ok(Some(Finished::Failed { job, reason })) => {
                        eprintln!("{job}: failed: {reason}")
                    }
                    Ok(None) if args.get("once").is_some() => break,
                    Ok(None) => std::thread::sleep(std::time::Duration::from_secs(2)),
                    Err(e) => {
                        eprintln!("{e}");
                        std::thread::sleep(std::time::Duration::from_secs(2));
                    }
                }
            }
        }
        other => bail!("unknown command `{other}`\n\n{HELP}"),
    }
    Ok(())
}
