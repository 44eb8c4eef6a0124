//! The Yjs fan-out bench: one writer and N readers, all y-websocket-protocol clients, on one fresh document
//! of each server, edits at a fixed rate; edit→delivery latency at every reader. The same clients run
//! against SynQ's Yjs endpoint and the bare-DO floor (both under `wrangler dev`), a Hocuspocus server and
//! the y-websocket reference server (Node, in memory: bench/yjs-peers).
//!
//! The writer is a yrs document inserting one character per edit, so its edit `k` is the item at clock `k`
//! of its client id: a reader decodes each update it gets and counts the writer's clocks in it, whichever
//! server re-encoded or merged the update. Latencies run from the moment a frame goes on the wire.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use futures_util::{SinkExt, StreamExt};
use serde::Serialize;
use synq_core::auth::{Hs256Secret, Role, SessionClaims, issue_hs256};
use synq_core::yjs::{TEXT_NAME, wire};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot, watch};
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use yrs::encoding::read::{Cursor, Read};
use yrs::encoding::write::Write;
use yrs::sync::{Message, SyncMessage};
use yrs::updates::decoder::{Decode, DecoderV1};
use yrs::updates::encoder::{Encoder, EncoderV1};
use yrs::{ClientID, Doc, Text, Transact, Update};

use crate::driver::{self, Measurement, Started};
use crate::fanout::{self, Target, loadavg, now_ms};
use crate::median::median;
use crate::node_server::NodeServer;
use crate::paired::{PairedRatio, paired_ratio};
use crate::phases::{Schedule, Signals, Timing};
use crate::procstat::{RunCost, per_edit_us};
use crate::stats::{Latencies, Summary, ratio, round3};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const READY_TIMEOUT: Duration = Duration::from_secs(20);
/// The writer's Yjs client id.
const WRITER: u64 = 0x5e_ed01;
/// What Hocuspocus expects first on a connection: an auth message (its token is not checked here).
const HOCUSPOCUS_AUTH: u64 = 2;

/// Which server a run measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum YjsTarget {
    /// SynQ's `/sessions/{id}/yjs` (root `wrangler.toml`).
    Synq,
    /// The bare store-and-broadcast Durable Object (`bench/floor/`), given the same binary frames.
    Floor,
    /// The floor merging the updates of one event-loop turn into one before broadcasting them: what
    /// coalescing outgoing updates buys on this runtime.
    FloorCoalesced,
    /// `@hocuspocus/server`, no extensions.
    Hocuspocus,
    /// `@y/websocket-server` (y-websocket's reference server), no persistence.
    YWebsocket,
}

impl YjsTarget {
    pub(crate) fn parse(name: &str) -> anyhow::Result<Self> {
        Ok(match name {
            "synq" => YjsTarget::Synq,
            "floor" => YjsTarget::Floor,
            "floor-coalesced" => YjsTarget::FloorCoalesced,
            "hocuspocus" => YjsTarget::Hocuspocus,
            "y-websocket" => YjsTarget::YWebsocket,
            other => bail!(
                "unknown target `{other}` (synq, floor, floor-coalesced, hocuspocus, y-websocket)"
            ),
        })
    }

    fn name(self) -> &'static str {
        match self {
            YjsTarget::Synq => "synq",
            YjsTarget::Floor => "floor",
            YjsTarget::FloorCoalesced => "floor-coalesced",
            YjsTarget::Hocuspocus => "hocuspocus",
            YjsTarget::YWebsocket => "y-websocket",
        }
    }

    /// A frame carrying `message` for document `doc` (Hocuspocus prefixes every message with its name).
    fn frame(self, doc: &str, message: &[u8]) -> Vec<u8> {
        if self != YjsTarget::Hocuspocus {
            return message.to_vec();
        }
        let mut encoder = EncoderV1::new();
        encoder.write_string(doc);
        let mut frame = encoder.to_vec();
        frame.extend_from_slice(message);
        frame
    }
}

/// What `yjs-fanout` runs.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct YjsConfig {
    pub(crate) readers: Vec<usize>,
    /// Edit rates (edits per second), one run each.
    pub(crate) rates: Vec<u32>,
    pub(crate) seconds: f64,
    pub(crate) warmup_s: f64,
    pub(crate) drain_s: f64,
    /// An unmeasured run per target right after it starts (at the highest rate, the fewest readers),
    /// so that measured runs find its code compiled: V8 tiers a Worker's wasm up function by function
    /// as it runs hot, and SynQ's first measured run after a start had a p99 up to twice the later
    /// ones' after 30 s of it; after 90 s its CPU per edit matched theirs. 0 skips it.
    pub(crate) settle_s: f64,
    pub(crate) repeat: usize,
    pub(crate) targets: Vec<YjsTarget>,
}

