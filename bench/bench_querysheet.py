#!/usr/bin/env python3
"""Benchmark: loading a 10,000-row query sheet (.xlsx and .csv) with querysheet.load_sheet.

Prints the absolute load time (best of --repeat runs) and its ratio against a reference measured
in the same run on the same file: a bare openpyxl read-only iteration over the .xlsx, and a bare
csv.reader pass over the .csv. The target is under 2 s per 10,000 rows.

    python3 bench/bench_querysheet.py [--rows 10000] [--repeat 3] [--strict] [--pandas]

--strict exits 1 when a load takes 2 s or more. --pandas also times a bare pandas read of the
same files (pandas.read_excel with openpyxl, pandas.read_csv; raw cells only, no normalisation),
the figure behind "Why no pandas" in docs/ARCHITECTURE.md; pandas is not a requirement of the
program, so this needs it installed separately.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import openpyxl  # noqa: E402

from mid import querysheet  # noqa: E402
from mid import settings as settings_mod  # noqa: E402

TARGET_SECONDS = 2.0
HEADERS = ["Query ID", "MRN", "Accession Number", "Study Date", "Study Description", "Modality",
           "Series Number", "Study Time", "Comment"]


def sample_row(i: int) -> list:
    """One realistic row: text IDs with leading zeros, mixed date forms, multiple values."""
    day = dt.date(2010, 1, 1) + dt.timedelta(days=i % 3000)
    date_forms = [dt.datetime.combine(day, dt.time()), day.strftime("%m/%d/%Y"),
                  f"{day:%m/%d/%Y}-{day + dt.timedelta(days=4):%m/%d/%Y}", day.isoformat()]
    return [f"Q{i:05d}", f"{i:07d}", f"A{i * 7:08d}", date_forms[i % 4],
            ["CT CHEST", "MRI BRAIN", "CT ABD PELVIS"][i % 3], ["CT", "mr", "CT;MR"][i % 3],
            (i % 12) + 1, "08:00-17:00" if i % 2 else "", f"fake note {i}"]


def write_files(folder: Path, rows: int) -> tuple[Path, Path]:
    """The same rows as an .xlsx (write-only mode) and as a .csv."""
    data = [sample_row(i) for i in range(rows)]
    xlsx = folder / "bench.xlsx"
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Queries")
    ws.append(HEADERS)
    for r in data:
        ws.append(r)
    wb.save(xlsx)
    csv_path = folder / "bench.csv"
    with open(csv_path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS)
        for r in data:
            writer.writerow(["" if v is None else (v.strftime("%m/%d/%Y") if isinstance(v, dt.date) else v)
                             for v in r])
    return xlsx, csv_path


def best_of(repeat: int, fn: Callable[[], object]) -> tuple[float, object]:
    """The fastest of repeat runs of fn, and fn's last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def bare_openpyxl(path: Path) -> int:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    n = sum(1 for _ in wb.worksheets[0].iter_rows(values_only=True))
    wb.close()
    return n


def bare_csv(path: Path) -> int:
    with open(path, newline="", encoding="utf-8") as fh:
        return sum(1 for _ in csv.reader(fh))


def pandas_line(label: str, path: Path, rows: int, ref_s: float, repeat: int) -> str:
    """The time of a bare pandas read of the file (the raw cells as text/objects), as a ratio too."""
    try:
        import pandas as pd
    except ImportError:
        return "pandas is not installed: python3 -m pip install pandas, to compare"
    opts = dict(header=None, keep_default_na=False, na_filter=False)
    if label == "xlsx":
        read = lambda: pd.read_excel(path, engine="openpyxl", dtype=object, **opts)  # noqa: E731
    else:
        read = lambda: pd.read_csv(path, dtype=str, **opts)  # noqa: E731
    read_s, frame = best_of(repeat, read)
    assert len(frame) == rows + 1, len(frame)
    name = "read_excel" if label == "xlsx" else "read_csv"
    return (f"pandas {pd.__version__} {name} alone (no normalisation) {read_s:6.3f} s   "
            f"ratio {read_s / ref_s:5.1f}x the bare reference")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--strict", action="store_true", help="exit 1 when a load reaches 2 s")
    ap.add_argument("--pandas", action="store_true",
                    help="also time a bare pandas read of the same files (needs pandas installed)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cfg = settings_mod.load_settings(folder / "config")
        xlsx, csv_path = write_files(folder, args.rows)
        slow = False
        print(f"query sheet load, {args.rows} rows, best of {args.repeat}")
        for label, path, reference in (("xlsx", xlsx, bare_openpyxl), ("csv", csv_path, bare_csv)):
            ref_s, ref_rows = best_of(args.repeat, lambda: reference(path))
            load_s, result = best_of(args.repeat, lambda: querysheet.load_sheet(path, cfg))
            assert ref_rows == args.rows + 1, ref_rows
            assert len(result.queries) == args.rows and not result.errors, (len(result.queries),
                                                                            result.errors[:3])
            slow |= load_s >= TARGET_SECONDS
            print(f"  {label:4s}  load_sheet {load_s:6.3f} s   bare {reference.__name__} {ref_s:6.3f} s   "
                  f"ratio {load_s / ref_s:5.1f}x   target < {TARGET_SECONDS:.1f} s: "
                  f"{'ok' if load_s < TARGET_SECONDS else 'SLOW'}")
            if args.pandas:
                print("        " + pandas_line(label, path, args.rows, ref_s, args.repeat))
    return 1 if (args.strict and slow) else 0


if __name__ == "__main__":
    sys.exit(main())
