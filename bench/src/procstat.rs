//! What the local runtime costs: CPU time and resident memory of the `workerd` processes in a process
//! group, read from `/proc` (Linux only; elsewhere every reading is `None`).

use std::fs;

use serde::Serialize;

/// One reading of a process group's `workerd` processes.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Usage {
    /// User + system CPU seconds, summed.
    pub(crate) cpu_s: f64,
    /// Resident memory, summed.
    pub(crate) rss_bytes: u64,
}

/// The runtime's cost over one run.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct RunCost {
    /// CPU seconds the runtime used during the run.
    pub(crate) cpu_s: f64,
    /// Its resident memory at the end, in MiB.
    pub(crate) rss_mib_after: f64,
    /// How much that grew over the run, in MiB.
    pub(crate) rss_mib_growth: f64,
}

impl RunCost {
    /// From readings before and after a run.
    pub(crate) fn between(before: Usage, after: Usage) -> Self {
        const MIB: f64 = 1024.0 * 1024.0;
        RunCost {
            cpu_s: round3(after.cpu_s - before.cpu_s),
            rss_mib_after: round3(after.rss_bytes as f64 / MIB),
            rss_mib_growth: round3((after.rss_bytes as f64 - before.rss_bytes as f64) / MIB),
        }
    }
}

/// Microseconds of runtime CPU per edit, from the CPU seconds a window of `edits` edits took.
pub(crate) fn per_edit_us(cpu_s: Option<f64>, edits: u64) -> Option<f64> {
    cpu_s
        .filter(|_| edits > 0)
        .map(|cpu_s| round3(cpu_s * 1e6 / edits as f64))
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// Sums the `workerd` processes of process group `pgid`; `None` if `/proc` cannot be read.
pub(crate) fn sample(pgid: u32) -> Option<Usage> {
    let ticks_per_s = getconf("CLK_TCK", 100.0);
    let page_size = getconf("PAGESIZE", 4096.0);
    let mut usage = Usage::default();
    let mut seen = false;
    for entry in fs::read_dir("/proc").ok()?.flatten() {
        let Some(stat) = fs::read_to_string(entry.path().join("stat")).ok() else {
            continue;
        };
        let Some(fields) = parse_stat(&stat) else {
            continue;
        };
        if fields.pgrp != pgid || fields.comm != "workerd" {
            continue;
        }
        seen = true;
        usage.cpu_s += (fields.utime + fields.stime) as f64 / ticks_per_s;
        usage.rss_bytes += (fields.rss_pages as f64 * page_size) as u64;
    }
    seen.then_some(usage)
}

/// The fields of `/proc/<pid>/stat` this module reads.
#[derive(Debug, PartialEq)]
struct StatFields<'a> {
    comm: &'a str,
    pgrp: u32,
    utime: u64,
    stime: u64,
    rss_pages: u64,
}

/// Parses `/proc/<pid>/stat` (proc(5)): `pid (comm) state ppid pgrp …`; `comm` may hold spaces and
/// parentheses, so the fields after it are counted from the last `)`.
fn parse_stat(stat: &str) -> Option<StatFields<'_>> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let comm = stat.get(open + 1..close)?;
    let rest: Vec<&str> = stat.get(close + 1..)?.split_whitespace().collect();
    // `rest[0]` is field 3 (state); field n is `rest[n - 3]`.
    let field = |n: usize| rest.get(n - 3).and_then(|v| v.parse::<u64>().ok());
    Some(StatFields {
        comm,
        pgrp: u32::try_from(field(5)?).ok()?,
        utime: field(14)?,
        stime: field(15)?,
        rss_pages: field(24)?,
    })
}

/// A system constant (`getconf NAME`), or Linux's usual value if `getconf` is missing.
fn getconf(name: &str, usual: f64) -> f64 {
    std::process::Command::new("getconf")
        .arg(name)
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .unwrap_or(usual)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stat_line_with_spaces_and_parentheses_in_comm_parses() {
        let line = "4242 (work (er) d) S 1 4200 4200 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 12 0 \
                    999 123456789 3000 18446744073709551615";
        assert_eq!(
            parse_stat(line),
            Some(StatFields {
                comm: "work (er) d",
                pgrp: 4200,
                utime: 250,
                stime: 50,
                rss_pages: 3000,
            })
        );
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn this_process_can_be_read_from_proc() {
        // The test process is in its own group as far as /proc goes; it is not workerd, so no sample.
        let own = fs::read_to_string("/proc/self/stat").unwrap();
        let fields = parse_stat(&own).unwrap();
        assert!(fields.rss_pages > 0);
        assert!(sample(fields.pgrp).is_none());
    }
}