/// A started server.
struct Running {
    target: YjsTarget,
    port: u16,
    secret: Option<Hs256Secret>,
    /// The `wrangler dev` process group (`None` for the Node peers).
    workerd_group: Option<u32>,
    log_tail: Box<dyn Fn() -> String + Send + Sync>,
    _guard: Box<dyn Send + Sync>,
}

impl Started for Running {
    type Target = YjsTarget;
    fn target(&self) -> YjsTarget {
        self.target
    }
    fn label(&self) -> &'static str {
        self.target.name()
    }
    fn workerd_group(&self) -> Option<u32> {
        self.workerd_group
    }
    fn log_tail(&self) -> String {
        (self.log_tail)()
    }
}

async fn start(target: YjsTarget, root: &Path) -> anyhow::Result<Running> {
    let peers = root.join("bench/yjs-peers");
    let node = |script: &str, ready: &str| -> anyhow::Result<Running> {
        if !peers.join("node_modules").exists() {
            bail!(
                "bench/yjs-peers is not installed: run `npm ci --prefix bench/yjs-peers` (scripts/bench.sh does)"
            );
        }
        let log = root.join(format!("target/bench/yjs-{}.log", target.name()));
        let server = Arc::new(NodeServer::start(&peers, script, ready, &log)?);
        let tail = Arc::clone(&server);
        Ok(Running {
            target,
            port: server.port(),
            secret: None,
            workerd_group: None,
            log_tail: Box::new(move || tail.log_tail()),
            _guard: Box::new(server),
        })
    };
    match target {
        YjsTarget::Synq | YjsTarget::Floor | YjsTarget::FloorCoalesced => {
            let which = if target == YjsTarget::Synq {
                Target::Synq
            } else {
                Target::Floor
            };
            let server = Arc::new(fanout::start_named(which, target.name(), root).await?);
            let tail = Arc::clone(&server);
            Ok(Running {
                target,
                port: server.dev.port(),
                secret: Some(server.secret.clone()),
                workerd_group: Some(server.dev.pid()),
                log_tail: Box::new(move || tail.dev.log_tail()),
                _guard: Box::new(server),
            })
        }
        YjsTarget::Hocuspocus => node("hocuspocus.mjs", "ready on"),
        YjsTarget::YWebsocket => node(
            "node_modules/@y/websocket-server/src/server.js",
            "running at",
        ),
    }
}

/// The unmeasured run of `settle_s` seconds that warms a target up (`YjsConfig::settle_s`).
async fn settle(server: &Running, config: &YjsConfig) -> anyhow::Result<()> {
    let (Some(&rate), Some(&readers)) = (config.rates.iter().max(), config.readers.iter().min())
    else {
        return Ok(());
    };
    if config.settle_s <= 0.0 {
        return Ok(());
    }
    eprintln!(
        "bench: settling {} for {}s ({rate}/s, N={readers}, not measured)",
        server.target.name(),
        config.settle_s
    );
    let settling = YjsConfig {
        seconds: config.settle_s,
        warmup_s: 0.0,
        ..config.clone()
    };
    run_once(server, rate, readers, &settling)
        .await
        .map(|_| ())
        .context("settling")
}

/// One (target, rate, N) run.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct YjsRun {
    target: YjsTarget,
    rate: u32,
    readers: usize,
    repeat: usize,
    /// Edits sent while measuring.
    sent: u64,
    /// Deliveries of measured edits to readers (unique per reader).
    delivered: u64,
    missing: u64,
    duplicates: u64,
    deliveries_per_s: Option<f64>,
    delivery: Summary,
    errors: Vec<String>,
    closed_early: u64,
    loadavg_before: Option<f64>,
    /// CPU and memory of the runtime's `workerd` processes over the run (SynQ and the floor).
    runtime: Option<RunCost>,
    /// The runtime's CPU per measured edit while edits were measured (connection setup excluded).
    cpu_us_per_edit: Option<f64>,
    wall_s: f64,
    #[serde(skip)]
    hist: Latencies,
}

