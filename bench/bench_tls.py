#!/usr/bin/env python3
"""DICOM over TLS against plain DICOM, measured in the same run on the same data.

    python3 bench/bench_tls.py [--instances 1000] [--size-kb 128] [--rounds 2] [--echoes 20]

Makes test certificates with /usr/bin/openssl (tests/peers.py), starts two Orthancs on loopback
holding the same set, one with plain DICOM and one with DICOM TLS (client certificate
required, our receiver reached over TLS), and measures through pacs.py, for each:
  move      instances per second of C-MOVE of every study (4 at once) into our StorageSCP
            (plain, or TLS checking Orthanc's certificate); the receiver counts, writes nothing;
  find      C-FINDs per second over one query association (study level, by PatientID);
  echo      associations per second: open, C-ECHO, release (each TLS one shakes hands).
It prints the figures and the ratios TLS / plain (1.0 = TLS costs nothing). The rounds
alternate plain and TLS, and the best of each is kept, so a busy moment hurts both alike.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

ME = "MID_SCU"


def timeouts():
    import pacs
    return pacs.Timeouts(connect=10, acse=30, dimse=120, network=120)


def measure_move(peer, tls, self_port: int, desc, parallel: int = 4) -> dict:
    import pacs
    received = [0]
    lock = threading.Lock()

    def on_store(_request) -> int:
        with lock:
            received[0] += 1
        return pacs.STATUS_SUCCESS

    def move(study_uid: str):
        return pacs.move(ME, peer, ME, "STUDY", {"StudyInstanceUID": study_uid}, timeouts())

    with pacs.StorageSCP(ME, "127.0.0.1", self_port, {peer.aet}, on_store, timeouts(), tls=tls):
        t0 = time.monotonic()
        with ThreadPoolExecutor(parallel) as pool:
            results = list(pool.map(move, [st.study_uid for _, st in desc.studies()]))
        dt = time.monotonic() - t0
    failed = sum(r.failed for r in results)
    return {"seconds": dt, "instances": received[0], "failed": failed, "rate": received[0] / dt}


def measure_find(peer, desc, rounds: int = 5) -> dict:
    import pacs
    ids = [p.patient_id for p in desc.patients] * rounds
    with pacs.QuerySession(ME, peer, timeouts()) as session:
        session.find("STUDY", {"PatientID": ids[0], "StudyInstanceUID": ""})    # the association is open
        t0 = time.monotonic()
        found = sum(len(session.find("STUDY", {"PatientID": pid, "StudyInstanceUID": ""})) for pid in ids)
        dt = time.monotonic() - t0
    return {"seconds": dt, "finds": len(ids), "matches": found, "rate": len(ids) / dt}


def measure_echo(peer, n: int) -> dict:
    import pacs
    t0 = time.monotonic()
    for _ in range(n):
        pacs.echo(ME, peer, timeouts())
    dt = time.monotonic() - t0
    return {"seconds": dt, "echoes": n, "rate": n / dt}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", type=int, default=1000)
    ap.add_argument("--size-kb", type=int, default=128)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--echoes", type=int, default=20)
    args = ap.parse_args()
    import peers
    from bench_download import STUDIES, load_orthanc, make_set
    from mid.peerconfig import TlsConfig
    desc = make_set(args.instances, args.size_kb)
    work = Path(tempfile.mkdtemp(prefix="bench_tls_"))
    certs = peers.make_test_certs(work / "certs")
    ours = TlsConfig(str(certs.ca), str(certs.mid_cert), str(certs.mid_key))
    plain_port, tls_port = peers.free_port(), peers.free_port()
    plain = peers.OrthancServer(work / "plain", self_port=plain_port, config={"ConcurrentJobs": 8})
    secure = peers.OrthancServer(work / "tls", self_port=tls_port,
                                 config={**peers.orthanc_tls_config(certs, tls_port), "ConcurrentJobs": 8})
    best: dict[str, dict[str, dict]] = {"plain": {}, "tls": {}}
    try:
        for server in (plain, secure):
            server.start()
            load_s = load_orthanc(server, desc)
        print(f"data: {desc.count} instances of ~{args.size_kb} KB in {STUDIES} studies, in each Orthanc "
              f"(the last load took {load_s:.1f} s)")
        sides = {"plain": (plain.peer, None, plain_port), "tls": (replace(secure.peer, tls=ours), ours, tls_port)}
        for _ in range(max(1, args.rounds)):
            for name, (peer, tls, port) in sides.items():
                got = {"move": measure_move(peer, tls, port, desc), "find": measure_find(peer, desc),
                       "echo": measure_echo(peer, args.echoes)}
                for what, figures in got.items():
                    if what not in best[name] or figures["rate"] > best[name][what]["rate"]:
                        best[name][what] = figures
    finally:
        plain.stop()
        secure.stop()
        shutil.rmtree(work, ignore_errors=True)
    units = {"move": "inst/s", "find": "finds/s", "echo": "assoc/s"}
    for what in ("move", "find", "echo"):
        p, t = best["plain"][what], best["tls"][what]
        print(f"{what:5} plain {p['rate']:8.1f} {units[what]:8} TLS {t['rate']:8.1f} {units[what]:8} "
              f"ratio TLS / plain = {t['rate'] / p['rate']:.2f}")
    complete = all(best[s]["move"]["instances"] == desc.count and not best[s]["move"]["failed"] for s in best)
    if not complete:
        print("WARNING: a move did not bring every instance; the figures are not comparable")
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
