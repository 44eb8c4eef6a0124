//! The fan-out bench: one writer and N readers on one fresh session of a `wrangler dev`, edits at a fixed
//! rate, edit→ack latency at the writer and edit→delivery latency at every reader.
//!
//! SynQ (`synq`) is driven with the core's `ClientSession`, so every edit is a valid OT edit; the platform
//! floor (`floor`, `bench/floor/`) gets the same envelope and echoes it to every socket, the sender's copy
//! standing in for the ack. Latencies run from the moment a message goes on the wire.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, anyhow, bail};
use futures_util::{SinkExt, StreamExt};
use serde::Serialize;
use synq_core::EpochMillis;
use synq_core::auth::{Hs256Secret, Role, SessionClaims, issue_hs256};
use synq_core::client::ClientSession;
use synq_core::ot::Step;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot, watch};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::driver::{self, Measurement, Started};
use crate::median::median;
use crate::messages::{EDIT_CONTENT, Incoming, classify, floor_edit, presence_update};
use crate::phases::{Schedule, Signals, Timing};
use crate::procstat::{RunCost, per_edit_us};
use crate::stats::{Latencies, Summary, ratio, round3};
use crate::wrangler::{Spec, WranglerDev};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const READY_TIMEOUT: Duration = Duration::from_secs(20);
/// The writer's user id.
const WRITER_USER: &str = "bench-writer";
/// How many distinct error messages a run keeps for the report.
const KEEP_ERRORS: usize = 5;

/// Which server a run measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Target {
    /// The SynQ Worker and its Session Durable Object (root `wrangler.toml`).
    Synq,
    /// The bare store-and-broadcast Durable Object (`bench/floor/wrangler.toml`).
    Floor,
}

impl Target {
    pub(crate) fn parse(name: &str) -> anyhow::Result<Self> {
        match name {
            "synq" => Ok(Target::Synq),
            "floor" => Ok(Target::Floor),
            other => bail!("unknown target `{other}` (expected synq or floor)"),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Target::Synq => "synq",
            Target::Floor => "floor",
        }
    }

    fn config(self, root: &Path) -> PathBuf {
        match self {
            Target::Synq => root.join("wrangler.toml"),
            Target::Floor => root.join("bench/floor/wrangler.toml"),
        }
    }
}

/// What `fanout` runs.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Config {
    /// Reader counts, one run each.
    pub(crate) readers: Vec<usize>,
    /// Edits per second sent by the writer.
    pub(crate) rate: u32,
    /// Measured seconds per run.
    pub(crate) seconds: f64,
    /// Seconds of edits before measuring (not counted).
    pub(crate) warmup_s: f64,
    /// Longest wait for outstanding acks and deliveries after the last edit.
    pub(crate) drain_s: f64,
    /// Servers, in order.
    pub(crate) targets: Vec<Target>,
    /// How many times to run every (target, N).
    pub(crate) repeat: usize,
    /// What the writer sends.
    pub(crate) traffic: Traffic,
}

/// What the writer sends: edits (acked, persisted, broadcast) or presence updates (relayed only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Traffic {
    /// Text edits.
    Edits,
    /// `user_info` presence updates (no ack: only delivery is measured).
    Presence,
}

impl Traffic {
    pub(crate) fn parse(name: &str) -> anyhow::Result<Self> {
        match name {
            "edits" => Ok(Traffic::Edits),
            "presence" => Ok(Traffic::Presence),
            other => bail!("unknown traffic `{other}` (expected edits or presence)"),
        }
    }
}