impl Measurement for YjsRun {
    fn finish(&mut self, repeat: usize, runtime: Option<RunCost>) {
        self.repeat = repeat;
        self.runtime = runtime;
    }
}

/// One step of the bench: an edit rate and a reader count.
#[derive(Debug, Clone, Copy)]
struct Step {
    rate: u32,
    readers: usize,
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/s N={}", self.rate, self.readers)
    }
}

/// Every run of one (target, rate, N) together.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct YjsAggregate {
    target: YjsTarget,
    rate: u32,
    readers: usize,
    runs: usize,
    sent: u64,
    delivered: u64,
    missing: u64,
    /// Medians over the runs.
    delivery_p50_ms: Option<f64>,
    delivery_p99_ms: Option<f64>,
    deliveries_per_s: Option<f64>,
    /// The runtime's CPU seconds per run (median; SynQ and the floor).
    runtime_cpu_s: Option<f64>,
    /// The runtime's CPU per edit in the steady state, fan-out to every reader included (median).
    cpu_us_per_edit: Option<f64>,
    /// All runs' deliveries in one histogram.
    delivery_merged: Summary,
    delivery_p50_by_run: Vec<Option<f64>>,
    delivery_p99_by_run: Vec<Option<f64>>,
}

/// SynQ's medians over another target's, for one rate and N.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct YjsRatio {
    rate: u32,
    readers: usize,
    synq_over: YjsTarget,
    delivery_p50: Option<f64>,
    delivery_p99: Option<f64>,
    deliveries_per_s: Option<f64>,
    cpu_per_edit: Option<f64>,
    /// The same, from run i of SynQ over run i of the other target (interleaved, so each pair ran in the
    /// same minutes), with the interval of the median pair ratio: less moved by the machine's drift.
    paired_p50: Option<PairedRatio>,
    paired_p99: Option<PairedRatio>,
    paired_cpu_per_edit: Option<PairedRatio>,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct YjsReport {
    config: YjsConfig,
    aggregates: Vec<YjsAggregate>,
    ratios: Vec<YjsRatio>,
    failed: Vec<String>,
    runs: Vec<YjsRun>,
}

impl YjsReport {
    pub(crate) fn has_failures(&self) -> bool {
        !self.failed.is_empty()
    }
}

/// Starts every target, then runs (repeat × rate × readers × target) interleaved (`driver`).
pub(crate) async fn run(config: &YjsConfig, root: &Path) -> anyhow::Result<YjsReport> {
    let steps: Vec<Step> = config
        .rates
        .iter()
        .flat_map(|&rate| {
            config
                .readers
                .iter()
                .map(move |&readers| Step { rate, readers })
        })
        .collect();
    let (runs, failures) = driver::run_interleaved(
        &config.targets,
        config.repeat,
        &steps,
        async |target| {
            eprintln!("bench: starting {}", target.name());
            let server = start(target, root).await?;
            settle(&server, config).await?;
            Ok(server)
        },
        async |server: &Running, step| {
            let report = run_once(server, step.rate, step.readers, config).await?;
            eprintln!(
                "bench: {} {step}: delivery p50 {:?} p99 {:?} ms, missing {}, runtime CPU {:?} µs/edit",
                server.target.name(),
                report.delivery.p50_ms,
                report.delivery.p99_ms,
                report.missing,
                report.cpu_us_per_edit
            );
            Ok(report)
        },
    )
    .await?;
    let failed = failures
        .into_iter()
        .map(|f| match f.step {
            Some(step) => format!("{} {step}: {}", f.target.name(), f.error),
            None => format!("{}: {}", f.target.name(), f.error),
        })
        .collect();
    let aggregates = aggregate(&runs)?;
    Ok(YjsReport {
        config: config.clone(),
        ratios: ratios(&aggregates, &runs),
        aggregates,
        failed,
        runs,
    })
}

