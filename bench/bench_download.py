#!/usr/bin/env python3
"""Download throughput against the send limit, measured in the same run on the same data.

    python3 bench/bench_download.py [--instances 2000] [--size-kb 128] [--workers 4]

Starts an Orthanc on loopback (tests/peers.py; TCP_NODELAY=1, as for every DCMTK program here:
without it Debian's DCMTK waits about 50 ms per message), loads ~N instances of ~128 KB in 4
studies through its REST API, then measures instances per second of:
  ours        engine.download end to end (search, C-MOVE into our Storage SCP, de-identification,
              atomic writes, records, reports), run in a child process so its peak RSS is ours
              alone; run again on half the studies to show that peak RSS is flat in the count;
  send limit  what this Orthanc can send: 4 /usr/bin/movescu at once (one per study) into one
              /usr/bin/storescp --fork, all with TCP_NODELAY=1 in their environment;
  bare        a bare pynetdicom Storage SCP that decodes and writes nothing, 4 C-MOVEs at once.
It prints the figures, the ratios ours / send limit (target >= 0.9) and ours / bare, our peak
RSS at both counts, and the CPU time per instance on our side.

Then the ceiling of the machine: the CPU time Orthanc spends sending one instance (read from
/proc during the send-limit run), and the CPU time pydicom needs for the least any receiver built
on it must do with each instance storescp received (parse it; parse and encode it again; our whole
de-identify-and-write), one process, no network. From them, the most instances per second any
receive path doing that work could reach on these cores while Orthanc sends on the same cores:
    cores / (Orthanc's CPU per instance + the work's CPU per instance)
and that bound as a ratio of the send limit. A bound under 0.9 means the target cannot be met on
this machine by any receiver that parses each instance with pydicom, however it is built.
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
    """In a child process: time search, select all and engine.download (reports too); print JSON."""
    from mid import engine
    from mid import project as project_mod
    from mid import settings as settings_mod
    from mid.querysheet import Query
    spec = json.loads(args.child)
    s = settings_mod.load_settings(Path(spec["config"]))
    proj = project_mod.Project.create(Path(spec["project"]))
    proj.add_queries([Query(str(i + 1), i + 2, {"PatientID": [pid]}) for i, pid in enumerate(spec["patients"])], [])
    t0, c0 = time.monotonic(), time.process_time()
    engine.search(s, proj, "ORTHANC")
    engine.select(proj)
    fin = engine.download(s, proj, "ORTHANC", workers=spec["workers"], processes=spec.get("processes"))
    dt, cpu = time.monotonic() - t0, time.process_time() - c0
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu += kids.ru_utime + kids.ru_stime
    totals = proj.totals()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": dt, "instances": totals["written"] + totals["ignored"], "counts": fin.counts,
                      "error": fin.error, "peak_rss_mb": rss_mb, "cpu": cpu,
                      "worker_rss_mb": kids.ru_maxrss / 1024}))


def run_ours(server, desc, workdir: Path, workers: int, processes: int | None, patients: int | None = None,
             name: str = "project") -> dict:
    """Our download of the first `patients` patients (all when None) into a new project `name`."""
    cfg = write_config(workdir / "config", server.self_port, {"aet": server.aet, "port": server.dicom_port}, workers)
    spec = {"config": str(cfg), "project": str(workdir / name), "workers": workers,
            "patients": [p.patient_id for p in desc.patients][:patients], "processes": processes}
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


# ------------------------------------------------------------------------------ send limit
#: the environment every DCMTK program of this bench runs with (Orthanc is DCMTK inside, too)
DCMTK_ENV = {"TCP_NODELAY": "1"}


def dcmtk_env() -> dict[str, str]:
    return {**os.environ, **DCMTK_ENV}


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) process `pid` has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_send_limit(server, desc, port: int, aet: str, workdir: Path, parallel: int = 4) -> dict:
    """/usr/bin/storescp --fork receiving; `parallel` /usr/bin/movescu at once, one study each.
    Also the CPU time Orthanc spent sending ("pacs_cpu") and the folder of received files."""
    out_dir = workdir / "storescp"
    out_dir.mkdir(parents=True, exist_ok=True)
    scp = subprocess.Popen(["/usr/bin/storescp", "--fork", "-aet", aet, "-od", str(out_dir), str(port)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dcmtk_env(),
                           start_new_session=True)
    studies = queue.Queue()
    for _, st in desc.studies():
        studies.put(st.study_uid)
    failures: list[str] = []

    def mover() -> None:
        while True:
            try:
                uid = studies.get_nowait()
            except queue.Empty:
                return
            done = subprocess.run(["/usr/bin/movescu", "-S", "-aet", aet, "-aec", server.aet, "-aem", aet,
                                   "-k", "QueryRetrieveLevel=STUDY", "-k", f"StudyInstanceUID={uid}",
                                   "127.0.0.1", str(server.dicom_port)], capture_output=True, timeout=3600,
                                  env=dcmtk_env())
            if done.returncode != 0:
                failures.append(done.stderr.decode(errors="replace")[-500:])

    try:
        time.sleep(0.5)
        t0, pacs0 = time.monotonic(), process_cpu(server.proc.pid)
        threads = [threading.Thread(target=mover) for _ in range(parallel)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        dt, pacs_cpu = time.monotonic() - t0, process_cpu(server.proc.pid) - pacs0
    finally:
        os.killpg(scp.pid, 15)          # storescp --fork: the listener and any child still writing
        scp.wait(10)
    if failures:
        print("WARNING: movescu failed:\n" + "\n".join(failures))
    n = sum(1 for p in out_dir.iterdir() if p.is_file())
    return {"seconds": dt, "instances": n, "pacs_cpu": pacs_cpu, "folder": out_dir}


# --------------------------------------------------------------------------------- ceiling
def pydicom_floor(folder: Path, workdir: Path, limit: int = 500) -> dict[str, float]:
    """CPU ms per instance, in this process, of the least a pydicom receiver does with each received
    file: parse it; parse and encode it again (no de-identification); and our whole write path
    (mid.store.write_image: drop rules, de-identification, encoding, atomic write)."""
    import io

    from pydicom import dcmread

    from mid import anonymizer, project, settings
    from mid.retrieve import anon_config
    from mid.store import encode_dataset, write_image
    raws = [p.read_bytes() for p in sorted(folder.iterdir())[:limit] if p.is_file()]
    proj = project.Project.create(workdir / "floor-project")
    cfg = write_config(workdir / "floor-config", 11112, {"aet": "ORTHANC", "port": 4242}, 1)
    anon = anonymizer.Anonymizer(anon_config(settings.load_settings(cfg)), keys=proj)
    steps = {"parse": lambda raw: dcmread(io.BytesIO(raw)),
             "parse + encode": lambda raw: encode_dataset(dcmread(io.BytesIO(raw))),
             "our de-identify + write": lambda raw: write_image(dcmread(io.BytesIO(raw)), "1", anon,
                                                                proj.images_dir)}
    out = {}
    for name, step in steps.items():
        c0 = time.process_time()
        for raw in raws:
            step(raw)
        out[name] = (time.process_time() - c0) / max(len(raws), 1) * 1000
    proj.close()
    return out


def print_ceiling(limit: dict, floor: dict[str, float]) -> None:
    cores = os.cpu_count() or 1
    rate = limit["instances"] / limit["seconds"]
    pacs_ms = limit["pacs_cpu"] / max(limit["instances"], 1) * 1000
    print(f"ceiling of this machine ({cores} cores, shared with the PACS): Orthanc spends {pacs_ms:.2f} ms of CPU "
          f"sending one instance; at 0.9 x the send limit each instance has "
          f"{max(cores * 1000 / (0.9 * rate) - pacs_ms, 0):.2f} ms of CPU left on these cores for everything else")
    for name, ms in floor.items():
        bound = cores * 1000 / (pacs_ms + ms)
        print(f"  {name:<24} {ms:6.2f} ms/instance (pydicom, one core) -> at most {bound:5.0f} inst/s "
              f"= {bound / rate:.2f} x the send limit")


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
                                 config={"ConcurrentJobs": 8}, env=DCMTK_ENV)
    try:
        server.start()
        load_s = load_orthanc(server, desc)
        print(f"data: {desc.count} instances of ~{args.size_kb} KB in {STUDIES} studies "
              f"(loaded into Orthanc in {load_s:.1f} s)")
        if args.ours_only:
            ours = run_ours(server, desc, work, args.workers, args.processes)
            rate = ours["instances"] / ours["seconds"]
            print(f"ours: {ours['instances']} in {ours['seconds']:.1f} s = {rate:.0f} inst/s; "
                  f"peak RSS {ours['peak_rss_mb']:.0f} MB; CPU {_ms(ours)} ms/instance; {ours['counts']}")
            return 0 if ours["instances"] == desc.count else 1
        bare = run_bare(server, desc, bare_port, "BARE_SCU")         # first: it also warms Orthanc's cache
        limit = run_send_limit(server, desc, dcm_port, "DCM_SCU", work)
        ours = run_ours(server, desc, work, args.workers, args.processes)
        half = run_ours(server, desc, work, args.workers, args.processes, patients=len(desc.patients) // 2,
                        name="project-half")
        floor = pydicom_floor(limit["folder"], work)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    rate = {k: v["instances"] / v["seconds"] for k, v in (("ours", ours), ("limit", limit), ("bare", bare))}
    print(f"ours        (engine.download end to end, {args.workers} workers): "
          f"{ours['instances']} in {ours['seconds']:.1f} s = {rate['ours']:.0f} inst/s   {ours['counts']}")
    print(f"send limit  (4 movescu at once into storescp --fork, TCP_NODELAY=1): "
          f"{limit['instances']} in {limit['seconds']:.1f} s = {rate['limit']:.0f} inst/s")
    print(f"bare        (pynetdicom receiver, 4 C-MOVEs at once, no writes):      "
          f"{bare['instances']} in {bare['seconds']:.1f} s = {rate['bare']:.0f} inst/s")
    print(f"ratio ours / send limit = {rate['ours'] / rate['limit']:.2f}   (target >= 0.9)")
    print(f"ratio ours / bare       = {rate['ours'] / rate['bare']:.2f}")
    print(f"our peak RSS = {ours['peak_rss_mb']:.0f} MB at {ours['instances']} instances, "
          f"{half['peak_rss_mb']:.0f} MB at {half['instances']} (flat: ratio "
          f"{ours['peak_rss_mb'] / max(half['peak_rss_mb'], 1):.2f})"
          + (f"; each de-identification worker process <= {ours['worker_rss_mb']:.0f} MB"
             if ours.get("worker_rss_mb") else ""))
    print(f"CPU per instance on our side: ours {_ms(ours)} ms, bare receiver {_ms(bare)} ms "
          f"({os.cpu_count()} cores; the PACS runs on the same cores)")
    print_ceiling(limit, floor)
    complete = all(r["instances"] == desc.count for r in (ours, limit, bare)) and half["instances"] > 0
    if not complete:
        print("WARNING: not every run received every instance; the figures are not comparable")
    return 0 if complete else 1


def _ms(run: dict) -> str:
    return f"{run['cpu'] / max(run['instances'], 1) * 1000:.1f}"


if __name__ == "__main__":
    sys.exit(main())