/// One (target, N) run, as printed.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct RunReport {
    target: Target,
    readers: usize,
    /// Which repetition (0-based).
    repeat: usize,
    /// Local edits made while measuring (SynQ may compose several into one message while one is in flight).
    edits: u64,
    /// Edit messages put on the wire while measuring.
    sent: u64,
    /// Of those, acknowledged to the writer.
    acked: u64,
    /// Deliveries of measured messages to readers (unique per reader).
    delivered: u64,
    /// `sent × readers`.
    expected_deliveries: u64,
    /// `expected_deliveries − delivered`.
    missing: u64,
    /// Deliveries seen twice by the same reader.
    duplicates: u64,
    /// Edits delivered with an operation id the writer never sent.
    unknown: u64,
    deliveries_per_s: Option<f64>,
    ack: Summary,
    delivery: Summary,
    /// Error messages from the server or the client state machine.
    errors: u64,
    first_errors: Vec<String>,
    /// Sockets the server closed before the end.
    closed_early: u64,
    /// SynQ only: reader 0 mirrors the document with `ClientSession`; does it end equal to the writer's?
    #[serde(skip_serializing_if = "Option::is_none")]
    converged: Option<bool>,
    /// 1-minute load average just before the run (the machine may be shared).
    loadavg_before: Option<f64>,
    /// CPU and memory of the runtime's `workerd` processes over the run (Linux `/proc`).
    runtime: Option<RunCost>,
    /// The runtime's CPU per message sent while measuring (connection setup excluded).
    cpu_us_per_edit: Option<f64>,
    wall_s: f64,
    #[serde(skip)]
    ack_hist: Latencies,
    #[serde(skip)]
    delivery_hist: Latencies,
}

/// A run that could not be carried out.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct FailedRun {
    target: Target,
    readers: Option<usize>,
    repeat: Option<usize>,
    error: String,
}

/// `synq / floor` for one reader count.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Ratio {
    readers: usize,
    delivery_p50: Option<f64>,
    delivery_p99: Option<f64>,
    ack_p50: Option<f64>,
    ack_p99: Option<f64>,
}

/// The whole `fanout` report.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Report {
    config: Config,
    /// Per (target, N), over all repeats; the ratios are computed from these.
    aggregates: Vec<Aggregate>,
    ratios_synq_over_floor: Vec<Ratio>,
    failed: Vec<FailedRun>,
    /// Every single run, in the order they ran.
    runs: Vec<RunReport>,
}

impl Report {
    /// Whether some run failed.
    pub(crate) fn has_failures(&self) -> bool {
        !self.failed.is_empty()
    }
}

/// A started target.
pub(crate) struct Server {
    target: Target,
    pub(crate) dev: WranglerDev,
    pub(crate) secret: Hs256Secret,
}

/// Starts one `wrangler dev` for a target, with a fresh JWT secret.
pub(crate) async fn start(target: Target, root: &Path) -> anyhow::Result<Server> {
    start_named(target, target.name(), root).await
}

/// [`start`], with `name` for its log and state directory (two servers of one target side by side).
pub(crate) async fn start_named(target: Target, name: &str, root: &Path) -> anyhow::Result<Server> {
    if target == Target::Synq
        && !root
            .join("functions/api-worker/build/index_bg.wasm")
            .exists()
    {
        bail!("the Worker is not built: run `bash scripts/build-worker.sh` first");
    }
    let secret = format!("synq-bench-{}-{}", std::process::id(), now_ms().0);
    let spec = Spec {
        name: name.to_owned(),
        root: root.to_owned(),
        config: target.config(root),
        // The bench measures fan-out, not the rate limits (100 edits/s is far above the defaults).
        vars: vec![
            ("JWT_SECRET".to_owned(), secret.clone()),
            ("SYNQ_MESSAGES_PER_MINUTE".to_owned(), "1000000".to_owned()),
            ("SYNQ_EDITS_PER_MINUTE".to_owned(), "1000000".to_owned()),
            (
                "SYNQ_YJS_UPDATES_PER_MINUTE".to_owned(),
                "1000000".to_owned(),
            ),
            (
                "SYNQ_YJS_UPDATE_BYTES_PER_MINUTE".to_owned(),
                "1000000000".to_owned(),
            ),
            (
                "SYNQ_YJS_AWARENESS_PER_MINUTE".to_owned(),
                "1000000".to_owned(),
            ),
            // 100 readers and a writer are one more than a session's default connection limit.
            ("SYNQ_MAX_CONNECTIONS".to_owned(), "1000".to_owned()),
        ],
        log: root.join(format!("target/bench/wrangler-{name}.log")),
        d1_migrations: target == Target::Synq,
    };
    eprintln!(
        "bench: starting wrangler dev for {} (log: {})",
        name,
        spec.log.display()
    );
    let dev = tokio::task::spawn_blocking(move || WranglerDev::start(&spec)).await??;
    eprintln!("bench: {name} ready on port {}", dev.port());
    Ok(Server {
        target,
        dev,
        secret: Hs256Secret::new(secret.as_bytes()),
    })
}

