#!/usr/bin/env python3
"""Search throughput against a serial DCMTK findscu loop, measured in the same run on the same data.

    python3 bench/bench_search.py [--rows 500] [--studies 600] [--workers 4]

Starts an Orthanc on loopback (tests/peers.py; TCP_NODELAY=1 for the DCMTK inside it), loads
~600 small fake studies (mid/synthdata.py: 2 one-instance series each) through its REST API,
then times, for 500 sheet rows by AccessionNumber:
  ours   engine.search into a new project: every row's STUDY C-FIND and the SERIES C-FINDs of
         each study found, on `--workers` associations, the results stored, until the last row
         is stored (the time it then takes to write reports 0 and 1 is printed too);
  ref    /usr/bin/findscu (TCP_NODELAY=1), one process per query, one after the other: a study
         query per row, then a series query per study it found.
It prints rows per second of both and the ratio ours / ref (target >= 3), and the ratio with
our reports' writing included.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

FINDSCU = "/usr/bin/findscu"
_UID = {"study": re.compile(r"\(0020,000d\) UI \[([0-9.]+)\]"), "series": re.compile(r"\(0020,000e\) UI \[([0-9.]+)\]")}


def make_set(studies: int):
    """`studies` fake studies (2 per patient), each of 2 one-instance series of ~1 KB."""
    from mid import synthdata
    spec = (synthdata.SeriesSpec("CT", "AX 5MM", 1), synthdata.SeriesSpec("CT", "COR", 1))
    return synthdata.generate_set(seed=613, n_patients=max(1, studies // 2), studies_per_patient=2,
                                  series_spec=spec, size_kb=1)


def load_orthanc(server, desc) -> float:
    """Upload the set through REST in chunks (bench_download's loader); returns seconds taken."""
    from bench_download import load_orthanc as load
    return load(server, desc)


# ------------------------------------------------------------------------------------ ours
def run_ours(server, accessions: list[str], work: Path, workers: int) -> dict:
    from mid import engine, project as project_mod, settings as settings_mod
    from mid.querysheet import Query
    cfg = work / "config"
    cfg.mkdir(parents=True, exist_ok=True)
    (cfg / "peers.json").write_text(json.dumps({
        "<SELF>": {"peer_name": "<SELF>", "peer_aet": "MID_SCU", "peer_ip": "127.0.0.1", "peer_port": server.self_port},
        "ORTHANC": {"peer_name": "ORTHANC", "peer_aet": server.aet, "peer_ip": "127.0.0.1",
                    "peer_port": server.dicom_port}}))
    (cfg / "user_defaults.json").write_text(json.dumps({"workers": workers}))
    settings = settings_mod.load_settings(cfg)
    proj = project_mod.Project.create(work / "project")
    proj.add_queries([Query(query_id=str(i + 1), row=i + 2, values={"AccessionNumber": [a]})
                      for i, a in enumerate(accessions)], [])
    last_row: list[float] = []

    def on_event(ev) -> None:
        if isinstance(ev, engine.SearchProgress) and ev.done == ev.total:
            last_row.append(time.monotonic())        # every row searched and its results stored

    t0 = time.monotonic()
    fin = engine.search(settings, proj, "ORTHANC", on_event=on_event)
    end = time.monotonic()
    series = len(proj.series())
    proj.close()
    searched = (last_row[0] if last_row else end) - t0
    return {"seconds": searched, "with_reports": end - t0, "rows": len(accessions), "found": fin.found,
            "series": series, "failed": fin.failed}


# ------------------------------------------------------------------------------- reference
def _findscu(server, level: str, keys: list[str]) -> list[str]:
    cmd = [FINDSCU, "-v", "-S", "-aet", "MID_SCU", "-aec", server.aet, "-k", f"QueryRetrieveLevel={level}"]
    for k in keys:
        cmd += ["-k", k]
    cmd += ["127.0.0.1", str(server.dicom_port)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env={**os.environ, "TCP_NODELAY": "1"})
    if out.returncode != 0:
        raise RuntimeError(f"findscu failed ({out.returncode}): {out.stderr[-1000:]}")
    return _UID["study" if level == "STUDY" else "series"].findall(out.stdout + out.stderr)


def run_findscu(server, accessions: list[str]) -> dict:
    t0 = time.monotonic()
    found = series = 0
    for acc in accessions:
        studies = _findscu(server, "STUDY", [f"AccessionNumber={acc}", "StudyInstanceUID", "PatientID",
                                             "StudyDate", "StudyDescription", "ModalitiesInStudy"])
        found += bool(studies)
        for uid in studies:
            series += len(_findscu(server, "SERIES", [f"StudyInstanceUID={uid}", "SeriesInstanceUID",
                                                      "SeriesNumber", "SeriesDescription", "Modality",
                                                      "NumberOfSeriesRelatedInstances"]))
    return {"seconds": time.monotonic() - t0, "rows": len(accessions), "found": found, "series": series}


# ------------------------------------------------------------------------------------ main
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=500)
    ap.add_argument("--studies", type=int, default=600)
    ap.add_argument("--workers", type=int, default=4)
    args = ap.parse_args()
    import peers
    if not os.access(FINDSCU, os.X_OK):
        print(f"{FINDSCU} is missing: install the Debian package dcmtk", file=sys.stderr)
        return 2
    desc = make_set(args.studies)
    accessions = [st.accession for _, st in desc.studies()][:args.rows]
    work = Path(tempfile.mkdtemp(prefix="bench_search_"))
    server = peers.OrthancServer(work / "orthanc", env={"TCP_NODELAY": "1"})
    try:
        server.start()
        load_s = load_orthanc(server, desc)
        print(f"data: {len(desc.studies())} studies, {desc.count} instances (loaded into Orthanc in {load_s:.1f} s); "
              f"{len(accessions)} rows by AccessionNumber")
        ours = run_ours(server, accessions, work, args.workers)
        ref = run_findscu(server, accessions)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    rate = {k: v["rows"] / v["seconds"] for k, v in (("ours", ours), ("ref", ref))}
    end_to_end = ours["rows"] / ours["with_reports"]
    print(f"ours (engine.search, {args.workers} associations, every row's results stored in the project): "
          f"{ours['rows']} rows in {ours['seconds']:.1f} s = {rate['ours']:.1f} rows/s; "
          f"{ours['found']} found, {ours['series']} series")
    print(f"     and with reports 0 and 1 written at the end: {ours['with_reports']:.1f} s = {end_to_end:.1f} rows/s")
    print(f"ref  (DCMTK findscu, serial, study + series queries, TCP_NODELAY=1): "
          f"{ref['rows']} rows in {ref['seconds']:.1f} s = {rate['ref']:.1f} rows/s; "
          f"{ref['found']} found, {ref['series']} series")
    print(f"ratio ours / ref = {rate['ours'] / rate['ref']:.2f}   (target >= 3)")
    print(f"ratio ours with reports / ref = {end_to_end / rate['ref']:.2f}")
    same = (ours["found"], ours["series"]) == (ref["found"], ref["series"]) == (len(accessions), 2 * len(accessions))
    if not same:
        print("WARNING: the two runs did not find the same studies and series; the figures are not comparable")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