fn aggregate(runs: &[YjsRun]) -> anyhow::Result<Vec<YjsAggregate>> {
    let mut out = Vec::new();
    for ((rate, readers, target), group) in
        driver::group_by(runs, |r| (r.rate, r.readers, r.target))
    {
        let of =
            |f: fn(&YjsRun) -> Option<f64>| group.iter().filter_map(|r| f(r)).collect::<Vec<_>>();
        out.push(YjsAggregate {
            target,
            rate,
            readers,
            runs: group.len(),
            sent: group.iter().map(|r| r.sent).sum(),
            delivered: group.iter().map(|r| r.delivered).sum(),
            missing: group.iter().map(|r| r.missing).sum(),
            delivery_p50_ms: median(&of(|r| r.delivery.p50_ms)),
            delivery_p99_ms: median(&of(|r| r.delivery.p99_ms)),
            deliveries_per_s: median(&of(|r| r.deliveries_per_s)),
            runtime_cpu_s: median(&of(|r| r.runtime.map(|c| c.cpu_s))),
            cpu_us_per_edit: median(&of(|r| r.cpu_us_per_edit)),
            delivery_merged: driver::merged(group.iter().map(|r| &r.hist))?.summary(),
            delivery_p50_by_run: group.iter().map(|r| r.delivery.p50_ms).collect(),
            delivery_p99_by_run: group.iter().map(|r| r.delivery.p99_ms).collect(),
        });
    }
    Ok(out)
}

fn ratios(aggregates: &[YjsAggregate], runs: &[YjsRun]) -> Vec<YjsRatio> {
    let mut out = Vec::new();
    for synq in aggregates.iter().filter(|a| a.target == YjsTarget::Synq) {
        for other in aggregates.iter().filter(|a| {
            a.target != YjsTarget::Synq && a.rate == synq.rate && a.readers == synq.readers
        }) {
            let paired = |value: fn(&YjsRun) -> Option<f64>| {
                let by_repeat = |target| {
                    let cell: Vec<&YjsRun> = runs
                        .iter()
                        .filter(|r| {
                            r.target == target && r.rate == synq.rate && r.readers == synq.readers
                        })
                        .collect();
                    let repeats = cell.iter().map(|r| r.repeat + 1).max().unwrap_or(0);
                    (0..repeats)
                        .map(|i| cell.iter().find(|r| r.repeat == i).and_then(|r| value(r)))
                        .collect::<Vec<_>>()
                };
                paired_ratio(&by_repeat(YjsTarget::Synq), &by_repeat(other.target))
            };
            out.push(YjsRatio {
                rate: synq.rate,
                readers: synq.readers,
                synq_over: other.target,
                delivery_p50: ratio(synq.delivery_p50_ms, other.delivery_p50_ms),
                delivery_p99: ratio(synq.delivery_p99_ms, other.delivery_p99_ms),
                deliveries_per_s: ratio(synq.deliveries_per_s, other.deliveries_per_s),
                cpu_per_edit: ratio(synq.cpu_us_per_edit, other.cpu_us_per_edit),
                paired_p50: paired(|r| r.delivery.p50_ms),
                paired_p99: paired(|r| r.delivery.p99_ms),
                paired_cpu_per_edit: paired(|r| r.cpu_us_per_edit),
            });
        }
    }
    out
}

#[derive(Debug, Default)]
struct Progress {
    sent: AtomicU64,
    delivered: AtomicU64,
    done_sending: AtomicBool,
}

async fn run_once(
    server: &Running,
    rate: u32,
    readers: usize,
    config: &YjsConfig,
) -> anyhow::Result<YjsRun> {
    let wall = Instant::now();
    let loadavg_before = loadavg();
    let target = server.target;
    let doc = format!(
        "bench-yjs-{}-{rate}-{readers}-{}",
        target.name(),
        now_ms().0
    );
    let progress = Arc::new(Progress::default());
    let mut signals = Signals::new(readers + 1);
    let mut reader_tasks = Vec::with_capacity(readers);
    for i in 0..readers {
        let socket = connect(server, &doc, &format!("bench-reader-{i}")).await?;
        reader_tasks.push(tokio::spawn(reader(
            socket,
            target,
            signals.ready_tx.clone(),
            signals.stop_rx.clone(),
            Arc::clone(&progress),
        )));
    }
    let socket = connect(server, &doc, "bench-writer").await?;
    let go_rx = signals.go_rx.take().context("one writer")?;
    let writer_task = tokio::spawn(writer(
        socket,
        target,
        doc.clone(),
        signals.ready_tx.clone(),
        go_rx,
        signals.stop_rx.clone(),
        Arc::clone(&progress),
    ));
    let timing = Timing {
        rate,
        warmup_s: config.warmup_s,
        seconds: config.seconds,
        drain_s: config.drain_s,
    };
    let driven = signals
        .drive(
            timing,
            server.workerd_group,
            writer_task,
            reader_tasks,
            || {
                let sent = progress.sent.load(Ordering::Acquire);
                progress.done_sending.load(Ordering::Acquire)
                    && progress.delivered.load(Ordering::Acquire) >= sent * readers as u64
            },
        )
        .await?;
    let mut run = summarize(target, rate, &driven.writer, &driven.outcomes)?;
    run.cpu_us_per_edit = per_edit_us(driven.steady_cpu_s, run.sent);
    run.loadavg_before = loadavg_before;
    run.wall_s = round3(wall.elapsed().as_secs_f64());
    Ok(run)
}