impl Started for Server {
    type Target = Target;
    fn target(&self) -> Target {
        self.target
    }
    fn label(&self) -> &'static str {
        self.target.name()
    }
    fn workerd_group(&self) -> Option<u32> {
        Some(self.dev.pid())
    }
    fn log_tail(&self) -> String {
        self.dev.log_tail()
    }
}

impl Measurement for RunReport {
    fn finish(&mut self, repeat: usize, runtime: Option<RunCost>) {
        self.repeat = repeat;
        self.runtime = runtime;
    }
}

/// One step of the bench: how many readers.
#[derive(Debug, Clone, Copy)]
struct Readers(usize);

impl std::fmt::Display for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "with {} readers", self.0)
    }
}

/// Starts every target, then runs (repeat × readers × target) interleaved (`driver`).
pub(crate) async fn run(config: &Config, root: &Path) -> anyhow::Result<Report> {
    let steps: Vec<Readers> = config.readers.iter().map(|&n| Readers(n)).collect();
    let (runs, failures) = driver::run_interleaved(
        &config.targets,
        config.repeat,
        &steps,
        async |target| start(target, root).await,
        async |server: &Server, Readers(readers)| {
            let port = server.dev.port();
            let report = run_once(server, port, readers, config).await?;
            eprintln!(
                "bench: {} N={readers}: delivery p50 {} p99 {}, ack p50 {} p99 {}, missing {}, \
                 runtime CPU {:?} µs/message",
                server.target.name(),
                ms(report.delivery.p50_ms),
                ms(report.delivery.p99_ms),
                ms(report.ack.p50_ms),
                ms(report.ack.p99_ms),
                report.missing,
                report.cpu_us_per_edit
            );
            Ok(report)
        },
    )
    .await?;
    let failed = failures
        .into_iter()
        .map(|f| FailedRun {
            target: f.target,
            readers: f.step.map(|Readers(n)| n),
            repeat: f.repeat,
            error: f.error,
        })
        .collect();
    let aggregates = aggregate(&runs)?;
    let ratios = ratios(&aggregates);
    Ok(Report {
        config: config.clone(),
        aggregates,
        ratios_synq_over_floor: ratios,
        failed,
        runs,
    })
}

fn ms(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| format!("{v} ms"))
}

/// Every run of one (target, N) together: counts summed, histograms merged.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Aggregate {
    target: Target,
    readers: usize,
    runs: usize,
    sent: u64,
    acked: u64,
    delivered: u64,
    missing: u64,
    duplicates: u64,
    errors: u64,
    closed_early: u64,
    /// Median over the runs.
    deliveries_per_s: Option<f64>,
    /// The runtime's CPU per message sent in the steady state, fan-out included (median over the runs).
    cpu_us_per_edit: Option<f64>,
    ack: Summary,
    delivery: Summary,
    /// Each run's delivery p50 and p99, to see the spread between runs.
    delivery_p50_by_run: Vec<Option<f64>>,
    delivery_p99_by_run: Vec<Option<f64>>,
    /// SynQ only: every run converged.
    #[serde(skip_serializing_if = "Option::is_none")]
    converged: Option<bool>,
}

fn aggregate(runs: &[RunReport]) -> anyhow::Result<Vec<Aggregate>> {
    let mut out = Vec::new();
    // By N, SynQ first (the order `Target` is declared in).
    for ((readers, target), group) in driver::group_by(runs, |r| (r.readers, r.target)) {
        let ack = driver::merged(group.iter().map(|r| &r.ack_hist))?;
        let delivery = driver::merged(group.iter().map(|r| &r.delivery_hist))?;
        let sum = |f: fn(&RunReport) -> u64| group.iter().map(|r| f(r)).sum::<u64>();
        let rates: Vec<f64> = group.iter().filter_map(|r| r.deliveries_per_s).collect();
        let converged = group
            .iter()
            .filter_map(|r| r.converged)
            .reduce(|a, b| a && b);
        out.push(Aggregate {
            target,
            readers,
            runs: group.len(),
            sent: sum(|r| r.sent),
            acked: sum(|r| r.acked),
            delivered: sum(|r| r.delivered),
            missing: sum(|r| r.missing),
            duplicates: sum(|r| r.duplicates),
            errors: sum(|r| r.errors),
            closed_early: sum(|r| r.closed_early),
            deliveries_per_s: median(&rates),
            cpu_us_per_edit: median(
                &group
                    .iter()
                    .filter_map(|r| r.cpu_us_per_edit)
                    .collect::<Vec<_>>(),
            ),
            ack: ack.summary(),
            delivery: delivery.summary(),
            delivery_p50_by_run: group.iter().map(|r| r.delivery.p50_ms).collect(),
            delivery_p99_by_run: group.iter().map(|r| r.delivery.p99_ms).collect(),
            converged,
        });
    }
    Ok(out)
}

