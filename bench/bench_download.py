#!/usr/bin/env python3
"""Download throughput against two references, measured in the same run on the same data.

    python3 bench/bench_download.py [--instances 2000] [--size-kb 128] [--workers 4]

Starts an Orthanc on loopback (tests/peers.py), loads ~N instances of ~128 KB in 4 studies
through its REST API, then measures instances per second of:
  ours      engine.download (C-MOVE into our Storage SCP, de-identification and atomic writes
            on), run in a child process so its peak RSS is ours alone;
  bare      reference (2): a bare pynetdicom Storage SCP that writes nothing, 4 C-MOVEs at once;
  dcmtk     reference (1): /usr/bin/movescu + /usr/bin/storescp, one study at a time.
It prints the figures, the ratios ours/bare (target >= 0.6, aim 0.8) and ours/dcmtk
(target >= 4), and our peak RSS (target <= 300 MB, flat in the number of instances).
"""
from __future__ import annotations

import argparse
import json
import os
import queue
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

SERIES_PER_STUDY = 5
STUDIES = 4


# ----------------------------------------------------------------------------------- data
def make_set(instances: int, size_kb: int):
    """4 studies x 5 series, about `instances` instances in all."""
    from mid import synthdata
    per_series = max(1, round(instances / (STUDIES * SERIES_PER_STUDY)))
    spec = tuple(synthdata.SeriesSpec("CT", f"SERIES {i + 1}", per_series) for i in range(SERIES_PER_STUDY))
    return synthdata.generate_set(seed=515, n_patients=2, studies_per_patient=2, series_spec=spec, size_kb=size_kb)


def load_orthanc(server, desc) -> float:
    """Upload the set through REST in chunks; returns seconds taken."""
    from mid import synthdata
    t0 = time.monotonic()
    batch = []
    for ds in synthdata.iter_datasets(desc):
        batch.append(synthdata.to_bytes(ds))
        if len(batch) >= 200:
            server.upload(batch, workers=4)
            batch = []
    if batch:
        server.upload(batch, workers=4)
    return time.monotonic() - t0


# ------------------------------------------------------------------------------------ ours
def write_config(folder: Path, self_port: int, orthanc, workers: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    peers_json = {"<SELF>": {"peer_name": "<SELF>", "peer_aet": "MID_SCU", "peer_ip": "127.0.0.1",
                             "peer_port": self_port},
                  "ORTHANC": {"peer_name": "ORTHANC", "peer_aet": orthanc["aet"], "peer_ip": "127.0.0.1",
                              "peer_port": orthanc["port"]}}
    (folder / "peers.json").write_text(json.dumps(peers_json))
    (folder / "user_defaults.json").write_text(json.dumps({"workers": workers, "retry_backoff": 0.5}))
    return folder


def child_ours(args) -> None:
    """In a child process: search, select all, then time engine.download; print JSON."""
    from mid import engine
    from mid import project as project_mod
    from mid import settings as settings_mod
    from mid.querysheet import Query
    spec = json.loads(args.child)
    s = settings_mod.load_settings(Path(spec["config"]))
    proj = project_mod.Project.create(Path(spec["project"]))
    proj.add_queries([Query(str(i + 1), i + 2, {"PatientID": [pid]}) for i, pid in enumerate(spec["patients"])], [])
    engine.search(s, proj, "ORTHANC")
    engine.select(proj)
    t0, c0 = time.monotonic(), time.process_time()
    fin = engine.download(s, proj, "ORTHANC", workers=spec["workers"], processes=spec.get("processes"))
    dt, cpu = time.monotonic() - t0, time.process_time() - c0
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu += kids.ru_utime + kids.ru_stime
    totals = proj.totals()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": dt, "instances": totals["written"] + totals["ignored"], "counts": fin.counts,
                      "error": fin.error, "peak_rss_mb": rss_mb, "cpu": cpu,
                      "worker_rss_mb": kids.ru_maxrss / 1024}))