async fn connect(server: &Running, doc: &str, user: &str) -> anyhow::Result<Socket> {
    let port = server.port;
    let url = match server.target {
        YjsTarget::Synq => {
            let secret = server
                .secret
                .as_ref()
                .context("SynQ runs with a JWT secret")?;
            let claims = SessionClaims {
                sub: user.to_owned(),
                name: None,
                roles: HashMap::from([("*".to_owned(), Role::Editor)]),
            };
            let token = issue_hs256(secret, claims, now_ms(), 3_600_000)
                .map_err(|e| anyhow!("signing a token: {e}"))?;
            format!("ws://127.0.0.1:{port}/sessions/{doc}/yjs?token={token}")
        }
        YjsTarget::Floor => format!("ws://127.0.0.1:{port}/sessions/{doc}/ws"),
        YjsTarget::FloorCoalesced => format!("ws://127.0.0.1:{port}/sessions/{doc}/coalesced"),
        YjsTarget::Hocuspocus => format!("ws://127.0.0.1:{port}/{doc}"),
        YjsTarget::YWebsocket => format!("ws://127.0.0.1:{port}/{doc}"),
    };
    let connecting = tokio_tungstenite::connect_async_with_config(url.as_str(), None, true);
    let (mut socket, _) = tokio::time::timeout(CONNECT_TIMEOUT, connecting)
        .await
        .with_context(|| format!("connecting {user}: timed out"))?
        .with_context(|| format!("connecting {user}"))?;
    if server.target == YjsTarget::Hocuspocus {
        let mut auth = EncoderV1::new();
        auth.write_var(HOCUSPOCUS_AUTH);
        auth.write_var(0u8); // a token follows
        auth.write_string("bench");
        let frame = server.target.frame(doc, &auth.to_vec());
        socket.send(Frame::Binary(frame.into())).await?;
    }
    Ok(socket)
}

/// The first frame of any kind: the server's greeting (sync step 1, the floor's hello, Hocuspocus's
/// "authenticated").
async fn greeting(socket: &mut Socket) -> anyhow::Result<()> {
    let first = tokio::time::timeout(READY_TIMEOUT, socket.next())
        .await
        .context("no first message")?;
    match first {
        Some(Ok(Frame::Close(_))) | None => bail!("socket closed before the first message"),
        Some(Err(e)) => Err(e.into()),
        Some(Ok(_)) => Ok(()),
    }
}

/// The writer's clocks carried by a server frame's document updates.
fn writer_clocks(target: YjsTarget, frame: &[u8]) -> Vec<u32> {
    let mut decoder = DecoderV1::new(Cursor::new(frame));
    if target == YjsTarget::Hocuspocus && decoder.read_string().is_err() {
        return Vec::new();
    }
    let update = match Message::decode(&mut decoder) {
        Ok(Message::Sync(SyncMessage::Update(u) | SyncMessage::SyncStep2(u))) => u,
        _ => return Vec::new(),
    };
    let Ok(update) = Update::decode_v1(&update) else {
        return Vec::new();
    };
    let writer = ClientID::new(WRITER);
    update
        .insertions(false)
        .iter()
        .filter(|(client, _)| **client == writer)
        .flat_map(|(_, ranges)| {
            ranges
                .iter()
                .flat_map(|r| r.start..r.end)
                .collect::<Vec<_>>()
        })
        .collect()
}

#[derive(Debug, Default)]
struct ReaderOutcome {
    deliveries: Vec<(u32, Instant)>,
    errors: Vec<String>,
    closed_early: bool,
}