fn ratios(aggregates: &[Aggregate]) -> Vec<Ratio> {
    let find = |target, readers| {
        aggregates
            .iter()
            .find(|a| a.target == target && a.readers == readers)
    };
    let mut out = Vec::new();
    for synq in aggregates.iter().filter(|a| a.target == Target::Synq) {
        if let Some(floor) = find(Target::Floor, synq.readers) {
            out.push(Ratio {
                readers: synq.readers,
                delivery_p50: ratio(synq.delivery.p50_ms, floor.delivery.p50_ms),
                delivery_p99: ratio(synq.delivery.p99_ms, floor.delivery.p99_ms),
                ack_p50: ratio(synq.ack.p50_ms, floor.ack.p50_ms),
                ack_p99: ratio(synq.ack.p99_ms, floor.ack.p99_ms),
            });
        }
    }
    out
}

/// Counters the main task watches to know when everything sent has arrived.
#[derive(Debug)]
struct Progress {
    /// Edits are acked; presence is not.
    expect_acks: bool,
    sent: AtomicU64,
    acked: AtomicU64,
    delivered: AtomicU64,
    done_sending: AtomicBool,
}

impl Progress {
    fn new(traffic: Traffic) -> Self {
        Progress {
            expect_acks: traffic == Traffic::Edits,
            sent: AtomicU64::new(0),
            acked: AtomicU64::new(0),
            delivered: AtomicU64::new(0),
            done_sending: AtomicBool::new(false),
        }
    }

    fn complete(&self, readers: usize) -> bool {
        let sent = self.sent.load(Ordering::Acquire);
        self.done_sending.load(Ordering::Acquire)
            && (!self.expect_acks || self.acked.load(Ordering::Acquire) >= sent)
            && self.delivered.load(Ordering::Acquire) >= sent * readers as u64
    }
}

async fn run_once(
    server: &Server,
    port: u16,
    readers: usize,
    config: &Config,
) -> anyhow::Result<RunReport> {
    let (target, secret) = (server.target, &server.secret);
    let wall = Instant::now();
    let loadavg_before = loadavg();
    let session_id = format!("bench-{}-{readers}-{}", target.name(), now_ms().0);
    let progress = Arc::new(Progress::new(config.traffic));
    let mut signals = Signals::new(readers + 1);

    let mut reader_tasks = Vec::with_capacity(readers);
    for i in 0..readers {
        let user = format!("bench-reader-{i}");
        let socket = connect(port, &session_id, &user, secret).await?;
        let mirror = (target == Target::Synq && i == 0)
            .then(|| ClientSession::new(&session_id, &user, "r0"));
        reader_tasks.push(tokio::spawn(reader(
            socket,
            signals.ready_tx.clone(),
            signals.stop_rx.clone(),
            Arc::clone(&progress),
            mirror,
        )));
    }
    let writer_user = WRITER_USER;
    let socket = connect(port, &session_id, writer_user, secret).await?;
    let kind = match target {
        Target::Synq => {
            WriterKind::Synq(Box::new(ClientSession::new(&session_id, writer_user, "w")))
        }
        Target::Floor => WriterKind::Floor {
            session_id: session_id.clone(),
            user_id: writer_user.to_owned(),
            seq: 0,
        },
    };
    let go_rx = signals.go_rx.take().context("one writer")?;
    let writer_task = tokio::spawn(writer(
        socket,
        kind,
        config.traffic,
        signals.ready_tx.clone(),
        go_rx,
        signals.stop_rx.clone(),
        Arc::clone(&progress),
    ));
    let timing = Timing {
        rate: config.rate,
        warmup_s: config.warmup_s,
        seconds: config.seconds,
        drain_s: config.drain_s,
    };
    // Everyone has had its first message (SynQ: full_sync) before the writer starts.
    let driven = signals
        .drive(
            timing,
            server.workerd_group(),
            writer_task,
            reader_tasks,
            || progress.complete(readers),
        )
        .await?;

    let mut report = summarize(target, &driven.writer, &driven.outcomes)?;
    report.cpu_us_per_edit = per_edit_us(driven.steady_cpu_s, report.sent);
    report.loadavg_before = loadavg_before;
    report.wall_s = round3(wall.elapsed().as_secs_f64());
    Ok(report)
}

