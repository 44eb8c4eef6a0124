//! A Node.js server (the native Yjs peers of the Yjs fan-out bench) as a guard: started on a free port in
//! its own process group, ready once it prints its ready line and accepts TCP, stopped when dropped.

use std::fs::File;
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::wrangler::{free_port, group_alive, signal_group};

const READY_TIMEOUT: Duration = Duration::from_secs(30);
const STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// A running `node SCRIPT` with `HOST=127.0.0.1 PORT=<port>`.
#[derive(Debug)]
pub(crate) struct NodeServer {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl NodeServer {
    /// Starts `node script` in `dir` and waits for `ready` in its output.
    pub(crate) fn start(dir: &Path, script: &str, ready: &str, log: &Path) -> anyhow::Result<Self> {
        let port = free_port()?;
        if let Some(parent) = log.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let out = File::create(log).with_context(|| format!("creating {}", log.display()))?;
        let child = Command::new("node")
            .arg(script)
            .current_dir(dir)
            .env("HOST", "127.0.0.1")
            .env("PORT", port.to_string())
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .process_group(0)
            .spawn()
            .with_context(|| format!("spawning node {script} in {}", dir.display()))?;
        let mut server = NodeServer {
            child,
            port,
            log: log.to_owned(),
        };
        let started = Instant::now();
        loop {
            if let Some(status) = server.child.try_wait()? {
                bail!("node {script} exited ({status}):\n{}", server.log_tail());
            }
            let output = std::fs::read_to_string(&server.log).unwrap_or_default();
            if output.contains(ready) && TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(server);
            }
            if started.elapsed() > READY_TIMEOUT {
                bail!("node {script} not ready:\n{}", server.log_tail());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The port it listens on (127.0.0.1).
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// The last lines of its output.
    pub(crate) fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

impl Drop for NodeServer {
    fn drop(&mut self) {
        let pgid = self.child.id();
        signal_group("INT", pgid);
        let deadline = Instant::now() + STOP_TIMEOUT;
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        if group_alive(pgid) {
            signal_group("KILL", pgid);
        }
        let _ = self.child.wait();
    }
}