async fn reader(
    mut socket: Socket,
    target: YjsTarget,
    ready: mpsc::Sender<()>,
    mut stop: watch::Receiver<bool>,
    progress: Arc<Progress>,
) -> anyhow::Result<ReaderOutcome> {
    greeting(&mut socket).await?;
    ready.send(()).await?;
    drop(ready);
    let mut out = ReaderOutcome::default();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            frame = socket.next() => {
                let arrived = Instant::now();
                match frame {
                    Some(Ok(Frame::Binary(bytes))) => {
                        for clock in writer_clocks(target, &bytes) {
                            out.deliveries.push((clock, arrived));
                            progress.delivered.fetch_add(1, Ordering::AcqRel);
                        }
                    }
                    Some(Ok(Frame::Close(_))) | None => { out.closed_early = true; break; }
                    Some(Err(e)) => { out.errors.push(format!("socket: {e}")); out.closed_early = true; break; }
                    Some(Ok(_)) => {}
                }
            }
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(2), socket.close(None)).await;
    Ok(out)
}

#[derive(Debug, Default)]
struct WriterOutcome {
    /// Clock → (put on the wire at, measured).
    sends: HashMap<u32, (Instant, bool)>,
    closed_early: bool,
}

async fn writer(
    mut socket: Socket,
    target: YjsTarget,
    doc_name: String,
    ready: mpsc::Sender<()>,
    go: oneshot::Receiver<Schedule>,
    mut stop: watch::Receiver<bool>,
    progress: Arc<Progress>,
) -> anyhow::Result<WriterOutcome> {
    greeting(&mut socket).await?;
    ready.send(()).await?;
    drop(ready);
    let schedule = go.await?;
    let doc = Doc::with_client_id(WRITER);
    let text = doc.get_or_insert_text(TEXT_NAME);
    let mut out = WriterOutcome::default();
    let mut clock = 0u32;
    let mut tick = tokio::time::interval(schedule.period);
    let mut sending = true;
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            _ = tick.tick(), if sending => {
                if Instant::now() >= schedule.end {
                    sending = false;
                    progress.done_sending.store(true, Ordering::Release);
                    continue;
                }
                let update = {
                    let mut txn = doc.transact_mut();
                    text.insert(&mut txn, 0, "x");
                    txn.encode_update_v1()
                };
                let frame = target.frame(&doc_name, &wire::update(update));
                socket.send(Frame::Binary(frame.into())).await?;
                let sent_at = Instant::now();
                let measured = sent_at >= schedule.measure_from;
                out.sends.insert(clock, (sent_at, measured));
                clock += 1;
                if measured {
                    progress.sent.fetch_add(1, Ordering::AcqRel);
                }
            }
            frame = socket.next() => match frame {
                Some(Ok(Frame::Close(_))) | None | Some(Err(_)) => { out.closed_early = true; break; }
                Some(Ok(_)) => {}
            }
        }
    }
    progress.done_sending.store(true, Ordering::Release);
    let _ = tokio::time::timeout(Duration::from_secs(2), socket.close(None)).await;
    Ok(out)
}

