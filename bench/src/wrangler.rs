//! `wrangler dev --local` as a guard: started on a free port with its own state directory and process
//! group, stopped (SIGINT to the group, then SIGKILL) when dropped, also on error or Ctrl-C.

use std::fs::File;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// How long wrangler may take to print `Ready on`.
const READY_TIMEOUT: Duration = Duration::from_secs(90);
/// How long wrangler gets to exit after SIGINT before the group is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// What to start.
#[derive(Debug, Clone)]
pub(crate) struct Spec {
    /// A name for logs and the state directory (`synq`, `floor`).
    pub(crate) name: String,
    /// The repository root (holds `node_modules/.bin/wrangler`).
    pub(crate) root: PathBuf,
    /// The `wrangler.toml` to run.
    pub(crate) config: PathBuf,
    /// `--var KEY:VALUE` pairs.
    pub(crate) vars: Vec<(String, String)>,
    /// Where wrangler's output goes.
    pub(crate) log: PathBuf,
    /// Whether the config's D1 database `DB` gets its migrations before wrangler starts (the Worker
    /// reads grants and writes analytics there when a socket joins).
    pub(crate) d1_migrations: bool,
}

/// A running `wrangler dev`; dropping it stops wrangler and its workerd children.
#[derive(Debug)]
pub(crate) struct WranglerDev {
    child: Child,
    port: u16,
    state_dir: PathBuf,
    log: PathBuf,
}

impl WranglerDev {
    /// Starts wrangler and waits until it serves `GET /healthz`.
    pub(crate) fn start(spec: &Spec) -> anyhow::Result<Self> {
        let wrangler = spec.root.join("node_modules/.bin/wrangler");
        if !wrangler.exists() {
            bail!(
                "{} missing: run `npm ci` (or source scripts/tools.sh)",
                wrangler.display()
            );
        }
        let port = free_port()?;
        let inspector_port = free_port()?;
        let state_dir = std::env::temp_dir().join(format!(
            "synq-bench-{}-{}-{}",
            spec.name,
            std::process::id(),
            port
        ));
        std::fs::create_dir_all(&state_dir)
            .with_context(|| format!("creating {}", state_dir.display()))?;
        if let Some(dir) = spec.log.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let log =
            File::create(&spec.log).with_context(|| format!("creating {}", spec.log.display()))?;
        let config_dir = spec.config.parent().unwrap_or(Path::new("."));
        if spec.d1_migrations {
            apply_d1_migrations(&wrangler, spec, &state_dir, &log)?;
        }

        let mut command = Command::new(&wrangler);
        command
            .current_dir(config_dir)
            .arg("dev")
            .arg("--config")
            .arg(&spec.config)
            .args([
                "--local",
                "--ip",
                "127.0.0.1",
                "--show-interactive-dev-session=false",
            ])
            .args([
                "--port",
                &port.to_string(),
                "--inspector-port",
                &inspector_port.to_string(),
            ])
            .arg("--persist-to")
            .arg(&state_dir);
        for (key, value) in &spec.vars {
            command.arg("--var").arg(format!("{key}:{value}"));
        }
        command
            .env("SYNQ_PREBUILT", "1")
            .env("WRANGLER_SEND_METRICS", "false")
            .env("WRANGLER_SEND_ERROR_REPORTS", "false")
            .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            // Its own process group, so that stopping it reaches workerd too and a Ctrl-C in our
            // terminal does not hit wrangler before our guard does.
            .process_group(0);
        let child = command
            .spawn()
            .with_context(|| format!("spawning {}", wrangler.display()))?;
        let mut dev = WranglerDev {
            child,
            port,
            state_dir,
            log: spec.log.clone(),
        };
        dev.wait_ready()?;
        Ok(dev)
    }

    /// The port it listens on (127.0.0.1).
    /// The wrangler process's id, which is also its process group's (the group holds workerd).
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    fn wait_ready(&mut self) -> anyhow::Result<()> {
        let ready = format!("Ready on http://127.0.0.1:{}", self.port);
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "wrangler exited ({status}) before it was ready:\n{}",
                    self.log_tail()
                );
            }
            let output = std::fs::read_to_string(&self.log).unwrap_or_default();
            if output.contains(&ready) && healthz(self.port).is_ok() {
                return Ok(());
            }
            if started.elapsed() > READY_TIMEOUT {
                bail!(
                    "wrangler not ready after {}s:\n{}",
                    READY_TIMEOUT.as_secs(),
                    self.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The last lines of wrangler's output, for error messages.
    pub(crate) fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    fn stop(&mut self) {
        let pgid = self.child.id();
        if matches!(self.child.try_wait(), Ok(None)) {
            signal_group("INT", pgid);
            let deadline = Instant::now() + STOP_TIMEOUT;
            while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            if matches!(self.child.try_wait(), Ok(None)) {
                eprintln!(
                    "bench: wrangler ignored SIGINT for {}s, killing it",
                    STOP_TIMEOUT.as_secs()
                );
            }
        }
        // Whatever is left of the group (a stuck wrangler, an orphaned workerd).
        if group_alive(pgid) {
            signal_group("KILL", pgid);
        }
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.state_dir);
    }
}

impl Drop for WranglerDev {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `wrangler d1 migrations apply DB --local` into the state directory wrangler dev will use.
fn apply_d1_migrations(
    wrangler: &Path,
    spec: &Spec,
    state_dir: &Path,
    log: &File,
) -> anyhow::Result<()> {
    let status = Command::new(wrangler)
        .current_dir(spec.config.parent().unwrap_or(Path::new(".")))
        .args(["d1", "migrations", "apply", "DB", "--local", "--config"])
        .arg(&spec.config)
        .arg("--persist-to")
        .arg(state_dir)
        .env("WRANGLER_SEND_METRICS", "false")
        .env("CLOUDFLARE_CF_FETCH_ENABLED", "false")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log.try_clone()?)
        .status()
        .with_context(|| format!("running {} d1 migrations apply", wrangler.display()))?;
    if !status.success() {
        bail!(
            "wrangler d1 migrations apply failed ({status}); see {}",
            spec.log.display()
        );
    }
    Ok(())
}

/// A port that was free a moment ago on 127.0.0.1.
pub(crate) fn free_port() -> anyhow::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

/// `GET /healthz` over plain HTTP/1.0; Ok if the status is 200.
pub(crate) fn healthz(port: u16) -> anyhow::Result<()> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.write_all(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    if response.starts_with("HTTP/1.1 200") || response.starts_with("HTTP/1.0 200") {
        Ok(())
    } else {
        bail!(
            "GET /healthz: {}",
            response.lines().next().unwrap_or("no response")
        )
    }
}

/// Sends a signal to a whole process group with `kill(1)` (the workspace forbids `unsafe`).
pub(crate) fn signal_group(signal: &str, pgid: u32) {
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg("--")
        .arg(format!("-{pgid}"))
        .stderr(Stdio::null())
        .status();
}

pub(crate) fn group_alive(pgid: u32) -> bool {
    Command::new("kill")
        .args(["-0", "--", &format!("-{pgid}")])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