async fn connect(
    port: u16,
    session_id: &str,
    user: &str,
    secret: &Hs256Secret,
) -> anyhow::Result<Socket> {
    let claims = SessionClaims {
        sub: user.to_owned(),
        name: None,
        roles: HashMap::from([("*".to_owned(), Role::Editor)]),
    };
    let token = issue_hs256(secret, claims, now_ms(), 3_600_000)
        .map_err(|e| anyhow!("signing a token: {e}"))?;
    let url = format!("ws://127.0.0.1:{port}/sessions/{session_id}/ws?token={token}");
    let connecting = tokio_tungstenite::connect_async_with_config(url.as_str(), None, true);
    let (socket, _response) = tokio::time::timeout(CONNECT_TIMEOUT, connecting)
        .await
        .with_context(|| format!("connecting {user}: timed out"))?
        .with_context(|| format!("connecting {user}"))?;
    Ok(socket)
}

/// Reads the first message, which must be the session's greeting.
async fn first_message(socket: &mut Socket) -> anyhow::Result<String> {
    let message = tokio::time::timeout(READY_TIMEOUT, next_text(socket))
        .await
        .context("no first message")??
        .ok_or_else(|| anyhow!("socket closed before the first message"))?;
    if classify(&message) != Incoming::FullSync {
        bail!(
            "the first message is not a full_sync: {}",
            shorten(&message)
        );
    }
    Ok(message)
}

/// The next text frame; `None` when the socket closed.
async fn next_text(socket: &mut Socket) -> anyhow::Result<Option<String>> {
    while let Some(frame) = socket.next().await {
        match frame? {
            Message::Text(text) => return Ok(Some(text.as_str().to_owned())),
            Message::Close(_) => return Ok(None),
            _ => {}
        }
    }
    Ok(None)
}

/// Error strings, the first few distinct ones kept.
#[derive(Debug, Default)]
struct Errors {
    count: u64,
    first: Vec<String>,
}

impl Errors {
    fn push(&mut self, error: String) {
        self.count += 1;
        if self.first.len() < KEEP_ERRORS && !self.first.contains(&error) {
            self.first.push(error);
        }
    }
}

#[derive(Debug)]
struct ReaderOutcome {
    /// (operation id, arrival) of every edit delivered.
    deliveries: Vec<(String, Instant)>,
    errors: Errors,
    closed_early: bool,
    mirror_text: Option<String>,
}

async fn reader(
    mut socket: Socket,
    ready: mpsc::Sender<()>,
    mut stop: watch::Receiver<bool>,
    progress: Arc<Progress>,
    mut mirror: Option<ClientSession>,
) -> anyhow::Result<ReaderOutcome> {
    let greeting = first_message(&mut socket).await?;
    if let Some(mirror) = &mut mirror {
        mirror.receive(&greeting, now_ms())?;
    }
    ready.send(()).await?;
    drop(ready);

    let mut outcome = ReaderOutcome {
        deliveries: Vec::new(),
        errors: Errors::default(),
        closed_early: false,
        mirror_text: None,
    };
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            frame = next_text(&mut socket) => {
                let arrived = Instant::now();
                let text = match frame {
                    Ok(Some(text)) => text,
                    Ok(None) => { outcome.closed_early = true; break; }
                    Err(e) => { outcome.errors.push(format!("socket: {e}")); outcome.closed_early = true; break; }
                };
                match classify(&text) {
                    Incoming::Edit { operation_id } | Incoming::Presence { id: operation_id } => {
                        outcome.deliveries.push((operation_id, arrived));
                        progress.delivered.fetch_add(1, Ordering::AcqRel);
                    }
                    Incoming::Error { code } => outcome.errors.push(format!("server: {code}: {}", shorten(&text))),
                    _ => {}
                }
                if let Some(mirror) = &mut mirror
                    && let Err(e) = mirror.receive(&text, now_ms())
                {
                    outcome.errors.push(format!("mirror: {e}"));
                }
            }
        }
    }
    outcome.mirror_text = mirror.map(|m| m.text());
    close(socket).await;
    Ok(outcome)
}

