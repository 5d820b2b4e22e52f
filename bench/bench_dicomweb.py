#!/usr/bin/env python3
"""WADO-RS against C-MOVE from the same Orthanc, in the same run, on the same data.

    python3 bench/bench_dicomweb.py [--instances 1000] [--size-kb 128] [--workers 4]

Starts one Orthanc on loopback with its DICOMweb plugin and its DIMSE port both on (HTTP basic
auth on, as in the tests), loads ~N instances of ~128 KB in 4 studies, then times
engine.download of every series twice, each into a fresh project with de-identification and
atomic writes on: once from the DIMSE peer (C-MOVE into our Storage SCP), once from the
DICOMweb peer (QIDO-RS search, WADO-RS series in parallel). It prints both rates and the ratio
WADO-RS / C-MOVE; the order of the two runs alternates with --repeat to even out warm-up.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

PASSWORD_ENV = "MID_BENCH_WEB_PASSWORD"


def timed_download(cfg: Path, workdir: Path, source: str, patients: list[str], workers: int) -> tuple[float, int]:
    """(seconds, instances) of one engine.download of every series the patients have on `source`."""
    from mid import engine
    from mid import project as project_mod
    from mid import settings as settings_mod
    from mid.querysheet import Query
    s = settings_mod.load_settings(cfg)
    assert source in s.peers, [str(n) for n in s.notices]
    folder = Path(tempfile.mkdtemp(prefix=f"{source.lower()}_", dir=workdir))
    proj = project_mod.Project.create(folder / "project")
    try:
        proj.add_queries([Query(str(i + 1), i + 2, {"PatientID": [pid]}) for i, pid in enumerate(patients)], [])
        engine.search(s, proj, source)
        engine.select(proj)
        t0 = time.monotonic()
        fin = engine.download(s, proj, source, workers=workers, processes=0)
        seconds = time.monotonic() - t0
        if fin.error:
            raise SystemExit(f"the {source} download failed: {fin.error}")
        totals = proj.totals()
        return seconds, totals["written"] + totals["ignored"]
    finally:
        proj.close()
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", type=int, default=1000)
    ap.add_argument("--size-kb", type=int, default=128)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=2, help="rounds of both downloads (best of each is kept)")
    args = ap.parse_args()
    import json
    import peers
    from bench_download import load_orthanc, make_set
    desc = make_set(args.instances, args.size_kb)
    work = Path(tempfile.mkdtemp(prefix="bench_dicomweb_"))
    server = peers.DicomWebOrthanc(work / "orthanc", dimse=True, config={"ConcurrentJobs": 8})
    os.environ[PASSWORD_ENV] = server.password
    best: dict[str, float] = {}
    try:
        server.start()
        load_s = load_orthanc(server, desc)
        print(f"data: {desc.count} instances of ~{args.size_kb} KB (loaded into Orthanc in {load_s:.1f} s)")
        cfg = work / "config"
        cfg.mkdir()
        (cfg / "peers.json").write_text(json.dumps({
            "<SELF>": {"peer_aet": peers.SELF_AET, "peer_ip": "127.0.0.1", "peer_port": server.self_port},
            "DIMSE": {"peer_aet": server.aet, "peer_ip": "127.0.0.1", "peer_port": server.dicom_port},
            "WEB": {"protocol": "dicomweb", "url": server.url, "username": server.user,
                    "password_env": PASSWORD_ENV}}))
        (cfg / "user_defaults.json").write_text(json.dumps({"workers": args.workers, "retry_backoff": 0.5}))
        patients = [p.patient_id for p in desc.patients]
        for rnd in range(args.repeat):
            order = ("DIMSE", "WEB") if rnd % 2 == 0 else ("WEB", "DIMSE")
            for source in order:
                seconds, n = timed_download(cfg, work, source, patients, args.workers)
                if n != desc.count:
                    print(f"WARNING: {source} received {n} of {desc.count} instances; the figures are not comparable")
                    return 1
                rate = n / seconds
                best[source] = max(best.get(source, 0.0), rate)
                print(f"round {rnd + 1}: {source:5} {n} in {seconds:.1f} s = {rate:.0f} inst/s")
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"best C-MOVE  (engine.download, {args.workers} workers): {best['DIMSE']:.0f} inst/s")
    print(f"best WADO-RS (engine.download, {args.workers} series at once): {best['WEB']:.0f} inst/s")
    print(f"ratio WADO-RS / C-MOVE = {best['WEB'] / best['DIMSE']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
