#!/usr/bin/env python3
"""Medical Imaging Downloader: entry point.

Double-click (or `python main.py`) opens the window. Every command also runs headless:

    python main.py [--config-dir DIR] echo PEER
    python main.py [--config-dir DIR] check SHEET
    python main.py [--config-dir DIR] search SHEET --source PEER --project DIR
    python main.py [--config-dir DIR] download [SHEET] --source PEER --project DIR [options]
    python main.py [--config-dir DIR] serve PROJECT [--window W] [--max-rate 20/s|5MB/s]
    python main.py report --project DIR
    python main.py anonymize IN_DIR --project DIR | anonymize --describe
    python main.py demo [--headless]

Paths are resolved from this file's folder, never from the working folder. The config folder
(--config-dir, else $MID_CONFIG_DIR, else config/ beside this file) is passed on explicitly to
the headless commands (mid/cli.py) and to the window; nothing is put in the environment.

This file also holds the window's event loop (`App`): `window.read`, then a dict from event to
handler on the page controllers of mid/pages.py and mid/page_*.py.

Process-wide settings, made once by `configure_process()` before the window opens (never by a
handler; the headless commands keep Python's defaults):
- `sys.setswitchinterval(0.0002)`: worker threads hand the interpreter lock back to the window's
  thread quickly, so the loop keeps turning during a download;
- `gc.freeze()` once after the modules are imported: a garbage collection during a download no
  longer scans the start-up heap (modules, the DICOM dictionary) while holding the lock;
- `mygui.skip_debugger_refresh()`: PySimpleGUI's read skips its debugger refresh (inspect.stack()).
"""
from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from mid.vocab import ExitCode  # noqa: E402  (after the path is set)

log = logging.getLogger("mid.gui")


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
    p.set_defaults(project=None, sheet_path=None)     # the window with no command: none given
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser("gui", help="open the window (the default with no command)")
    s.add_argument("--project", type=Path, help="project folder to open")
    s.add_argument("--sheet-file", type=Path, dest="sheet_path", help="query sheet to load")

    s = sub.add_parser("echo", help="test the connection to a peer (C-ECHO, or QIDO-RS for a DICOMweb peer)")
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
    s.add_argument("--strict", action="store_true",
                   help="de-identify keeping only what is known safe (user_defaults deid_strict)")
    s.add_argument("--pixels", nargs="?", const="mask", choices=["mask", "drop", "off"],
                   help="look for text burned into the pixels of US, XA, CR, ... images and mask it (the "
                        "default), drop the image, or not look (default: user_defaults pixel_checks/pixel_action)")
    s.add_argument("--include-series", metavar="REGEX", help="only series whose description matches")
    s.add_argument("--exclude-series", metavar="REGEX", help="skip series whose description matches")
    s.add_argument("--modality", metavar="LIST", help="only these modalities, comma separated (e.g. CT,MR)")
    s.add_argument("--from-results", type=Path, metavar="FILE",
                   help="download exactly the rows marked Y in an edited _1_SEARCH_RESULTS workbook")
    s.add_argument("--exact", action="store_true", help="match descriptions exactly instead of *text*")
    _limit_options(s)
    s.add_argument("--wait", action="store_true",
                   help="keep running: at the end of a transfer window wait for the next, until all is done")

    s = sub.add_parser("serve", help="work through a project within its transfer windows; leave it running "
                                     "on a server (download --project PROJECT --wait)")
    s.add_argument("project", type=Path, metavar="PROJECT", help="project folder (made by search or download)")
    s.add_argument("--source", help="peer to retrieve from (default: the project's)")
    s.add_argument("--workers", type=int, help="parallel associations (default: user_defaults workers)")
    s.add_argument("--method", choices=["move", "get"], help="retrieve with C-MOVE or C-GET")
    _limit_options(s)

    s = sub.add_parser("report", help="rewrite every report workbook from the project state")
    s.add_argument("--project", type=Path, required=True)

    s = sub.add_parser("anonymize", help="de-identify DICOM files already on disk into a project")
    s.add_argument("in_dir", type=Path, metavar="IN_DIR", nargs="?")
    s.add_argument("--project", type=Path)
    s.add_argument("--describe", action="store_true", help="print every action the configured pipeline applies")
    s.add_argument("--strict", action="store_true",
                   help="de-identify keeping only what is known safe (user_defaults deid_strict)")

    s.add_argument("--pixels", nargs="?", const="mask", choices=["mask", "drop", "off"],
                   help="look for text burned into the pixels of US, XA, CR, ... images and mask it (the "
                        "default), drop the image, or not look (default: user_defaults pixel_checks/pixel_action)")

    s = sub.add_parser("demo", help="start a demo PACS with fake patients and open the program on it")
    s.add_argument("--headless", action="store_true", help="search and download end to end in the terminal")
    s.add_argument("--project", type=Path, help="project folder for the demo (default: under the storage root)")
    s.add_argument("--port", type=int, default=0, help="demo PACS port (default: a free one)")
    return p