enum WriterKind {
    Synq(Box<ClientSession>),
    Floor {
        session_id: String,
        user_id: String,
        seq: u64,
    },
}

#[derive(Debug)]
struct WriterOutcome {
    /// Operation id → (put on the wire at, measured).
    sends: HashMap<String, (Instant, bool)>,
    acks: Latencies,
    acked_measured: u64,
    edits_measured: u64,
    errors: Errors,
    closed_early: bool,
    text: Option<String>,
}

struct Writer {
    socket: Socket,
    kind: WriterKind,
    traffic: Traffic,
    /// Presence updates sent so far.
    presence_seq: u64,
    progress: Arc<Progress>,
    measure_from: Option<Instant>,
    out: WriterOutcome,
}

impl Writer {
    /// Makes one local edit and sends what the client state machine says to send.
    async fn edit(&mut self) -> anyhow::Result<()> {
        let now = Instant::now();
        if self.measure_from.is_some_and(|from| now >= from) {
            self.out.edits_measured += 1;
        }
        let message = match &mut self.kind {
            _ if self.traffic == Traffic::Presence => {
                self.presence_seq += 1;
                Some(presence_update("", WRITER_USER, self.presence_seq, now_ms()).1)
            }
            WriterKind::Synq(client) => {
                let step = Step::insert(0, EDIT_CONTENT);
                match client.edit(vec![step], now_ms()) {
                    Ok(message) => message,
                    Err(e) => {
                        self.out.errors.push(format!("edit: {e}"));
                        None
                    }
                }
            }
            WriterKind::Floor {
                session_id,
                user_id,
                seq,
            } => {
                *seq += 1;
                Some(floor_edit(session_id, user_id, *seq, now_ms()).1)
            }
        };
        if let Some(message) = message {
            self.send(message).await?;
        }
        Ok(())
    }

    async fn send(&mut self, message: String) -> anyhow::Result<()> {
        let edit_id = match classify(&message) {
            Incoming::Edit { operation_id } | Incoming::Presence { id: operation_id } => {
                Some(operation_id)
            }
            _ => None,
        };
        self.socket.send(Message::Text(message.into())).await?;
        let sent_at = Instant::now();
        if let Some(id) = edit_id {
            let measured = self.measure_from.is_some_and(|from| sent_at >= from);
            self.out.sends.insert(id, (sent_at, measured));
            self.progress.sent.fetch_add(1, Ordering::AcqRel);
        }
        Ok(())
    }

    /// Feeds one server message to the writer; records the ack if it is one.
    async fn receive(&mut self, text: &str, arrived: Instant) -> anyhow::Result<()> {
        let acked_id = match (classify(text), &self.kind) {
            (Incoming::Ack { operation_id }, WriterKind::Synq(_)) => Some(operation_id),
            (Incoming::Edit { operation_id }, WriterKind::Floor { .. }) => Some(operation_id),
            (Incoming::Error { code }, _) => {
                self.out
                    .errors
                    .push(format!("server: {code}: {}", shorten(text)));
                None
            }
            _ => None,
        };
        // Replies first (a buffered edit goes out when the in-flight one is acked), then count the ack,
        // so that `acked == sent` means nothing is outstanding.
        if let WriterKind::Synq(client) = &mut self.kind {
            let replies = match client.receive(text, now_ms()) {
                Ok(replies) => replies,
                Err(e) => {
                    self.out.errors.push(format!("client: {e}"));
                    if client.is_synced() {
                        Vec::new()
                    } else {
                        vec![client.full_sync_request(now_ms())]
                    }
                }
            };
            for reply in replies {
                self.send(reply).await?;
            }
        }
        if let Some(id) = acked_id
            && let Some(&(sent_at, measured)) = self.out.sends.get(&id)
        {
            self.progress.acked.fetch_add(1, Ordering::AcqRel);
            if measured {
                self.out
                    .acks
                    .record(arrived.saturating_duration_since(sent_at));
                self.out.acked_measured += 1;
            }
        }
        Ok(())
    }
}