fn summarize(
    target: YjsTarget,
    rate: u32,
    writer: &WriterOutcome,
    readers: &[ReaderOutcome],
) -> anyhow::Result<YjsRun> {
    let sent = writer.sends.values().filter(|(_, m)| *m).count() as u64;
    let first_send = writer
        .sends
        .values()
        .filter(|(_, m)| *m)
        .map(|(at, _)| *at)
        .min();
    let mut hist = Latencies::new()?;
    let (mut delivered, mut duplicates) = (0u64, 0u64);
    let mut last: Option<Instant> = None;
    let mut errors = Vec::new();
    for reader in readers {
        let mut seen = HashSet::new();
        for (clock, arrived) in &reader.deliveries {
            let Some(&(sent_at, measured)) = writer.sends.get(clock) else {
                continue;
            };
            if !seen.insert(*clock) {
                duplicates += 1;
                continue;
            }
            if measured {
                hist.record(arrived.saturating_duration_since(sent_at));
                delivered += 1;
                last = Some(last.map_or(*arrived, |l| l.max(*arrived)));
            }
        }
        errors.extend(reader.errors.iter().take(3).cloned());
    }
    let expected = sent * readers.len() as u64;
    let deliveries_per_s = match (first_send, last) {
        (Some(first), Some(last)) if last > first => Some(round3(
            delivered as f64 / last.duration_since(first).as_secs_f64(),
        )),
        _ => None,
    };
    let closed_early =
        u64::from(writer.closed_early) + readers.iter().filter(|r| r.closed_early).count() as u64;
    Ok(YjsRun {
        target,
        rate,
        readers: readers.len(),
        repeat: 0,
        sent,
        delivered,
        missing: expected.saturating_sub(delivered),
        duplicates,
        deliveries_per_s,
        delivery: hist.summary(),
        errors,
        closed_early,
        loadavg_before: None,
        runtime: None,
        cpu_us_per_edit: None,
        wall_s: 0.0,
        hist,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_reader_finds_the_writers_clocks_in_any_servers_frame() {
        let doc = Doc::with_client_id(WRITER);
        let text = doc.get_or_insert_text(TEXT_NAME);
        let mut updates = Vec::new();
        for _ in 0..3 {
            let mut txn = doc.transact_mut();
            text.insert(&mut txn, 0, "x");
            updates.push(txn.encode_update_v1());
        }
        let second = wire::update(updates[1].clone());
        assert_eq!(writer_clocks(YjsTarget::Synq, &second), vec![1]);
        let prefixed = YjsTarget::Hocuspocus.frame("d", &second);
        assert_eq!(writer_clocks(YjsTarget::Hocuspocus, &prefixed), vec![1]);
        // A server that merged updates (or a sync step 2) carries several clocks.
        let merged = Update::merge_updates([
            Update::decode_v1(&updates[1]).unwrap(),
            Update::decode_v1(&updates[2]).unwrap(),
        ]);
        let step2 = wire::sync_step2(yrs::updates::encoder::Encode::encode_v1(&merged));
        assert_eq!(writer_clocks(YjsTarget::YWebsocket, &step2), vec![1, 2]);
        assert!(writer_clocks(YjsTarget::Floor, b"{\"type\":\"sync\"}").is_empty());
    }

    #[test]
    fn ratios_compare_synq_with_every_other_target_at_the_same_rate_and_n() {
        let agg = |target, p50| YjsAggregate {
            target,
            rate: 100,
            readers: 10,
            runs: 1,
            sent: 1,
            delivered: 10,
            missing: 0,
            delivery_p50_ms: Some(p50),
            delivery_p99_ms: Some(p50 * 2.0),
            deliveries_per_s: Some(1000.0),
            runtime_cpu_s: None,
            cpu_us_per_edit: None,
            delivery_merged: Summary::default(),
            delivery_p50_by_run: vec![],
            delivery_p99_by_run: vec![],
        };
        let ratios = ratios(
            &[
                agg(YjsTarget::Synq, 3.0),
                agg(YjsTarget::Floor, 2.0),
                agg(YjsTarget::Hocuspocus, 1.5),
            ],
            &[],
        );
        assert_eq!(ratios.len(), 2);
        assert_eq!(ratios[0].synq_over, YjsTarget::Floor);
        assert_eq!(ratios[0].delivery_p50, Some(1.5));
        assert_eq!(ratios[1].delivery_p99, Some(2.0));
        assert_eq!(ratios[0].paired_p99, None, "no runs, no pairs");
    }

    #[test]
    fn paired_ratios_pair_the_runs_of_one_repeat() {
        let run = |target, repeat, p99| YjsRun {
            target,
            rate: 100,
            readers: 10,
            repeat,
            sent: 1,
            delivered: 10,
            missing: 0,
            duplicates: 0,
            deliveries_per_s: Some(1000.0),
            delivery: Summary {
                p99_ms: Some(p99),
                ..Summary::default()
            },
            errors: vec![],
            closed_early: 0,
            loadavg_before: None,
            runtime: None,
            cpu_us_per_edit: Some(p99 * 100.0),
            wall_s: 1.0,
            hist: Latencies::new().unwrap(),
        };
        // Listed out of repeat order: pairing by position would give 2.2/3.0 and 3.0/2.0.
        let runs = [
            run(YjsTarget::Synq, 0, 2.2),
            run(YjsTarget::Synq, 1, 3.0),
            run(YjsTarget::Floor, 1, 3.0),
            run(YjsTarget::Floor, 0, 2.0),
        ];
        let aggregates = aggregate(&runs).unwrap();
        let ratios = ratios(&aggregates, &runs);
        assert_eq!(ratios.len(), 1);
        let p99 = ratios[0].paired_p99.unwrap();
        assert_eq!((p99.pairs, p99.median), (2, 1.05));
        assert_eq!((p99.low, p99.high), (1.0, 1.1));
        assert_eq!(ratios[0].paired_cpu_per_edit.map(|r| r.median), Some(1.05));
        assert_eq!(ratios[0].paired_p50, None, "no p50 in these runs");
    }
}
