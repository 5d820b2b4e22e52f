#!/usr/bin/env python3
"""Medical Imaging Downloader: entry point.

Double-click (or `python main.py`) opens the window. Every command also runs headless:

    python main.py [--config-dir DIR] echo PEER
    python main.py [--config-dir DIR] check SHEET
    python main.py [--config-dir DIR] search SHEET --source PEER --project DIR
    python main.py [--config-dir DIR] download [SHEET] --source PEER --project DIR [options]
    python main.py report --project DIR
    python main.py anonymize IN_DIR --project DIR | anonymize --describe
    python main.py demo [--headless]

Paths are resolved from this file's folder, never from the working folder.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from mid.vocab import ExitCode  # noqa: E402  (after the path is set)

def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="main.py",
        description="Medical Imaging Downloader: find studies listed in a spreadsheet on a PACS, "
                    "download them, de-identify every image, and report what happened. "
                    "With no command, the window opens.",
    )
    p.add_argument("--config-dir", type=Path, default=None,
                   help="config folder (default: config/ beside main.py, or $MID_CONFIG_DIR)")
    p.add_argument("-v", "--verbose", action="store_true", help="log debug detail to the terminal")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser("gui", help="open the window (the default with no command)")
    s.add_argument("--project", type=Path, help="project folder to open")
    s.add_argument("--sheet-file", type=Path, dest="sheet_path", help="query sheet to load")

    s = sub.add_parser("echo", help="test the connection to a peer (C-ECHO)")
    s.add_argument("peer", help="peer name from peers.json, e.g. \"DEMO PACS\"")

    s = sub.add_parser("check", help="read a query sheet and print the normalised queries and every row error")
    s.add_argument("sheet_path", type=Path, metavar="SHEET", help=".xlsx, .xls or .csv")
    s.add_argument("--sheet", help="worksheet name (default: the first)")

    s = sub.add_parser("search", help="search a PACS for every row of a sheet and store the results in a project")
    s.add_argument("sheet_path", type=Path, metavar="SHEET", nargs="?")
    s.add_argument("--sheet", help="worksheet name (default: the first)")
    s.add_argument("--source", help="peer to search (default: user_defaults default_source)")
    s.add_argument("--project", type=Path, help="project folder (default: <storage root>/<sheet name>)")
    s.add_argument("--exact", action="store_true", help="match descriptions exactly instead of *text*")

    s = sub.add_parser("download", help="search (if a sheet is given), select, retrieve, de-identify and report")
    s.add_argument("sheet_path", type=Path, metavar="SHEET", nargs="?",
                   help="query sheet; leave out to resume the project")
    s.add_argument("--sheet", help="worksheet name (default: the first)")
    s.add_argument("--source", help="peer to retrieve from (default: the project's, then user_defaults)")
    s.add_argument("--project", type=Path, help="project folder")
    s.add_argument("--destination", default=None, help="C-MOVE destination (default: <SELF>)")
    s.add_argument("--workers", type=int, help="parallel associations (default: user_defaults workers)")
    s.add_argument("--method", choices=["move", "get"], help="retrieve with C-MOVE or C-GET")
    s.add_argument("--raw", action="store_true", help="keep images as received: no de-identification")
    s.add_argument("--include-series", metavar="REGEX", help="only series whose description matches")
    s.add_argument("--exclude-series", metavar="REGEX", help="skip series whose description matches")
    s.add_argument("--modality", metavar="LIST", help="only these modalities, comma separated (e.g. CT,MR)")
    s.add_argument("--from-results", type=Path, metavar="FILE",
                   help="download exactly the rows marked Y in an edited _1_SEARCH_RESULTS workbook")
    s.add_argument("--exact", action="store_true", help="match descriptions exactly instead of *text*")

    s = sub.add_parser("report", help="rewrite every report workbook from the project state")
    s.add_argument("--project", type=Path, required=True)

    s = sub.add_parser("anonymize", help="de-identify DICOM files already on disk into a project")
    s.add_argument("in_dir", type=Path, metavar="IN_DIR", nargs="?")
    s.add_argument("--project", type=Path)
    s.add_argument("--describe", action="store_true", help="print every action the configured pipeline applies")

    s = sub.add_parser("demo", help="start a demo PACS with fake patients and open the program on it")
    s.add_argument("--headless", action="store_true", help="search and download end to end in the terminal")
    s.add_argument("--project", type=Path, help="project folder for the demo (default: under the storage root)")
    s.add_argument("--port", type=int, default=0, help="demo PACS port (default: a free one)")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.config_dir is not None:
        os.environ["MID_CONFIG_DIR"] = str(args.config_dir.resolve())
    command = args.command or "gui"
    try:
        if command == "gui":
            from mid import app
            return app.main(args)
        from mid import cli
        return cli.run(command, args)
    except KeyboardInterrupt:
        print("Cancelled.", file=sys.stderr)
        return ExitCode.CANCELLED


if __name__ == "__main__":
    sys.exit(main())