async fn writer(
    mut socket: Socket,
    kind: WriterKind,
    traffic: Traffic,
    ready: mpsc::Sender<()>,
    go: oneshot::Receiver<Schedule>,
    mut stop: watch::Receiver<bool>,
    progress: Arc<Progress>,
) -> anyhow::Result<WriterOutcome> {
    let greeting = first_message(&mut socket).await?;
    let mut w = Writer {
        socket,
        kind,
        traffic,
        presence_seq: 0,
        progress,
        measure_from: None,
        out: WriterOutcome {
            sends: HashMap::new(),
            acks: Latencies::new()?,
            acked_measured: 0,
            edits_measured: 0,
            errors: Errors::default(),
            closed_early: false,
            text: None,
        },
    };
    if let WriterKind::Synq(client) = &mut w.kind {
        client.receive(&greeting, now_ms())?;
    }
    ready.send(()).await?;
    drop(ready);
    let schedule = go.await?;
    w.measure_from = Some(schedule.measure_from);

    let mut tick = tokio::time::interval(schedule.period);
    let mut sending = true;
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            _ = tick.tick(), if sending => {
                if Instant::now() >= schedule.end {
                    sending = false;
                    w.progress.done_sending.store(true, Ordering::Release);
                    continue;
                }
                w.edit().await?;
            }
            frame = next_text(&mut w.socket) => {
                let arrived = Instant::now();
                match frame {
                    Ok(Some(text)) => w.receive(&text, arrived).await?,
                    Ok(None) => { w.out.closed_early = true; break; }
                    Err(e) => { w.out.errors.push(format!("socket: {e}")); w.out.closed_early = true; break; }
                }
            }
        }
    }
    w.progress.done_sending.store(true, Ordering::Release);
    if let WriterKind::Synq(client) = &w.kind {
        w.out.text = Some(client.text());
    }
    close(w.socket).await;
    Ok(w.out)
}

async fn close(mut socket: Socket) {
    let _ = tokio::time::timeout(Duration::from_secs(2), socket.close(None)).await;
}

fn summarize(
    target: Target,
    writer: &WriterOutcome,
    readers: &[ReaderOutcome],
) -> anyhow::Result<RunReport> {
    let sent = writer
        .sends
        .values()
        .filter(|(_, measured)| *measured)
        .count() as u64;
    let first_send = writer
        .sends
        .values()
        .filter(|(_, measured)| *measured)
        .map(|(at, _)| *at)
        .min();
    let mut delivery = Latencies::new()?;
    let (mut delivered, mut duplicates, mut unknown) = (0u64, 0u64, 0u64);
    let mut last_delivery: Option<Instant> = None;
    let mut errors = Errors {
        count: writer.errors.count,
        first: writer.errors.first.clone(),
    };
    for reader in readers {
        let mut seen = HashSet::new();
        for (id, arrived) in &reader.deliveries {
            let Some(&(sent_at, measured)) = writer.sends.get(id) else {
                unknown += 1;
                continue;
            };
            if !seen.insert(id.as_str()) {
                duplicates += 1;
                continue;
            }
            if measured {
                delivery.record(arrived.saturating_duration_since(sent_at));
                delivered += 1;
                last_delivery = Some(last_delivery.map_or(*arrived, |last| last.max(*arrived)));
            }
        }
        errors.count += reader.errors.count;
        for e in &reader.errors.first {
            if errors.first.len() < KEEP_ERRORS && !errors.first.contains(e) {
                errors.first.push(e.clone());
            }
        }
    }
    let expected = sent * readers.len() as u64;
    let deliveries_per_s = match (first_send, last_delivery) {
        (Some(first), Some(last)) if last > first => Some(round3(
            delivered as f64 / last.duration_since(first).as_secs_f64(),
        )),
        _ => None,
    };
    let converged = match (
        &writer.text,
        readers.first().and_then(|r| r.mirror_text.as_ref()),
    ) {
        (Some(w), Some(r)) => Some(w == r),
        _ => None,
    };
    let closed_early =
        u64::from(writer.closed_early) + readers.iter().filter(|r| r.closed_early).count() as u64;
    Ok(RunReport {
        target,
        readers: readers.len(),
        repeat: 0,
        edits: writer.edits_measured,
        sent,
        acked: writer.acked_measured,
        delivered,
        expected_deliveries: expected,
        missing: expected.saturating_sub(delivered),
        duplicates,
        unknown,
        deliveries_per_s,
        ack: writer.acks.summary(),
        delivery: delivery.summary(),
        errors: errors.count,
        first_errors: errors.first,
        closed_early,
        converged,
        loadavg_before: None,
        runtime: None,
        cpu_us_per_edit: None,
        wall_s: 0.0,
        ack_hist: writer.acks.clone(),
        delivery_hist: delivery,
    })
}

