"""What the local workers' own TLS costs at start-up: the planner's local cluster
(`local_cluster_kwargs`, 2 worker processes on 127.0.0.1 with a temporary certificate) against
the same cluster over plain tcp, started in turn, each until both workers are up and one task
came back.  Prints one JSON line: the medians in seconds.

    .venv/bin/python bench/dask_tls_start.py [--rounds 7]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _start(tls: bool) -> float:
    from distributed import Client, LocalCluster
    from distributed.security import Security

    from citylive.planner.cluster import local_cluster_kwargs

    t0 = time.perf_counter()
    kwargs = local_cluster_kwargs(2)
    if not tls:
        kwargs["security"] = Security()
    with LocalCluster(**kwargs) as cluster, Client(cluster) as client:
        client.wait_for_workers(2, timeout=60)
        assert client.submit(sum, [1, 2]).result(timeout=60) == 3
        assert cluster.scheduler_address.startswith("tls://" if tls else "tcp://")
        return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    from distributed.security import Security

    t0 = time.perf_counter()
    for _ in range(20):
        Security.temporary()
    key = (time.perf_counter() - t0) / 20
    _start(True)  # imports and the first spawn, not counted
    plain, tls = [], []
    for _ in range(args.rounds):
        plain.append(_start(False))
        tls.append(_start(True))
    print(json.dumps({
        "rounds": args.rounds,
        "temporary_certificate_s": round(key, 3),
        "plain_start_median_s": round(statistics.median(plain), 2),
        "tls_start_median_s": round(statistics.median(tls), 2),
        "plain_all_s": [round(x, 2) for x in plain],
        "tls_all_s": [round(x, 2) for x in tls],
    }))  # fmt: skip


if __name__ == "__main__":
    main()
