"""Benchmark: median time to de-identify one ~128 KB instance, ours against dicognito.

Run: ``python3 bench/bench_anonymizer.py [--instances 200] [--size-kb 128] [--rounds 3]``

Instances come from synthdata (fake names, PHI markers on), are encoded to bytes and read
back with dcmread, as the receiver hands them over. Each timing runs on a fresh deep copy of
the same dataset, for both anonymizers, alternating which goes first. Printed: both medians,
the ratio ours/dicognito, and our median against the 2 ms per-instance target.
"""
from __future__ import annotations

import argparse
import copy
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pydicom import dcmread  # noqa: E402

from mid import anonymizer  # noqa: E402

TARGET_MS = 2.0


def make_instances(n: int, size_kb: int) -> list:
    """`n` decoded datasets of about `size_kb` KB each, as the receiver would hand them over."""
    from mid import synthdata
    desc = synthdata.benchmark_set(n_instances=n, size_kb=size_kb)
    out = []
    for ds in synthdata.iter_datasets(desc, phi_markers=True, size_kb=size_kb):
        out.append(dcmread(io.BytesIO(synthdata.to_bytes(ds))))
        if len(out) == n:
            break
    return out


def time_one(fn, ds) -> float:
    """Seconds spent in fn(copy of ds); the copy is not timed."""
    work = copy.deepcopy(ds)
    start = time.perf_counter()
    fn(work)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=200)
    parser.add_argument("--size-kb", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)

    from dicognito.anonymizer import Anonymizer as Dicognito

    datasets = make_instances(args.instances, args.size_kb)
    size = statistics.median(len(ds.PixelData) for ds in datasets) / 1024
    ours = anonymizer.Anonymizer(anonymizer.AnonConfig(drop_rules=()),
                                 anonymizer.MemoryKeys(b"bench-secret".ljust(32, b"\0")))
    theirs = Dicognito()
    # warm-up: plan caches, imports, first-call costs on both sides
    for ds in datasets[:5]:
        time_one(ours.anonymize, ds)
        time_one(theirs.anonymize, ds)
    t_ours, t_theirs = [], []
    for r in range(args.rounds):
        for i, ds in enumerate(datasets):
            if (i + r) % 2:
                t_ours.append(time_one(ours.anonymize, ds))
                t_theirs.append(time_one(theirs.anonymize, ds))
            else:
                t_theirs.append(time_one(theirs.anonymize, ds))
                t_ours.append(time_one(ours.anonymize, ds))
    m_ours = statistics.median(t_ours) * 1000
    m_theirs = statistics.median(t_theirs) * 1000
    print(f"instances: {len(datasets)} x {args.rounds} rounds, pixel data ~{size:.0f} KB each")
    print(f"anonymizer.py median: {m_ours:.3f} ms/instance")
    print(f"dicognito     median: {m_theirs:.3f} ms/instance")
    print(f"ratio ours/dicognito: {m_ours / m_theirs:.2f} (target <= 1.00)")
    print(f"ours vs {TARGET_MS} ms target: {m_ours / TARGET_MS:.2f} (target <= 1.00)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