/// Milliseconds since the epoch, for message timestamps and token times.
pub(crate) fn now_ms() -> EpochMillis {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    EpochMillis(ms)
}

/// The 1-minute load average from `/proc/loadavg`.
pub(crate) fn loadavg() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

fn shorten(text: &str) -> String {
    const MAX: usize = 200;
    match text.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn outcome(deliveries: &[(&str, Instant)]) -> ReaderOutcome {
        ReaderOutcome {
            deliveries: deliveries
                .iter()
                .map(|(id, at)| ((*id).to_owned(), *at))
                .collect(),
            errors: Errors::default(),
            closed_early: false,
            mirror_text: None,
        }
    }

    #[test]
    fn summary_counts_missing_duplicate_unknown_and_skips_warmup() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut acks = Latencies::new().unwrap();
        acks.record(ms(1));
        let writer = WriterOutcome {
            sends: HashMap::from([
                ("warm".to_owned(), (t0, false)),
                ("a".to_owned(), (t0 + ms(10), true)),
                ("b".to_owned(), (t0 + ms(20), true)),
            ]),
            acks,
            acked_measured: 1,
            edits_measured: 2,
            errors: Errors::default(),
            closed_early: false,
            text: None,
        };
        let r1 = outcome(&[
            ("warm", t0 + ms(3)),
            ("a", t0 + ms(12)),
            ("b", t0 + ms(24)),
            ("b", t0 + ms(25)),
        ]);
        let r2 = outcome(&[("a", t0 + ms(14)), ("zzz", t0 + ms(15))]);
        let report = summarize(Target::Floor, &writer, &[r1, r2]).unwrap();
        assert_eq!(report.sent, 2);
        assert_eq!(report.expected_deliveries, 4);
        assert_eq!(report.delivered, 3);
        assert_eq!(report.missing, 1);
        assert_eq!(report.duplicates, 1);
        assert_eq!(report.unknown, 1);
        assert_eq!(report.delivery.count, 3);
        assert!((report.delivery.max_ms.unwrap() - 4.0).abs() < 0.01);
        // 3 deliveries between the first measured send (10 ms) and the last delivery (24 ms).
        assert_eq!(report.deliveries_per_s, Some(round3(3.0 / 0.014)));
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["target"], "floor");
        assert_eq!(json["ack"]["p50_ms"], 1.0);
    }

    #[test]
    fn ratios_pair_runs_by_reader_count() {
        let t0 = Instant::now();
        let writer = |latency_ms: u64| {
            WriterOutcome {
                sends: HashMap::from([("a".to_owned(), (t0, true))]),
                acks: Latencies::new().unwrap(),
                acked_measured: 0,
                edits_measured: 1,
                errors: Errors::default(),
                closed_early: false,
                text: None,
            }
            .with_delivery(latency_ms)
        };
        let synq = summarize(Target::Synq, &writer(6).0, &writer(6).1).unwrap();
        let floor = summarize(Target::Floor, &writer(3).0, &writer(3).1).unwrap();
        let ratios = ratios(&aggregate(&[floor, synq]).unwrap());
        assert_eq!(ratios.len(), 1);
        assert_eq!(ratios[0].readers, 1);
        assert_eq!(ratios[0].delivery_p50, Some(2.0));
        assert_eq!(ratios[0].ack_p50, None);
    }

    impl WriterOutcome {
        fn with_delivery(self, latency_ms: u64) -> (Self, Vec<ReaderOutcome>) {
            let (at, _) = self.sends["a"];
            let reader = outcome(&[("a", at + Duration::from_millis(latency_ms))]);
            (self, vec![reader])
        }
    }
}
