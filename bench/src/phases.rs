//! The phases of one fan-out run, shared by the synq and Yjs benches: wait until every socket had its
//! first message, start the writer's schedule, wait for its end and then for stragglers (the drain),
//! stop everyone and collect what each task saw.

use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use crate::procstat::{self, RunCost};

const READY_TIMEOUT: Duration = Duration::from_secs(20);
const JOIN_TIMEOUT: Duration = Duration::from_secs(10);

/// The writer's schedule, sent when every socket is ready.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Schedule {
    /// Edits sent from here on are measured (the ones before warm the path up).
    pub(crate) measure_from: Instant,
    /// No edit is sent from here on.
    pub(crate) end: Instant,
    /// Time between edits.
    pub(crate) period: Duration,
}

/// How long a run lasts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timing {
    pub(crate) rate: u32,
    pub(crate) warmup_s: f64,
    pub(crate) seconds: f64,
    pub(crate) drain_s: f64,
}

/// The channels a run's tasks share: `ready` (one message per socket), `go` (the writer's schedule),
/// `stop` (everyone ends).
pub(crate) struct Signals {
    pub(crate) ready_tx: mpsc::Sender<()>,
    ready_rx: mpsc::Receiver<()>,
    pub(crate) go_rx: Option<oneshot::Receiver<Schedule>>,
    go_tx: oneshot::Sender<Schedule>,
    pub(crate) stop_rx: watch::Receiver<bool>,
    stop_tx: watch::Sender<bool>,
}

impl Signals {
    pub(crate) fn new(sockets: usize) -> Self {
        let (ready_tx, ready_rx) = mpsc::channel(sockets.max(1));
        let (go_tx, go_rx) = oneshot::channel();
        let (stop_tx, stop_rx) = watch::channel(false);
        Signals {
            ready_tx,
            ready_rx,
            go_rx: Some(go_rx),
            go_tx,
            stop_rx,
            stop_tx,
        }
    }

    /// Runs the phases with the spawned tasks; `complete` says whether everything sent has arrived.
    /// With the runtime's process group, also reads its CPU seconds from the first measured edit until
    /// everything has arrived: the steady-state cost, without the connections' setup.
    pub(crate) async fn drive<W, R>(
        self,
        timing: Timing,
        workerd_group: Option<u32>,
        writer: JoinHandle<anyhow::Result<W>>,
        readers: Vec<JoinHandle<anyhow::Result<R>>>,
        complete: impl Fn() -> bool,
    ) -> anyhow::Result<Driven<W, R>> {
        let Signals {
            ready_tx,
            mut ready_rx,
            go_tx,
            stop_tx,
            ..
        } = self;
        drop(ready_tx);
        let sockets = readers.len() + 1;
        let all_ready = tokio::time::timeout(READY_TIMEOUT, async {
            for _ in 0..sockets {
                if ready_rx.recv().await.is_none() {
                    return false;
                }
            }
            true
        })
        .await;
        if !matches!(all_ready, Ok(true)) {
            let _ = stop_tx.send(true);
            let mut why = format!(
                "not every socket got its first message within {}s",
                READY_TIMEOUT.as_secs()
            );
            if let Ok(Ok(Err(e))) = tokio::time::timeout(JOIN_TIMEOUT, writer).await {
                why = format!("{why}; writer: {e:#}");
            }
            for task in readers {
                if let Ok(Ok(Err(e))) = tokio::time::timeout(JOIN_TIMEOUT, task).await {
                    why = format!("{why}; reader: {e:#}");
                    break;
                }
            }
            bail!(why);
        }
        let start = Instant::now();
        let schedule = Schedule {
            measure_from: start + Duration::from_secs_f64(timing.warmup_s),
            end: start + Duration::from_secs_f64(timing.warmup_s + timing.seconds),
            period: Duration::from_secs_f64(1.0 / f64::from(timing.rate.max(1))),
        };
        go_tx
            .send(schedule)
            .map_err(|_| anyhow!("the writer stopped before it could start"))?;
        tokio::time::sleep_until(schedule.measure_from.into()).await;
        let cpu_from = workerd_group.and_then(procstat::sample);
        tokio::time::sleep_until(schedule.end.into()).await;
        let drain_until = Instant::now() + Duration::from_secs_f64(timing.drain_s);
        while !complete() && Instant::now() < drain_until {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let cpu_to = workerd_group.and_then(procstat::sample);
        let steady_cpu_s = cpu_from
            .zip(cpu_to)
            .map(|(from, to)| RunCost::between(from, to).cpu_s);
        let _ = stop_tx.send(true);
        let writer = tokio::time::timeout(JOIN_TIMEOUT, writer)
            .await
            .context("writer did not stop")??
            .context("writer")?;
        let mut outcomes = Vec::with_capacity(readers.len());
        for task in readers {
            outcomes.push(
                tokio::time::timeout(JOIN_TIMEOUT, task)
                    .await
                    .context("reader did not stop")??
                    .context("reader")?,
            );
        }
        Ok(Driven {
            writer,
            outcomes,
            steady_cpu_s,
        })
    }
}

/// What a run's tasks saw, and what the runtime spent while edits were measured.
pub(crate) struct Driven<W, R> {
    pub(crate) writer: W,
    pub(crate) outcomes: Vec<R>,
    /// The runtime's CPU seconds from the first measured edit until everything arrived.
    pub(crate) steady_cpu_s: Option<f64>,
}