# --------------------------------------------------------------------------- process-wide settings
GIL_SWITCH_INTERVAL = 0.0002    # seconds; CPython's default is 0.005


def _limit_options(s: argparse.ArgumentParser) -> None:
    """--window, --max-rate, --max-associations: this run's limits in place of the peer's."""
    from mid import throttle

    def window(text: str) -> str:
        try:
            return ";".join(throttle.parse_windows([text]))
        except throttle.LimitError as e:
            raise argparse.ArgumentTypeError(str(e)) from None

    def rate(text: str) -> str:
        try:
            throttle.parse_rate(text)
        except throttle.LimitError as e:
            raise argparse.ArgumentTypeError(str(e)) from None
        return text

    def count(text: str) -> int:
        if not text.strip().isdigit() or int(text) < 1:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
        return int(text)

    s.add_argument("--window", action="append", type=window, metavar="WINDOW",
                   help='transfer only in this window, e.g. "19:00-07:00", "Mon-Fri 19:00-07:00", "Sat-Sun" '
                        '(repeat for several; default: the peer\'s transfer_windows)')
    s.add_argument("--max-rate", type=rate, metavar="RATE",
                   help="at most this rate: instances per second (20/s) or megabytes per second (5MB/s)")
    s.add_argument("--max-associations", type=count, metavar="N",
                   help="at most N associations to the peer at once (default: the peer's max_associations)")


def configure_process() -> None:
    """Process-wide settings for the window, set once by main() before the window opens (never
    from a handler). See "Process-wide settings" in docs/ARCHITECTURE.md.

    - sys.setswitchinterval(GIL_SWITCH_INTERVAL): the worker threads (receiver, de-identification,
      writes) compete for the interpreter lock; a short switch interval lets the window's
      thread, which makes many small Tk calls, get it back quickly (keeps the loop < 100 ms).
    - gc.freeze() once, after the modules the window and the jobs use are imported: the objects
      alive then (modules, the DICOM dictionary, pynetdicom's tables) leave the cyclic
      collector's care, so a full collection during a download scans only what was made since,
      instead of the whole heap while holding the interpreter lock. They are still freed by
      reference counting; only cycles among them would stay until exit. pynetdicom, the
      receiver and the window's pages are imported here for that, before the jobs import them.
    - mygui.skip_debugger_refresh(): PySimpleGUI's read no longer runs inspect.stack() for its
      (disabled) debugger at every turn of the loop.
    """
    import gc
    sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_INTERVAL))
    import statistics              # noqa: F401  LoopStats
    import mygui                   # PySimpleGUI, tkinter
    mygui.skip_debugger_refresh()
    from mid import anonymizer, engine, jobs, pages, reports, retrieve, store   # noqa: F401  pydicom, openpyxl
    jobs.preload_network()         # pacs, pynetdicom (imported by the jobs only when they run)
    from mid import page_download, page_search, page_select, page_settings, querysheet   # noqa: F401
    gc.collect()
    gc.freeze()


# ------------------------------------------------------------------------------------ the window
LOOP_TIMEOUT_MS = 20           # ms; the idle period of the loop (a read returns at once on an event)


class LoopStats:
    """Gaps between event-loop iterations, to prove the window never freezes."""

    def __init__(self):
        from collections import deque
        self.gaps: deque = deque(maxlen=200_000)
        self.work: deque = deque(maxlen=200_000)    # time in our handlers
        self.reads: deque = deque(maxlen=200_000)   # time inside window.read
        self.reset()

    def tick(self, now: float) -> None:
        if self.last is not None:
            gap = now - self.last
            self.gaps.append(gap)
            if gap > self.max_gap:
                self.max_gap, self.max_gap_at = gap, now
        else:
            self.started = now
        self.last = now

    def reset(self) -> None:
        self.gaps.clear()
        self.work.clear()
        self.reads.clear()
        self.engine_events = 0           # engine events that reached the window
        self.started: float | None = None
        self.last: float | None = None
        self.max_gap = 0.0
        self.max_gap_at = 0.0            # perf_counter at the end of the largest gap
        self.slowest = (0.0, "")         # (seconds, event) of the longest handling

    def events_per_second(self) -> float:
        span = (self.last or 0.0) - (self.started or 0.0)
        return self.engine_events / span if span > 0 else 0.0

    def median(self) -> float:
        import statistics
        return statistics.median(self.gaps) if self.gaps else 0.0


