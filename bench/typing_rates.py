#!/usr/bin/env python3
"""How fast people type, from the editing traces: the most transactions (≈ keystrokes; one y-websocket
update each) in any 1 s, 10 s and 60 s window, and the spread over active seconds. These size the Yjs
update budget (README, "Yjs clients").

    python3 bench/typing_rates.py [TRACE ...]   # default: ../shared/data/traces/seph-blog1.json.gz
"""
import collections
import datetime
import gzip
import json
import sys
from pathlib import Path

DEFAULT = Path(__file__).resolve().parent.parent.parent / "shared/data/traces/seph-blog1.json.gz"


def times(path):
    with gzip.open(path) as f:
        txns = json.load(f)["txns"]
    return [datetime.datetime.fromisoformat(t["time"].replace("Z", "+00:00")).timestamp() for t in txns]


def busiest(ts, window):
    """The most timestamps in any half-open window of `window` seconds (ts sorted)."""
    best, start = 0, 0
    for end, t in enumerate(ts):
        while t - ts[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def main(paths):
    for path in paths:
        ts = sorted(times(path))
        per_second = sorted(collections.Counter(int(t) for t in ts).values())
        n = len(per_second)
        print(f"{Path(path).name}: {len(ts)} transactions over {(ts[-1] - ts[0]) / 3600:.1f} h")
        for window in (1, 10, 60):
            print(f"  busiest {window:>2} s: {busiest(ts, window)}")
        print(f"  per active second: median {per_second[n // 2]}, p99 {per_second[int(n * 0.99)]}")


if __name__ == "__main__":
    main(sys.argv[1:] or [DEFAULT])
