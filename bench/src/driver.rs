//! The loop the fan-out benches share: start every server, run each step on every server in turn —
//! the order alternating from one step to the next, so that a change in the machine's load hits all
//! of them alike — with the runtime's CPU and memory read around each run, stop the servers, and group
//! the runs for the report.

use std::fmt::Display;

use crate::procstat::{self, RunCost};
use crate::stats::Latencies;

/// A started server, as the driver needs it.
pub(crate) trait Started: Send + 'static {
    /// Which target it serves.
    type Target: Copy;
    fn target(&self) -> Self::Target;
    /// Its name in progress lines.
    fn label(&self) -> &'static str;
    /// The process group whose `workerd` processes to measure, if it runs under workerd.
    fn workerd_group(&self) -> Option<u32>;
    /// The end of its log, for a failed run's report.
    fn log_tail(&self) -> String;
}

/// One run's result, told which repeat it belongs to and what the runtime cost meanwhile.
pub(crate) trait Measurement {
    fn finish(&mut self, repeat: usize, runtime: Option<RunCost>);
}

/// A server that did not start (`step: None`) or a run that failed.
pub(crate) struct Failure<T, P> {
    pub(crate) target: T,
    pub(crate) repeat: Option<usize>,
    pub(crate) step: Option<P>,
    /// The error, and for a failed run the server's log tail.
    pub(crate) error: String,
}

/// Starts a server for every target, runs `repeat` × `steps` on all of them interleaved, and stops them.
pub(crate) async fn run_interleaved<T, S, P, R>(
    targets: &[T],
    repeat: usize,
    steps: &[P],
    mut start: impl AsyncFnMut(T) -> anyhow::Result<S>,
    mut run: impl AsyncFnMut(&S, P) -> anyhow::Result<R>,
) -> anyhow::Result<(Vec<R>, Vec<Failure<T, P>>)>
where
    T: Copy,
    S: Started<Target = T>,
    P: Copy + Display,
    R: Measurement,
{
    let mut failed = Vec::new();
    let mut servers = Vec::new();
    for &target in targets {
        match start(target).await {
            Ok(server) => servers.push(server),
            Err(e) => {
                eprintln!("bench: a server did not start: {e:#}");
                failed.push(Failure {
                    target,
                    repeat: None,
                    step: None,
                    error: format!("{e:#}"),
                });
            }
        }
    }
    let mut runs = Vec::new();
    let plan = (0..repeat).flat_map(|r| steps.iter().map(move |&step| (r, step)));
    for (i, (r, step)) in plan.enumerate() {
        let mut order: Vec<&S> = servers.iter().collect();
        if i % 2 == 1 {
            order.reverse();
        }
        for server in order {
            let label = server.label();
            eprintln!("bench: [{}/{repeat}] {label} {step}", r + 1);
            let group = server.workerd_group();
            let before = group.and_then(procstat::sample);
            match run(server, step).await {
                Ok(mut measured) => {
                    let after = group.and_then(procstat::sample);
                    let runtime = before
                        .zip(after)
                        .map(|(before, after)| RunCost::between(before, after));
                    measured.finish(r, runtime);
                    runs.push(measured);
                }
                Err(e) => {
                    eprintln!("bench: {label} {step} failed: {e:#}");
                    failed.push(Failure {
                        target: server.target(),
                        repeat: Some(r),
                        step: Some(step),
                        error: format!("{e:#}\nlog tail:\n{}", server.log_tail()),
                    });
                }
            }
        }
    }
    for server in servers {
        eprintln!("bench: stopping {}", server.label());
        tokio::task::spawn_blocking(move || drop(server)).await?;
    }
    Ok((runs, failed))
}

/// The runs grouped by `key`, keys sorted.
pub(crate) fn group_by<R, K: Ord + Clone>(runs: &[R], key: impl Fn(&R) -> K) -> Vec<(K, Vec<&R>)> {
    let mut keys: Vec<K> = runs.iter().map(&key).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .map(|k| {
            let group = runs.iter().filter(|r| key(r) == k).collect();
            (k, group)
        })
        .collect()
}

/// One histogram of every run's latencies.
pub(crate) fn merged<'a>(
    hists: impl IntoIterator<Item = &'a Latencies>,
) -> anyhow::Result<Latencies> {
    let mut all = Latencies::new()?;
    for hist in hists {
        all.merge(hist)?;
    }
    Ok(all)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn groups_come_sorted_by_key_with_their_runs_in_order() {
        let runs = [("b", 1), ("a", 2), ("b", 3)];
        let groups = group_by(&runs, |r| r.0);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].0, "a");
        assert_eq!(groups[1].1, vec![&("b", 1), &("b", 3)]);
    }

    struct Fake(&'static str);

    impl Started for Fake {
        type Target = &'static str;
        fn target(&self) -> &'static str {
            self.0
        }
        fn label(&self) -> &'static str {
            self.0
        }
        fn workerd_group(&self) -> Option<u32> {
            None
        }
        fn log_tail(&self) -> String {
            format!("{} log", self.0)
        }
    }

    #[derive(Debug, PartialEq)]
    struct Ran(&'static str, u32, usize);

    impl Measurement for Ran {
        fn finish(&mut self, repeat: usize, _: Option<RunCost>) {
            self.2 = repeat;
        }
    }

    #[tokio::test]
    async fn every_step_runs_on_every_server_in_alternating_order() {
        let (runs, failed) = run_interleaved(
            &["x", "y", "down"],
            2,
            &[10, 20],
            async |t| match t {
                "down" => anyhow::bail!("no"),
                t => Ok(Fake(t)),
            },
            async |s: &Fake, step| match (s.0, step) {
                ("y", 20) => anyhow::bail!("broke"),
                (name, step) => Ok(Ran(name, step, 0)),
            },
        )
        .await
        .unwrap();
        let order: Vec<_> = runs.iter().map(|r| (r.0, r.1, r.2)).collect();
        assert_eq!(
            order,
            [
                ("x", 10, 0),
                ("y", 10, 0),
                ("x", 20, 0),
                ("x", 10, 1),
                ("y", 10, 1),
                ("x", 20, 1)
            ]
        );
        assert_eq!(failed.len(), 3);
        assert_eq!((failed[0].target, failed[0].step), ("down", None));
        assert_eq!(
            (failed[1].target, failed[1].step, failed[1].repeat),
            ("y", Some(20), Some(0))
        );
        assert!(failed[1].error.contains("broke") && failed[1].error.contains("y log"));
    }
}