class App:
    """The window and its event loop: `window.read`, then one handler per event, looked up in a
    dict, on one of the page controllers (mid/pages.py, mid/page_*.py).

    Every handler runs inside a guard: an error becomes a readable message (status line, and a
    popup when interactive), the details go to the log, and the buttons are re-derived from
    state, so nothing is ever left disabled. For tests and benchmarks, `step()` runs one
    iteration and `run_until()` runs until a condition holds."""

    def __init__(self, settings, *, project=None, sheet_path=None, demo_peer: str | None = None,
                 interactive: bool = True, opener=None, confirm=None, location=None, on_locked=None):
        import PySimpleGUI as sg
        import mygui
        from mygui import Key
        from mid import pages
        from mid.page_download import Downloads, Reports
        from mid.page_search import SearchPage
        from mid.page_select import SelectPage
        from mid.page_settings import AnonymizationPage, SettingsPage, anon_values, settings_values
        from mid.vocab import DownloadFinished, DownloadProgress, Message, SearchProgress, SeriesUpdate

        size = mygui.window_size(sg.Window.get_screen_size(), pages.saved_window_size())
        self.window = mygui.make_window(pages.main_values(settings, demo_peer), settings_values(settings),
                                        anon_values(settings), location=location, size=size)
        ctx = self.ctx = pages.Context(self.window, settings, interactive=interactive, opener=opener,
                                       confirm=confirm, on_locked=on_locked, demo_peer=demo_peer)
        p = self.pages = ctx.pages = pages.Pages(
            steps=pages.Steps(ctx), shell=pages.Shell(ctx), project=pages.ProjectPage(ctx),
            sheet=pages.SheetPage(ctx), search=SearchPage(ctx), select=SelectPage(ctx), download=Downloads(ctx),
            reports=Reports(ctx), settings=SettingsPage(ctx), anonymization=AnonymizationPage(ctx))
        self.stats = LoopStats()
        self._closed_events = (sg.WIN_CLOSED, None)
        self._timeout_event = sg.TIMEOUT_EVENT
        self._engine_event = mygui.ENGINE_EVENT
        #: events whose value is the handler's argument (a posted object, or a path a dialog would give)
        self._value_events = {mygui.ENGINE_EVENT, mygui.REPORT_LOCKED_EVENT, mygui.JOB_DONE_EVENT, Key.TOGGLE,
                              Key.LOAD_SHEET, Key.OPEN_PROJECT, Key.NEW_PROJECT, Key.LOAD_SELECTION}
        self.handlers: dict = {mygui.ENGINE_EVENT: self.on_engine_event, mygui.JOB_DONE_EVENT: ctx.finish}
        for page in (p.steps, p.shell, p.project, p.sheet, p.search, p.select, p.download, p.reports,
                     p.settings, p.anonymization):
            self.handlers |= page.handlers()
        #: the engine's events, by type (SearchFinished ends a job: JOB_DONE_EVENT; a DownloadFinished
        #: ends one run of a download, which may go on in the next transfer window)
        self.engine_handlers = {SearchProgress: p.search.on_progress, DownloadProgress: p.download.on_progress,
                                SeriesUpdate: p.download.on_series, DownloadFinished: p.download.on_run_end,
                                Message: p.download.on_message}
        self._tickers = (p.download.tick, p.select.tick, p.shell.tick)
        p.settings.show_peers()
        p.shell.notices()
        if project is not None:
            self.guard(p.project.open_or_create, project)
        if sheet_path is not None:
            self.guard(p.sheet.load, sheet_path)
        p.steps.refresh()

    @property
    def closed(self) -> bool:
        return self.ctx.closed

    def guard(self, fn, *args):
        """Run a handler; turn any error into a readable message; always re-derive the buttons."""
        from mid.pages import UserError, readable
        try:
            return fn(*args)
        except UserError as e:
            self.ctx.fail(str(e))
        except Exception as e:
            log.exception("handler %s failed", fn.__qualname__)
            self.ctx.fail(readable(e))
        finally:
            if not self.ctx.closed:
                try:
                    self.pages.steps.sync_buttons()
                except Exception:
                    log.debug("button refresh failed", exc_info=True)

    def on_engine_event(self, ev) -> None:
        handler = self.engine_handlers.get(type(ev))
        if handler is not None:
            handler(ev)

    def _tick(self) -> None:
        """Per-iteration housekeeping: throttled redraws, delayed filters, closing."""
        now = time.monotonic()
        for tick in self._tickers:
            tick(now)

    def step(self, timeout: int = LOOP_TIMEOUT_MS) -> bool:
        """Run one loop iteration; False once the window is closed."""
        ctx = self.ctx
        if ctx.closed:
            return False
        asked = time.perf_counter()
        event, values = self.window.read(timeout=timeout)
        started = time.perf_counter()
        self.stats.tick(started)
        self.stats.reads.append(started - asked)
        if event == self._engine_event:
            self.stats.engine_events += 1
        if event in self._closed_events:
            ctx.closed = True
            return False
        if isinstance(event, str) and "::" in event:          # menu items: "Label::-KEY-"
            event = event.split("::", 1)[1]
        ctx.values = values or {}
        if event != self._timeout_event:
            handler = self.handlers.get(event)
            if handler is not None:
                self.guard(handler, ctx.values.get(event) if event in self._value_events else None)
        self.guard(self._tick)
        spent = time.perf_counter() - started
        self.stats.work.append(spent)
        if spent > self.stats.slowest[0]:
            self.stats.slowest = (spent, type(ctx.values.get(event)).__name__ if event == self._engine_event
                                  else str(event))
        return not ctx.closed

    def run_until(self, condition, timeout: float = 60.0) -> bool:
        """Run the loop until condition() is true (True) or timeout seconds pass (False)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            if not self.step():
                return condition()
        return condition()

    def run(self) -> int:
        """Run until the window closes; exit code 0."""
        while self.step():
            pass
        self.shutdown()
        return ExitCode.OK

    def shutdown(self) -> None:
        from mid import pages
        self.ctx.closed = True
        try:
            root = self.window.TKroot
            pages.save_window_size((root.winfo_width(), root.winfo_height()))
        except Exception:                  # the window is gone already: nothing to remember
            log.debug("window size not saved", exc_info=True)
        try:
            self.window.close()
        except Exception:
            pass
        self.pages.project.close()


def run_window(settings, project=None, sheet_path=None, demo_peer: str | None = None,
               headless_hint: str = "the headless commands: python main.py --help") -> int:
    """Open the window on `settings` (optionally a project, a sheet, and the demo peer as
    source); returns the exit code when the window closes."""
    import tkinter
    try:
        app = App(settings, project=project, sheet_path=sheet_path, demo_peer=demo_peer)
    except tkinter.TclError as e:
        log.error("the window cannot open: %s", e)
        print(f"The window cannot open ({e}). On a computer without a screen use {headless_hint}",
              file=sys.stderr)
        return ExitCode.USAGE
    return app.run()


DEMO_PROJECT = "demo project"    # the demo's own project folder, under <storage root>/demo


def run_demo(settings, project=None, port: int = 0) -> int:
    """Start the demo PACS (registered as "DEMO PACS" while it runs), open the window on it with
    its sample sheet loaded, and stop the demo PACS when the window closes. Without --project the
    demo uses its own project, <storage root>/demo/demo project, reopened on the next run."""
    import tkinter

    from mid import demo
    from mid import settings as settingsmod
    try:                               # no screen: say so before a demo PACS is started at all
        tkinter.Tk().destroy()
    except tkinter.TclError as e:
        log.error("the window cannot open: %s", e)
        print(f"The window cannot open ({e}). On a computer without a screen run the demo in the terminal: "
              "python main.py demo --headless", file=sys.stderr)
        return ExitCode.USAGE
    with demo.running(settings.config_dir, port=port) as d:
        fresh = settingsmod.load_settings(settings.config_dir)
        if project is None:
            project = demo.demo_paths(d.storage_root)[1].parent / DEMO_PROJECT
        sheet = None if Path(project, "private").is_dir() else d.sheet_path
        return run_window(fresh, project=project, sheet_path=sheet, demo_peer=d.peer_name,
                          headless_hint="the demo in the terminal: python main.py demo --headless")


def open_window(args, config_dir: Path | None) -> int:
    """No command, `gui`, or `demo` without --headless: load the settings from config_dir
    (healing it) and run the window; for `demo`, on the demo PACS with its sample sheet."""
    from mid import logsetup
    from mid import settings as settingsmod
    logsetup.setup_app_logging(verbose=args.verbose)
    try:
        settings = settingsmod.load_settings(config_dir)
    except Exception as e:
        log.exception("settings could not be loaded")
        import PySimpleGUI as sg
        sg.popup_error(f"The settings in config/ could not be loaded: {e}\nSee the log for details.",
                       title="Medical Imaging Downloader")
        return ExitCode.USAGE
    configure_process()
    if args.command == "demo":
        return run_demo(settings, project=args.project, port=args.port)
    return run_window(settings, project=args.project, sheet_path=args.sheet_path)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    config_dir = args.config_dir.resolve() if args.config_dir is not None else None
    command = args.command or "gui"
    try:
        if command == "gui" or (command == "demo" and not args.headless):
            return open_window(args, config_dir)
        from mid import cli
        return cli.run(command, args, config_dir=config_dir)
    except KeyboardInterrupt:
        print("Cancelled.", file=sys.stderr)
        return ExitCode.CANCELLED


if __name__ == "__main__":
    sys.exit(main())