def run_ours(server, desc, workdir: Path, workers: int, processes: int | None) -> dict:
    cfg = write_config(workdir / "config", server.self_port, {"aet": server.aet, "port": server.dicom_port}, workers)
    spec = {"config": str(cfg), "project": str(workdir / "project"), "workers": workers,
            "patients": [p.patient_id for p in desc.patients], "processes": processes}
    out = subprocess.run([sys.executable, __file__, "--child", json.dumps(spec)], capture_output=True, text=True,
                         timeout=3600, cwd=str(workdir))
    if out.returncode != 0:
        raise SystemExit(f"our download failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- reference (2)
def run_bare(server, desc, port: int, aet: str, parallel: int = 4) -> dict:
    """A bare pynetdicom receiver writing nothing; `parallel` C-MOVEs (one per study) at once."""
    from pynetdicom import AE, AllStoragePresentationContexts, evt
    from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelMove
    from pydicom.dataset import Dataset
    received = [0]
    lock = threading.Lock()

    def on_store(event):
        event.dataset                                  # decode it, as any receiver must
        with lock:
            received[0] += 1
        return 0x0000

    scp = AE(aet)
    scp.maximum_associations = 32
    for cx in AllStoragePresentationContexts:
        scp.add_supported_context(cx.abstract_syntax)
    server_ = scp.start_server(("127.0.0.1", port), block=False, evt_handlers=[(evt.EVT_C_STORE, on_store)])
    studies = queue.Queue()
    for _, st in desc.studies():
        studies.put(st.study_uid)

    def mover():
        ae = AE(aet)
        ae.add_requested_context(StudyRootQueryRetrieveInformationModelMove)
        while True:
            try:
                uid = studies.get_nowait()
            except queue.Empty:
                return
            assoc = ae.associate("127.0.0.1", server.dicom_port, ae_title=server.aet)
            ident = Dataset()
            ident.QueryRetrieveLevel = "STUDY"
            ident.StudyInstanceUID = uid
            for _status, _ in assoc.send_c_move(ident, aet, StudyRootQueryRetrieveInformationModelMove):
                pass
            assoc.release()

    t0, c0 = time.monotonic(), time.process_time()
    threads = [threading.Thread(target=mover) for _ in range(parallel)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    dt, cpu = time.monotonic() - t0, time.process_time() - c0
    server_.shutdown()
    return {"seconds": dt, "instances": received[0], "cpu": cpu}


# --------------------------------------------------------------------------- reference (1)
def run_dcmtk(server, desc, port: int, aet: str, workdir: Path) -> dict:
    """DCMTK storescp receiving, movescu moving one study at a time."""
    out_dir = workdir / "storescp"
    out_dir.mkdir(parents=True, exist_ok=True)
    scp = subprocess.Popen(["/usr/bin/storescp", "-aet", aet, "-od", str(out_dir), str(port)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        t0 = time.monotonic()
        for _, st in desc.studies():
            subprocess.run(["/usr/bin/movescu", "-S", "-aet", aet, "-aec", server.aet, "-aem", aet,
                            "-k", "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={st.study_uid}",
                            "127.0.0.1", str(server.dicom_port)], check=True, capture_output=True, timeout=3600)
        dt = time.monotonic() - t0
    finally:
        scp.terminate()
        scp.wait(10)
    n = sum(1 for p in out_dir.iterdir() if p.is_file())
    return {"seconds": dt, "instances": n}


# ------------------------------------------------------------------------------------ main
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--instances", type=int, default=2000)
    ap.add_argument("--size-kb", type=int, default=128)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--processes", type=int, default=None,
                    help="de-identification worker processes (default: the program's automatic choice)")
    ap.add_argument("--ours-only", action="store_true",
                    help="measure only our download (e.g. peak RSS at 20,000 instances), not the references")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child_ours(args)
        return 0
    import peers
    desc = make_set(args.instances, args.size_kb)
    work = Path(tempfile.mkdtemp(prefix="bench_download_"))
    bare_port, dcm_port = peers.free_port(), peers.free_port()
    server = peers.OrthancServer(work / "orthanc", modalities={"BARE": ("BARE_SCU", "127.0.0.1", bare_port),
                                                              "DCM": ("DCM_SCU", "127.0.0.1", dcm_port)},
                                 config={"ConcurrentJobs": 8})
    try:
        server.start()
        load_s = load_orthanc(server, desc)
        print(f"data: {desc.count} instances of ~{args.size_kb} KB in {STUDIES} studies "
              f"(loaded into Orthanc in {load_s:.1f} s)")
        ours = run_ours(server, desc, work, args.workers, args.processes)
        if args.ours_only:
            rate = ours["instances"] / ours["seconds"]
            print(f"ours: {ours['instances']} in {ours['seconds']:.1f} s = {rate:.0f} inst/s; "
                  f"peak RSS {ours['peak_rss_mb']:.0f} MB; CPU {ours['cpu'] / max(ours['instances'], 1) * 1000:.1f} "
                  f"ms/instance; {ours['counts']}")
            return 0 if ours["instances"] == desc.count else 1
        bare = run_bare(server, desc, bare_port, "BARE_SCU")
        dcmtk = run_dcmtk(server, desc, dcm_port, "DCM_SCU", work)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    rate = {k: v["instances"] / v["seconds"] for k, v in (("ours", ours), ("bare", bare), ("dcmtk", dcmtk))}
    print(f"ours  (engine.download, {args.workers} workers, de-identify + write): "
          f"{ours['instances']} in {ours['seconds']:.1f} s = {rate['ours']:.0f} inst/s   {ours['counts']}")
    print(f"ref 2 (bare pynetdicom receiver, 4 C-MOVEs at once, no writes):  "
          f"{bare['instances']} in {bare['seconds']:.1f} s = {rate['bare']:.0f} inst/s")
    print(f"ref 1 (DCMTK movescu + storescp, one at a time):                   "
          f"{dcmtk['instances']} in {dcmtk['seconds']:.1f} s = {rate['dcmtk']:.0f} inst/s")
    print(f"ratio ours / ref 2 = {rate['ours'] / rate['bare']:.2f}   (target >= 0.6, aim 0.8)")
    print(f"ratio ours / ref 1 = {rate['ours'] / rate['dcmtk']:.2f}   (target >= 4)")
    print(f"our peak RSS = {ours['peak_rss_mb']:.0f} MB   (target <= 300 MB)"
          + (f"; each de-identification worker process <= {ours['worker_rss_mb']:.0f} MB"
             if ours.get("worker_rss_mb") else ""))
    print(f"CPU per instance on our side: ours {ours['cpu'] / max(ours['instances'], 1) * 1000:.1f} ms, "
          f"bare receiver {bare['cpu'] / max(bare['instances'], 1) * 1000:.1f} ms "
          f"({os.cpu_count()} cores; the PACS runs on the same cores)")
    complete = ours["instances"] == desc.count and bare["instances"] == desc.count and dcmtk["instances"] == desc.count
    if not complete:
        print("WARNING: not every run received every instance; the figures are not comparable")
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
