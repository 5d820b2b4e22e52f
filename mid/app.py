"""The desktop window's event loop and its handlers.

One loop reads the window with a short timeout and dispatches each event to one small handler.
All network and disk-heavy work runs in `engine.Job` worker threads; they reach the window only
through `window.write_event_value("-ENGINE-", event)`, and no widget is touched off this thread.
Every handler runs inside a guard: an error becomes a readable message (status line, and a
popup when interactive), the details go to the log, and the buttons are re-derived from state,
so nothing is ever left disabled.

For tests and benchmarks, `App.step()` runs one iteration and `App.run_until()` runs until a
condition holds, so the whole flow can be driven through window events.
"""
from __future__ import annotations

import dataclasses
import gc
import logging
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

import PySimpleGUI as sg

import mygui
from mid import settings_tab

log = logging.getLogger("mid.app")
HERE = Path(__file__).resolve().parent.parent   # the folder of main.py
from mid.vocab import QUEUED, SELF  # noqa: E402
ENGINE_EVENT = "-ENGINE-"
REPORT_LOCKED_EVENT = "-REPORT-LOCKED-"   # a worker thread asks what to do with a locked report
LOOP_TIMEOUT_MS = 20           # ms; the idle period of the loop (a read returns at once on an event)
PROGRESS_POST_INTERVAL = 0.1   # seconds between two progress events forwarded to the window
REDRAW_INTERVAL = 0.2          # seconds between two redraws of live progress
FILTER_DELAY = 0.3             # seconds of quiet typing before a filter is applied
CLOSE_WAIT = 60.0              # seconds to wait for a cancelled job before closing anyway
GIL_SWITCH_INTERVAL = 0.0002    # seconds; CPython's default is 0.005


UserError = mygui.UserError      # a problem the user can fix; shown without a traceback


@dataclass
class LoopStats:
    """Gaps between event-loop iterations, to prove the window never freezes."""
    gaps: deque = field(default_factory=lambda: deque(maxlen=200_000))
    work: deque = field(default_factory=lambda: deque(maxlen=200_000))   # time in our handlers
    reads: deque = field(default_factory=lambda: deque(maxlen=200_000))  # time inside window.read
    engine_events: int = 0           # engine events that reached the window
    started: float | None = None
    last: float | None = None
    max_gap: float = 0.0
    max_gap_at: float = 0.0          # perf_counter at the end of the largest gap
    slowest: tuple = (0.0, "")      # (seconds, event) of the longest handling

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
        self.gaps.clear(); self.work.clear(); self.reads.clear(); self.last = None; self.max_gap = 0.0
        self.slowest = (0.0, ""); self.engine_events = 0; self.started = None

    def events_per_second(self) -> float:
        span = (self.last or 0.0) - (self.started or 0.0)
        return self.engine_events / span if span > 0 else 0.0

    def median(self) -> float:
        return statistics.median(self.gaps) if self.gaps else 0.0


@dataclass
class RunningJob:
    """A job the window waits for, and what to do when it ends."""
    kind: str                          # "search" | "download" | "echo" | ...
    job: Any                           # engine.Job
    on_done: Callable[[Any, BaseException | None], None]


@dataclass
class LockedReport:
    """A worker's question to the window: report `path` cannot be replaced; what now?

    The window thread sets `answer` (an on_locked answer for reports.write_reports: "retry",
    "rename" or a Path) and then `done`; the worker waits on `done`."""
    path: Path
    answer: Any = "rename"
    done: threading.Event = field(default_factory=threading.Event)


@dataclass
class DownloadView:
    """Live figures of the download in progress, redrawn at most every REDRAW_INTERVAL."""
    studies: dict[str, dict] = field(default_factory=dict)
    progress: Any = None
    dirty: bool = False              # progress figures changed
    studies_dirty: bool = False      # a series changed status: the study list needs a redraw
    last_draw: float = 0.0


def default_opener(path: Path) -> None:
    """Open a file or folder with the system's program, without waiting for it."""
    path = Path(path)
    if sys.platform.startswith("win"):
        os.startfile(str(path))  # noqa: S606 - the user's own folder
    elif sys.platform == "darwin":
        subprocess.Popen(["open", str(path)])
    else:
        subprocess.Popen(["xdg-open", str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class App:
    """The window plus the state behind it: settings, project, sheet, results, running job."""

    def __init__(self, settings, *, project=None, sheet_path=None, demo_peer: str | None = None,
                 interactive: bool = True, opener: Callable[[Path], None] | None = None,
                 confirm: Callable[[str], bool] | None = None, location=None,
                 on_locked: Callable[[Path], Any] | None = None):
        self.settings = settings
        # Worker threads (receiver, de-identification) compete for the GIL; a short switch
        # interval lets this thread's many small Tk calls get it back quickly (keeps the loop < 100 ms).
        sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_INTERVAL))
        self.interactive = interactive
        self.opener = opener or default_opener
        self._confirm = confirm
        self._choose_locked = on_locked    # window-thread answer for a locked report (tests); else a dialog
        self._reports_since = 0.0          # wall time the running search/download started (its report copies)
        self.project = None
        self.project_log = None
        self.sheet = None                  # querysheet.SheetResult
        self.model: mygui.ResultsModel | None = None
        self.step_index = 0
        self.reached = 0
        self.searched = False
        self.download_done = None          # engine.DownloadFinished of the last run
        self.jobs: list[RunningJob] = []
        self.dl = DownloadView()
        self.search_progress = None
        self.filter_due: float | None = None
        self.closing = False
        self.close_deadline: float | None = None
        self.closed = False
        self.messages: list[tuple[str, str]] = []   # (level, text) shown to the user, newest last
        self.stats = LoopStats()
        self._disabled: dict[str, bool] = {}       # what sync_buttons last set, per widget
        self._post_lock = threading.Lock()          # guards the two progress slots below (worker threads)
        self._latest: dict[str, Any] = {}
        self._last_post: dict[str, float] = {}
        self.demo_peer = demo_peer
        self.window = mygui.make_window(self._main_values(), settings_tab.settings_values(settings),
                                        settings_tab.anon_values(settings),
                                        location=location)
        self.settings_tab = settings_tab.SettingsTab(self)     # Settings and Anonymization tabs
        self.handlers = self._handlers()
        self.settings_tab.show_peers()
        self._notices()
        if project is not None:
            self._guard(self.open_or_create_project, project)
        if sheet_path is not None:
            self._guard(self.load_sheet, sheet_path)
        self.refresh_steps()

    # ------------------------------------------------------------------ initial widget values
    def _peer_names(self, include_self: bool) -> list[str]:
        names = [n for n in self.settings.peers if n != SELF]
        return (names + [SELF]) if include_self else names

    def _main_values(self) -> dict:
        d = self.settings.defaults
        sources = self._peer_names(False)
        source = self.demo_peer or (d.default_source if d.default_source in sources else (sources[0] if sources else ""))
        dest = d.default_destination if d.default_destination in self.settings.peers else SELF
        return dict(identifiers=list(self.settings.query_identifiers), peers=sources, source=source,
                    destination=dest, exact=bool(d.exact_descriptions), anonymize=bool(d.anonymize))

    def _notices(self) -> None:
        for n in getattr(self.settings, "notices", []) or []:
            text = f"{n.file}: {n.message}" + (f" (old file kept as {n.renamed_to})" if n.renamed_to else "")
            self.say(text, "warning")

    # ------------------------------------------------------------------ event plumbing
    def _handlers(self) -> dict[str, Callable[[dict], None]]:
        return {
            "-NEW-PROJECT-": self.on_new_project, "-OPEN-PROJECT-": self.on_open_project,
            "-LOAD-SHEET-": self.on_load_sheet, "-LOAD-SHEET-2-": self.on_load_sheet,
            "-LOAD-SELECTION-": self.on_load_selection, "-EXPORT-": self.on_export,
            "-EXIT-": self.on_close, sg.WIN_CLOSE_ATTEMPTED_EVENT: self.on_close,
            "-ABOUT-": self.on_about, "-README-": self.on_readme, "-LOGS-": self.on_logs,
            "-BACK-": self.on_back, "-NEXT-": self.on_next,
            "-QUERY-TABLE-": self.on_query_row,
            "-TEST-SOURCE-": self.on_test_source, "-SEARCH-": self.on_search, "-SEARCH-CANCEL-": self.on_cancel,
            "-TREE-+CLICK": self.on_tree_click, "-TREE-+SPACE": self.on_tree_space, "-TOGGLE-": self.on_toggle,
            "-SEL-ALL-": self.on_select_all, "-SEL-NONE-": self.on_select_none, "-SEL-INVERT-": self.on_invert,
            "-SEL-C-ALL-": self.on_cluster_all, "-SEL-C-NONE-": self.on_cluster_none,
            "-SEL-C-INVERT-": self.on_cluster_invert, "-F-CLEAR-": self.on_filter_clear,
            "-DOWNLOAD-": self.on_download, "-DL-CANCEL-": self.on_cancel,
            "-OPEN-IMAGES-": self.on_open_images, "-OPEN-REPORTS-": self.on_open_reports,
            ENGINE_EVENT: self.on_engine_event, REPORT_LOCKED_EVENT: self.on_report_locked,
        } | self.settings_tab.handlers() | {
            f"-STEPLBL-{i}-": (lambda v, i=i: self.go_step(i)) for i in range(len(mygui.STEPS))
        } | {k: self.on_filter_typed for k in ("-F-TEXT-", "-F-REGEX-", "-F-MODALITY-", "-F-SERIESNO-",
                                                "-F-DATE-FROM-", "-F-DATE-TO-")}

    def step(self, timeout: int = LOOP_TIMEOUT_MS) -> bool:
        """Run one loop iteration; False once the window is closed."""
        if self.closed:
            return False
        asked = time.perf_counter()
        event, values = self.window.read(timeout=timeout)
        started = time.perf_counter()
        self.stats.tick(started)
        self.stats.reads.append(started - asked)
        if event == ENGINE_EVENT:
            self.stats.engine_events += 1
        if event in (sg.WIN_CLOSED, None):
            self.closed = True
            return False
        if isinstance(event, str) and "::" in event:          # menu items: "Label::-KEY-"
            event = event.split("::", 1)[1]
        self.values = values or {}
        if event != sg.TIMEOUT_EVENT:
            handler = self.handlers.get(event)
            if handler is not None:
                self._guard(handler, self.values.get(event) if event in (ENGINE_EVENT, REPORT_LOCKED_EVENT,
                                                                         "-TOGGLE-",
                                                                         "-LOAD-SHEET-", "-OPEN-PROJECT-",
                                                                         "-NEW-PROJECT-", "-LOAD-SELECTION-")
                            else None)
        self._guard(self.tick)
        spent = time.perf_counter() - started
        self.stats.work.append(spent)
        if spent > self.stats.slowest[0]:
            self.stats.slowest = (spent, type(self.values.get(event)).__name__ if event == ENGINE_EVENT else str(event))
        return not self.closed

    def run_until(self, condition: Callable[[], bool], timeout: float = 60.0) -> bool:
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
        return 0

    def shutdown(self) -> None:
        if not self.closed:
            self.closed = True
        try:
            self.window.close()
        except Exception:
            pass
        if self.project_log is not None:
            from mid import logsetup
            logsetup.detach_project_log(self.project_log)
            self.project_log = None
        if self.project is not None:
            try:
                self.project.close()
            except Exception:
                log.debug("project close failed", exc_info=True)

    def post(self, ev) -> None:
        """engine on_event (runs on worker threads): the only way a job reaches the window.

        Progress events come once per instance; they are forwarded at most every
        PROGRESS_POST_INTERVAL (the last one always), since each wake-up of the window costs the
        loop a Tk round trip. The newest is kept so the end of a job can draw the final figures."""
        if self.closed:
            return
        kind = type(ev).__name__
        if kind in ("DownloadProgress", "SearchProgress"):
            with self._post_lock:
                self._latest[kind] = ev
                now = time.monotonic()
                final = getattr(ev, "instances_done", getattr(ev, "done", 0)) >= \
                    getattr(ev, "instances_total", getattr(ev, "total", 0))
                if not final and now - self._last_post.get(kind, 0.0) < PROGRESS_POST_INTERVAL:
                    return
                self._last_post[kind] = now
        self.window.write_event_value(ENGINE_EVENT, ev)

    def latest(self, kind: str):
        """The newest progress event of that kind a job reported (forwarded or not)."""
        with self._post_lock:
            return self._latest.get(kind)

    def _selected_rows(self, key: str) -> list[int]:
        """The selected rows of a table: the event's own value when a thread posted one, else the
        table's selection (the loop does not collect widget values on every read; see mygui.TABS_KEY)."""
        posted = self.values.get(key)
        if isinstance(posted, (list, tuple)):
            return list(posted)
        return list(self.window[key].SelectedRows or [])

    def _guard(self, fn: Callable, *args) -> Any:
        """Run a handler; turn any error into a readable message; always re-derive the buttons."""
        try:
            return fn(*args)
        except UserError as e:
            self.fail(str(e))
        except Exception as e:
            log.exception("handler %s failed", getattr(fn, "__name__", fn))
            self.fail(_readable(e))
        finally:
            if not self.closed:
                try:
                    self.sync_buttons()
                except Exception:
                    log.debug("button refresh failed", exc_info=True)

    # ------------------------------------------------------------------ messages
    def say(self, text: str, level: str = "info", phi: bool = False) -> None:
        """Status line message (and log; phi=True keeps it out of the application log)."""
        self.messages.append((level, text))
        log.log({"warning": logging.WARNING, "error": logging.ERROR}.get(level, logging.INFO), "%s", text,
                extra={"phi": phi})
        colour = {"error": "#b71c1c", "warning": "#8d6e00"}.get(level, "black")
        if not self.closed:
            self.window["-STATUS-"].update(text, text_color=colour)

    def fail(self, text: str) -> None:
        """An error the user must see: status line, and a popup when interactive."""
        self.say(text, "error", phi=True)
        if self.interactive and not self.closed:
            sg.popup_error(text, title=mygui.APP_TITLE, keep_on_top=True, font=mygui.FONT)

    def confirm(self, text: str) -> bool:
        if self._confirm is not None:
            return self._confirm(text)
        if not self.interactive:
            return True
        return sg.popup_yes_no(text, title=mygui.APP_TITLE, keep_on_top=True, font=mygui.FONT) == "Yes"

    def ask_path(self, kind: str, message: str, arg=None, **kw) -> Path | None:
        """A path from the event value (tests, command line) or from a dialog."""
        if isinstance(arg, (str, Path)) and str(arg):
            return Path(arg)
        if not self.interactive:
            return None
        if kind == "folder":
            got = sg.popup_get_folder(message, title=mygui.APP_TITLE, keep_on_top=True, **kw)
        else:
            got = sg.popup_get_file(message, title=mygui.APP_TITLE, keep_on_top=True, **kw)
        return Path(got) if got else None

    # ------------------------------------------------------------------ steps
    def next_key(self) -> str | None:
        """The button to highlight: the next thing to do on this page (none while a job runs)."""
        if self.busy():
            return None
        i = self.step_index
        if i == 0:
            return "-LOAD-SHEET-" if self.sheet is None else "-NEXT-"
        if i == 1:
            return "-LOAD-SHEET-2-" if self.sheet is None and self.project is None else "-NEXT-"
        if i == 2:
            return "-NEXT-" if self.searched and self.model and self.model.rows else "-SEARCH-"
        if i == 3:
            return "-NEXT-" if self.model and self.model.selected else None
        return "-OPEN-IMAGES-" if self.download_done else "-DOWNLOAD-"

    def go_step(self, i: int) -> None:
        if i > self.reached:
            raise UserError(f"Step {i + 1} ({mygui.STEPS[i]}) is not reached yet: finish "
                            f"step {self.reached + 1} ({mygui.STEPS[self.reached]}) first.")
        self.step_index = i
        self.refresh_steps()

    def reach(self, i: int, show: bool = True) -> None:
        self.reached = max(self.reached, i)
        if show:
            self.step_index = i
        self.refresh_steps()

    def refresh_steps(self) -> None:
        mygui.show_step(self.window, self.step_index, self.reached, self.next_key(), self.can_next())

    def can_next(self) -> bool:
        """Next moves among the steps reached, and from Select to Download once something is ticked."""
        return self.step_index < self.reached or (self.step_index == 3 and bool(self.model and self.model.selected))

    def on_back(self, _=None) -> None:
        if self.step_index > 0:
            self.go_step(self.step_index - 1)

    def on_next(self, _=None) -> None:
        if self.step_index == 3 and self.model is not None and self.model.selected:
            self.reach(4)
        elif self.step_index < self.reached:
            self.go_step(self.step_index + 1)

    def busy(self, kind: str | None = None) -> bool:
        """A job of that kind runs (kind None: a sheet load, search or download)."""
        return any(j.kind == kind or (kind is None and j.kind in ("sheet", "search", "download")) for j in self.jobs)

    def sync_buttons(self) -> None:
        """Enable/disable every action from the current state (never left stale by an error).

        Only widgets whose wanted state changed are touched, so this is cheap on every event."""
        working, searching, downloading, echoing = (self.busy(), self.busy("search"), self.busy("download"),
                                                    self.busy("echo"))
        wanted = {k: working for k in ("-NEW-PROJECT-", "-OPEN-PROJECT-", "-LOAD-SHEET-", "-LOAD-SHEET-2-",
                                       "-SEARCH-", "-DOWNLOAD-", "-S-SAVE-", "-A-SAVE-", "-P-SAVE-",
                                       "-P-DELETE-")}
        wanted.update({"-SEARCH-CANCEL-": not searching, "-DL-CANCEL-": not downloading, "-P-TEST-": echoing,
                       "-TEST-SOURCE-": working or echoing})
        for k, disabled in wanted.items():
            if self._disabled.get(k) != disabled:
                self.window[k].update(disabled=disabled)
                self._disabled[k] = disabled
        summary = self.download_done is not None and not working
        if self._disabled.get("summary") != summary:
            self.window["-SUMMARY-COL-"].update(visible=summary)
            self._disabled["summary"] = summary

    # ------------------------------------------------------------------ project and sheet
    def _not_busy(self) -> None:
        """Shortcuts reach handlers even while their buttons are disabled: refuse during a job."""
        if self.busy():
            raise UserError("A sheet, search or download is running; wait for it or press Cancel first.")

    def on_new_project(self, arg=None) -> None:
        self._not_busy()
        root = self.ask_path("folder", "Choose an empty folder (or a new one) for the project", arg,
                             default_path=str(self.settings.defaults.storage_root_path()))
        if root is None:
            return
        from mid import project as projectmod
        self._set_project(projectmod.Project.create(root, {"raw": not self.window["-ANON-"].get()}))
        self.say(f"Created project {root}.")

    def on_open_project(self, arg=None) -> None:
        self._not_busy()
        root = self.ask_path("folder", "Choose the project folder (the one holding images/ and private/)", arg)
        if root is not None:
            self.open_project(root)

    def open_or_create_project(self, root) -> None:
        """The command line's --project: open it when it is a project, else create it."""
        from mid import project as projectmod
        if Path(root, "private").is_dir() or not Path(root).exists() or not any(Path(root).iterdir()):
            if Path(root, "private").is_dir():
                self.open_project(root)
                return
            self._set_project(projectmod.Project.create(Path(root), {"raw": not self.window["-ANON-"].get()}))
            self.say(f"Created project {root}.")
            return
        self.open_project(root)

    def open_project(self, root) -> None:
        from mid import project as projectmod
        self._set_project(projectmod.Project.open(Path(root)))
        series = self.project.series()
        if series:
            self._load_results(series)
            self.searched = True
            self.reach(3, show=False)
        self.say(f"Opened project {self.project.root}: {len(self.project.queries())} queries, "
                 f"{len(series)} series found so far.")
        self.step_index = 3 if series else 0
        self.refresh_steps()

    def _set_project(self, proj) -> None:
        from mid import logsetup
        if self.project is not None and self.project is not proj:
            self.project.close()
        if self.project_log is not None:
            logsetup.detach_project_log(self.project_log)
        self.project = proj
        self.project_log = logsetup.attach_project_log(proj.private_dir)
        self.model = None
        self.searched = False
        self.download_done = None
        self.window["-TREE-"].update(values=sg.TreeData())
        src = proj.get_setting("source")
        if src and src in self.settings.peers:
            self.window["-SOURCE-"].update(value=src)
        raw = proj.get_setting("raw")
        if raw is not None:
            self.window["-ANON-"].update(value=not raw)
        n_q = len(proj.queries())
        self.window["-PROJECT-PATH-"].update(str(proj.root))
        self.window["-PROJECT-INFO-"].update(
            f"{n_q} queries in the project. Images go to {proj.images_dir}; key, reports and log to "
            f"{proj.private_dir} (keep private/ private).")
        self.reach(1, show=False)

    def on_load_sheet(self, arg=None) -> None:
        self._not_busy()
        path = self.ask_path("file", "Choose the query sheet (.xlsx, .xls or .csv)", arg,
                             file_types=(("Sheets", "*.xlsx *.xls *.csv"), ("All files", "*.*")))
        if path is not None:
            self.load_sheet(path)

    def load_sheet(self, path) -> None:
        """Read the sheet and store its queries in the project (created under the storage root
        when none is open) on a worker thread; _sheet_done shows the result."""
        if self.busy():
            raise UserError("A sheet, search or download is still running; wait for it or press Cancel.")
        path = Path(path)
        self.say(f"Reading {path.name}…")
        self._start("sheet", self._sheet_done, read_sheet_into_project, path, self.settings, self.project,
                    not self.window["-ANON-"].get())

    def _sheet_done(self, value, error) -> None:
        if error is not None:
            raise error if isinstance(error, UserError) else UserError(f"The sheet could not be loaded: "
                                                                        f"{_readable(error)}")
        result, proj = value
        path = Path(result.path)
        if proj is not self.project:
            self._set_project(proj)
        self.sheet = result
        self.searched = False
        self._show_sheet(result)
        n_err = len({e.row for e in result.errors})
        self.window["-SHEET-INFO-"].update(
            f"{path.name}: {len(result.queries)} usable rows, {n_err} rows with problems"
            f"{' (highlighted; select one to see why)' if n_err else ''}. Project: {self.project.root}")
        for note in result.notices:
            self.say(note, "warning", phi=True)
        self.window["-PROJECT-INFO-"].update(
            f"{len(self.project.queries())} queries in the project. Images go to {self.project.images_dir}; "
            f"key, reports and log to {self.project.private_dir} (keep private/ private).")
        if not result.queries:
            self.reach(1)
            raise UserError(f"{path.name}: no row can be used. The table shows each row's problem; fix the "
                            "sheet and load it again.")
        self.say(f"Loaded {path.name}: {len(result.queries)} queries. Next: pick the source and press Search.")
        self.reach(2, show=False)
        self.step_index = 1
        self.refresh_steps()

    def _show_sheet(self, result) -> None:
        headings, rows, reasons, error_rows = sheet_table(result, list(self.settings.query_identifiers))
        self.sheet_reasons = reasons
        mygui.show_query_table(self.window, headings, rows, error_rows)

    def on_query_row(self, _=None) -> None:
        sel = self._selected_rows("-QUERY-TABLE-")
        reasons = getattr(self, "sheet_reasons", [])
        if sel and sel[0] < len(reasons):
            self.window["-ROW-REASON-"].update(reasons[sel[0]] or "This row is fine.")

    # ------------------------------------------------------------------ search
    def _source(self) -> str:
        src = self.window["-SOURCE-"].get()
        if not src:
            raise UserError("Choose the source PACS first (Settings tab: add the PACS, then pick it here).")
        return src

    def on_test_source(self, _=None) -> None:
        self.start_echo(self._source())

    def start_echo(self, name: str) -> None:
        from mid import engine
        import pacs
        peer = engine.peer_for(self.settings, name)
        timeouts = engine.timeouts_for(self.settings)
        local = self.settings.self_peer.aet

        def done(result, error) -> None:
            if error is not None:
                self.fail(f"Test of {name} failed: {_readable(error)}")
            else:
                self.say(f"{name} answered the echo in {result * 1000:.0f} ms.")

        self.say(f"Testing {name} ({peer.aet} at {peer.host}:{peer.port})…")
        self._start("echo", done, pacs.echo, local, peer, timeouts)

    def _start(self, kind: str, on_done, fn, *args, **kwargs) -> None:
        from mid import engine
        job = engine.Job(fn, *args, **kwargs)
        self.jobs.append(RunningJob(kind, job, on_done))
        job.start()

    def on_search(self, _=None) -> None:
        if self.busy():
            raise UserError("A search or download is running; wait for it or press Cancel.")
        if self.project is None or not self.project.queries():
            raise UserError("Load a query sheet first (File > Load query sheet, Ctrl+O).")
        from mid import engine
        source = self._source()
        self.project.set_setting("source", source)
        exact = bool(self.window["-EXACT-"].get())
        self.search_progress = None
        self._reports_since = time.time()
        mygui.set_progress(self.window, "-SEARCH-BAR-", 0, 1)
        self.window["-SEARCH-STATUS-"].update(f"Searching {source}…")
        self._start("search", self._search_done, with_series(engine.search), self.settings, self.project, source,
                    exact=exact, on_event=self.post)
        self.reach(2)

    def _search_done(self, value, error) -> None:
        result, series = value if error is None else (None, None)
        if error is not None:
            self.window["-SEARCH-STATUS-"].update("Search stopped.")
            raise UserError(f"Search failed: {_readable(error)}")
        status = (f"Search {'cancelled' if result.cancelled else 'finished'}: {result.found} found, "
                  f"{result.missing} missing, {result.failed} failed.")
        self.window["-SEARCH-STATUS-"].update(status)
        self._show_search_counts(result.found, result.missing, result.failed)
        self.searched = True
        self._check_report_copies("search")
        self._load_results(series)
        if self.model.rows:
            self.say(status + " Next: tick the wanted series.")
            self.reach(3)
        else:
            self.say(status + " Nothing to choose from.", "warning")
            self.refresh_steps()

    def _show_search_counts(self, found, missing, failed) -> None:
        self.window["-FOUND-"].update(f"Found: {found}")
        self.window["-MISSING-"].update(f"Missing: {missing}")
        self.window["-FAILED-"].update(f"Failed: {failed}")

    def _load_results(self, series) -> None:
        from mid import engine
        rows = mygui.series_rows(series)
        preselected = {r.series_uid for r in rows if r.status in engine.TO_RETRIEVE}
        self.model = mygui.ResultsModel(rows, preselected)
        mygui.set_tree(self.window, self.model)

    def on_cancel(self, _=None) -> None:
        for j in self.jobs:
            if j.kind in ("search", "download"):
                j.job.cancel()
                self.say(f"Cancelling the {j.kind}… (finishing the transfers in flight)")

    # ------------------------------------------------------------------ engine events
    def on_engine_event(self, ev) -> None:
        name = type(ev).__name__
        if name == "SearchProgress":
            self.search_progress = ev
            mygui.set_progress(self.window, "-SEARCH-BAR-", ev.done, max(ev.total, 1))
            self.window["-SEARCH-STATUS-"].update(f"Query {ev.done} of {ev.total}")
            self._show_search_counts(ev.found, ev.missing, ev.failed)
        elif name == "DownloadProgress":
            self.dl.progress = ev
            self.dl.dirty = True
        elif name == "SeriesUpdate":
            info = self.dl.studies.setdefault(ev.study_number, {"description": "", "series": {}})
            info["series"][ev.series_uid] = (ev.status, ev.received, ev.expected)
            self.dl.studies_dirty = True
        elif name == "Message":
            self.say(ev.text, ev.level if ev.level in ("info", "warning", "error") else "info", phi=True)

    def tick(self) -> None:
        """Per-iteration housekeeping: finished jobs, throttled redraws, delayed filters, closing."""
        now = time.monotonic()
        for j in [j for j in self.jobs if j.job.done]:
            self.jobs.remove(j)
            self._guard(j.on_done, j.job.result, j.job.error)
        if (self.dl.dirty or self.dl.studies_dirty) and now - self.dl.last_draw >= REDRAW_INTERVAL:
            self.draw_download()
        if self.filter_due is not None and now >= self.filter_due:
            self.filter_due = None
            self.apply_filters()
        if self.closing and (not self.busy() or (self.close_deadline and now > self.close_deadline)):
            self.closed = True

    def draw_download(self, force: bool = False) -> None:
        """Redraw the download figures and, when a series changed, the per-study list."""
        self.dl.last_draw = time.monotonic()
        p = self.dl.progress
        if p is not None and (self.dl.dirty or force):
            mygui.set_progress(self.window, "-DL-BAR-", p.instances_done, max(p.instances_total, 1))
            self.window["-DL-STATUS-"].update(mygui.download_progress_text(
                p.instances_done, p.instances_total, p.bytes_done, p.rate, p.eta_seconds, p.series_done,
                p.series_total))
        self.dl.dirty = False
        if self.dl.studies_dirty or force:
            self.dl.studies_dirty = False
            mygui.show_study_table(self.window, self.dl.studies)

    # ------------------------------------------------------------------ results tree
    def _need_model(self) -> mygui.ResultsModel:
        if self.model is None:
            raise UserError("There are no results yet: load a sheet and press Search first.")
        return self.model

    def on_tree_click(self, _=None) -> None:
        if self.model is None:
            return
        key = mygui.clicked_tree_key(self.window)
        if key:
            self.toggle(key)

    def on_tree_space(self, _=None) -> None:
        key = mygui.focused_tree_key(self.window)
        if key and self.model is not None:
            self.toggle(key)

    def on_toggle(self, key) -> None:
        self.toggle(str(key))

    def toggle(self, key: str) -> None:
        model = self._need_model()
        changed = model.toggle(key)
        mygui.refresh_nodes(self.window, model, changed)
        self.refresh_steps()

    def _bulk(self, fn: str, cluster: bool) -> None:
        model = self._need_model()
        scope = None
        if cluster:
            key = mygui.focused_tree_key(self.window)
            if not key:
                raise UserError("Click a row of the cluster first, then press its All/None/Invert.")
            scope = model.cluster_of(key)
        getattr(model, fn)(scope)
        mygui.refresh_all_nodes(self.window, model)
        self.refresh_steps()

    def on_select_all(self, _=None): self._bulk("select_all", False)
    def on_select_none(self, _=None): self._bulk("select_none", False)
    def on_invert(self, _=None): self._bulk("invert", False)
    def on_cluster_all(self, _=None): self._bulk("select_all", True)
    def on_cluster_none(self, _=None): self._bulk("select_none", True)
    def on_cluster_invert(self, _=None): self._bulk("invert", True)

    def on_filter_typed(self, _=None) -> None:
        self.filter_due = time.monotonic() + FILTER_DELAY

    def on_filter_clear(self, _=None) -> None:
        for k in ("-F-TEXT-", "-F-SERIESNO-", "-F-DATE-FROM-", "-F-DATE-TO-"):
            self.window[k].update("")
        self.window["-F-REGEX-"].update(False)
        self.window["-F-MODALITY-"].update("All")
        self.filter_due = None
        if self.model is not None:
            self.model.set_filters(mygui.Filters())
            mygui.set_tree(self.window, self.model)
            self.say(f"Filter cleared: all {len(self.model.rows)} series shown.")

    def current_filters(self) -> mygui.Filters:
        w = self.window
        mod = w["-F-MODALITY-"].get()
        return mygui.Filters(text=w["-F-TEXT-"].get(), regex=bool(w["-F-REGEX-"].get()),
                             modality="" if mod in ("", "All") else mod, series_numbers=w["-F-SERIESNO-"].get(),
                             date_from=w["-F-DATE-FROM-"].get(), date_to=w["-F-DATE-TO-"].get())

    def apply_filters(self) -> None:
        if self.model is None:
            return
        try:
            self.model.set_filters(self.current_filters())
        except mygui.FilterError as e:
            self.say(str(e), "error")
            return
        mygui.set_tree(self.window, self.model)
        shown = len(self.model.visible_series())
        self.say(f"Filter shows {shown} of {len(self.model.rows)} series.")

    # ------------------------------------------------------------------ download
    def on_download(self, _=None) -> None:
        if self.busy():
            raise UserError("A search or download is running; wait for it or press Cancel.")
        model = self._need_model()
        if not model.selected:
            raise UserError("Nothing is ticked: tick the wanted series in step 4 (Select), then press Download.")
        from mid import engine
        source = self.project.get_setting("source") or self._source()
        dest = self.window["-DEST-"].get() or SELF
        anonymize = bool(self.window["-ANON-"].get())
        self.project.select(set(model.selected))
        # Objects alive now (modules, the DICOM dictionary, the window, the results) leave the cyclic
        # collector's care: a full collection during the download scans the whole heap while holding
        # the interpreter lock, stopping this loop too (50-90 ms measured with 2,000 instances).
        # Freed by reference counting as before; only cycles among them would stay until exit.
        gc.freeze()
        self.dl = DownloadView()
        with self._post_lock:
            self._latest.pop("DownloadProgress", None)
        for r in (model.by_uid[u] for u in model.selected):
            info = self.dl.studies.setdefault(r.study_number, {"description": r.study_description, "series": {}})
            info["series"][r.series_uid] = (QUEUED, 0, r.instances)
        self.download_done = None
        self._reports_since = time.time()
        mygui.show_study_table(self.window, self.dl.studies)
        mygui.set_progress(self.window, "-DL-BAR-", 0, 1)
        self.window["-DL-STATUS-"].update(f"Starting: {len(model.selected)} series from {source} to {dest}…")
        self.say(f"Downloading {len(model.selected)} series from {source}"
                 f"{', de-identifying every image' if anonymize else ' without de-identification'}…")
        self._start("download", self._download_done, with_series(engine.download), self.settings, self.project,
                    source, destination=dest, anonymize=anonymize, on_event=self.post)
        self.reach(4)

    def _download_done(self, value, error) -> None:
        result, series = value if error is None else (None, None)
        self.dl.progress = self.latest("DownloadProgress") or self.dl.progress
        self.draw_download(force=True)
        if error is not None:
            self._write_reports_fallback()
            self.window["-DL-STATUS-"].update("Download stopped.")
            self.download_done = None
            raise UserError(f"Download failed: {_readable(error)}")
        self.download_done = result
        self._check_report_copies("all")
        self.window["-SUMMARY-"].update(summary_text(result, self.project))
        for s in series:
            for info in self.dl.studies.values():
                if s.series_uid in info["series"]:
                    info["series"][s.series_uid] = (s.status, s.received, s.expected)
        mygui.show_study_table(self.window, self.dl.studies)
        if self.model is not None:
            self._load_results(series)
        level = "error" if result.error else "warning" if result.cancelled else "info"
        self.say(result.error or ("Download cancelled; the reports are written." if result.cancelled
                                  else "Download finished; the reports are written."), level)
        self.refresh_steps()

    def _write_reports_fallback(self) -> None:
        """After a failed download job: write the reports on a worker thread."""
        from mid import reports

        def done(paths, error) -> None:
            if error is not None:
                self.say(f"The reports could not be written: {_readable(error)}", "error")
            else:
                self.say(f"Wrote {len(paths)} report workbooks to {self.project.private_dir}.")
        self._start("reports", done, reports.write_reports, self.project, self.settings,
                    on_locked=self.report_locked)

    # ------------------------------------------------------------------ locked report workbooks
    def report_locked(self, path) -> Any:
        """reports.write_reports on_locked hook, called on a worker thread: ask the window thread
        (REPORT_LOCKED_EVENT) and wait for its answer. With no window left to ask, the report is
        written as "name (1).xlsx": a report is never lost."""
        path = Path(path)
        if threading.current_thread() is threading.main_thread():
            return self.choose_locked(path)
        if self.closed:
            return "rename"
        ask = LockedReport(path)
        self.window.write_event_value(REPORT_LOCKED_EVENT, ask)
        while not ask.done.wait(0.2):
            if self.closed:
                return "rename"
        return ask.answer

    def on_report_locked(self, ask: LockedReport) -> None:
        try:
            ask.answer = self.choose_locked(ask.path)
        finally:
            ask.done.set()

    def choose_locked(self, path: Path) -> Any:
        """Window thread: Retry, Save as (a path) or the "(1)" name, from the user or the test hook."""
        if self._choose_locked is not None:
            answer = self._choose_locked(path)
        elif self.interactive and not self.closed:
            answer = mygui.ask_locked_report(path)
        else:
            answer = "rename"
        if answer not in ("retry", "rename") and not isinstance(answer, (str, os.PathLike)):
            answer = "rename"                   # nothing chosen: keep the report under the "(1)" name
        what = ("trying again" if answer == "retry" else
                f"writing it as {path.stem} (1){path.suffix}" if answer == "rename" else f"saving it as {answer}")
        self.say(f"Report {path.name} is open in another program and cannot be replaced; {what}.", "warning",
                 phi=True)
        return answer

    def _check_report_copies(self, which: str) -> None:
        """The engine writes its reports without asking: a locked workbook is written as
        "name (1).xlsx". When that happened in the job that just ended, write the reports again
        through report_locked, so the user chooses Retry / Save as / keep the "(1)" name; the
        engine's copies are removed once their content is written where the user chose."""
        if self.project is None or self.closing or self.closed:
            return
        copies = report_copies(self.project, self._reports_since)
        if not copies:
            return
        from mid import reports
        project = self.project
        self.say(f"{', '.join(p.name for p in copies)}: the report could not be replaced (open in another "
                 "program?) and was written under that name; choose what to do.", "warning", phi=True)

        def done(paths, error) -> None:
            if error is not None:
                raise UserError(f"The reports could not be rewritten: {_readable(error)}. The copies "
                                f"{', '.join(p.name for p in copies)} are kept.")
            kept = {Path(p) for p in paths}
            for c in copies:
                if c not in kept:
                    try:
                        c.unlink()
                    except OSError:
                        log.warning("could not remove the report copy %s", c, exc_info=True)
            self.say(f"Wrote {len(paths)} report workbooks: {', '.join(Path(p).name for p in paths)}.", phi=True)
        self._start("reports", done, reports.write_reports, project, self.settings, which,
                    on_locked=self.report_locked)

    def on_open_images(self, _=None) -> None:
        if self.project is None:
            raise UserError("No project is open.")
        self.opener(self.project.images_dir)

    def on_open_reports(self, _=None) -> None:
        if self.project is None:
            raise UserError("No project is open.")
        self.opener(self.project.private_dir)

    # ------------------------------------------------------------------ menu
    def on_load_selection(self, arg=None) -> None:
        self._not_busy()
        model = self._need_model()
        path = self.ask_path("file", "Choose the edited _1_SEARCH_RESULTS workbook (Download column Y/N)", arg,
                             file_types=(("Excel", "*.xlsx"),))
        if path is None:
            return
        from mid import reports

        def done(chosen, error) -> None:
            if error is not None:
                raise UserError(str(error) if isinstance(error, reports.ReportError)
                                else f"{Path(path).name} could not be read: {_readable(error)}")
            known = chosen & set(model.by_uid)
            model.selected = set(known)
            mygui.set_tree(self.window, model)
            skipped = len(chosen) - len(known)
            self.say(f"Selection loaded from {Path(path).name}: {len(known)} series ticked"
                     + (f"; {skipped} not in this project were skipped." if skipped else "."))
            self.reach(3)
        self._start("selection", done, reports.read_selection, path)

    def on_export(self, _=None) -> None:
        if self.project is None:
            raise UserError("No project is open: load a sheet or open a project first.")
        if self.busy("reports"):
            raise UserError("The reports are being written; wait a moment.")
        from mid import reports
        project = self.project

        def done(paths, error) -> None:
            if error is not None:
                raise UserError(f"The reports could not be written: {_readable(error)}")
            self.say(f"Wrote {len(paths)} report workbooks to {project.private_dir}.")
        self.say("Writing the report workbooks…")
        self._start("reports", done, reports.write_reports, project, self.settings, on_locked=self.report_locked)

    def on_about(self, _=None) -> None:
        text = about_text()
        self.say(text.replace("\n", "; "))
        if self.interactive:
            sg.popup(text, title=f"About {mygui.APP_TITLE}", font=mygui.FONT, keep_on_top=True)

    def on_readme(self, _=None) -> None:
        self.opener(HERE / "README.md")

    def on_logs(self, _=None) -> None:
        folder = log_folder()
        folder.mkdir(parents=True, exist_ok=True)
        self.opener(folder)

    def on_close(self, _=None) -> None:
        if self.closing:
            self.say("Closing: waiting for the transfers in flight to stop…")
            return
        if self.busy("download") or self.busy("search"):
            kind = "download" if self.busy("download") else "search"
            if not self.confirm(f"A {kind} is running. Cancel it, write the reports and exit?"):
                return
            self.closing = True
            self.close_deadline = time.monotonic() + CLOSE_WAIT
            self.on_cancel()
            self.say(f"Cancelling the {kind}, then writing the reports and closing…")
            return
        self.closed = True

# ---------------------------------------------------------------------------------------------
# Pure helpers (no window)

_readable = mygui.readable


def sheet_table(result, identifiers: list[str]) -> tuple[list[str], list[list[str]], list[str], set[int]]:
    """The query table: headings, rows (one per sheet row, in sheet order), the problem text per
    row, and the indexes of rows with problems."""
    headings = ["Row", "Query"] + identifiers + ["Problem"]
    by_row: dict[int, dict] = {}
    for q in result.queries:
        by_row[q.row] = {"query": q.query_id, "values": {k: "; ".join(v) for k, v in q.values.items()}, "errors": []}
    for e in result.errors:
        entry = by_row.setdefault(e.row, {"query": "", "values": {}, "errors": []})
        entry["errors"].append(e)
        if e.column in identifiers and not entry["values"].get(e.column):
            entry["values"][e.column] = str(e.value)
    rows, reasons, error_rows = [], [], set()
    for i, row in enumerate(sorted(by_row)):
        entry = by_row[row]
        problem = " | ".join(f"{e.column or 'row'}: {e.message}" for e in entry["errors"])
        if entry["errors"]:
            error_rows.add(i)
        rows.append([str(row), entry["query"]] + [entry["values"].get(k, "") for k in identifiers] + [problem])
        reasons.append(f"Row {row}: " + "\n".join(
            f"{e.column or 'row'} = '{e.value}': {e.message}" for e in entry["errors"]) if entry["errors"] else "")
    return headings, rows, reasons, error_rows


def summary_text(result, project=None) -> str:
    counts = ", ".join(f"{n} {s}" for s, n in sorted(result.counts.items(), key=lambda kv: -kv[1]) if n)
    head = "Cancelled" if result.cancelled else "Stopped by an error" if result.error else "Finished"
    lines = [f"{head}: {counts or 'nothing was downloaded'}."]
    if result.error:
        lines.append(result.error)
    if result.reports:
        lines.append(f"{len(result.reports)} report workbooks in {Path(result.reports[0]).parent}.")
    return "\n".join(lines)


def report_copies(project, since: float) -> list[Path]:
    """Report workbooks written since `since` (wall time) under a fallback name "<report> (n).xlsx"."""
    import re
    pattern = re.compile(re.escape(project.name) + r"_.* \((\d+)\)\.xlsx$")
    out = []
    for p in sorted(project.private_dir.glob("* (*).xlsx")):
        try:
            if pattern.match(p.name) and p.stat().st_mtime >= since - 1:
                out.append(p)
        except OSError:
            continue
    return out


def read_sheet_into_project(path: Path, settings, proj, raw: bool):
    """Worker-thread part of loading a sheet: read it, create the project under the storage root
    when none is open, store the queries and row errors. Returns (SheetResult, Project)."""
    from mid import project as projectmod
    from mid import querysheet
    try:
        result = querysheet.load_sheet(path, settings)
    except querysheet.SheetError as e:
        raise UserError(str(e)) from None
    if proj is None:
        root = projectmod.Project.default_root(settings.defaults.storage_root_path(), path)
        proj = projectmod.Project.create(root, {"raw": raw})
    proj.add_queries(result.queries, result.errors)
    return result, proj


def with_series(fn: Callable) -> Callable:
    """An engine job that also reads the project's series afterwards, on the same worker thread,
    so the window gets (result, series) without touching the database itself."""
    def job(settings, project, *args, **kwargs):
        result = fn(settings, project, *args, **kwargs)
        return result, project.series()
    job.__name__ = getattr(fn, "__name__", "job")
    return job


def about_text() -> str:
    lines = [mygui.APP_TITLE, f"Python {platform.python_version()} on {platform.system()}",
             f"Tk {sg.tclversion_detailed}"]
    for dist in ("PySimpleGUI", "pydicom", "pynetdicom", "pandas", "openpyxl", "xlrd"):
        try:
            lines.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            lines.append(f"{dist} not installed")
    return "\n".join(lines)


def log_folder() -> Path:
    """The application log folder (no PHI)."""
    from mid import logsetup
    return logsetup.app_log_dir()


def _setup_logging(verbose: bool = False) -> None:
    from mid import logsetup
    logsetup.setup_app_logging(verbose=verbose)


def run(settings, project=None, sheet_path=None, demo_peer: str | None = None) -> int:
    """Open the window on `settings` (optionally a project, a sheet, and the demo peer as source);
    returns the exit code when the window closes. cli.py calls this for `demo` after starting the
    demo PACS."""
    try:
        app = App(settings, project=project, sheet_path=sheet_path, demo_peer=demo_peer)
    except sg.tk.TclError as e:
        log.error("the window cannot open: %s", e)
        print(f"The window cannot open ({e}). On a computer without a screen use the headless commands: "
              "python main.py --help", file=sys.stderr)
        return 2
    return app.run()


def main(args=None) -> int:
    """Entry from main.py (no command, `gui`, or `demo` without --headless): load the settings
    (healing config/) and run the window; for `demo`, on the demo PACS with its sample sheet."""
    from mid import settings as settingsmod
    _setup_logging(bool(getattr(args, "verbose", False)))
    try:
        settings = settingsmod.load_settings()
    except Exception as e:
        log.exception("settings could not be loaded")
        sg.popup_error(f"The settings in config/ could not be loaded: {e}\nSee the log for details.",
                       title=mygui.APP_TITLE)
        return 2
    project = getattr(args, "project", None)
    if getattr(args, "command", None) == "demo":
        return run_demo(settings, project=project, port=int(getattr(args, "port", 0) or 0))
    return run(settings, project=project, sheet_path=getattr(args, "sheet_path", None))


def run_demo(settings, project=None, port: int = 0) -> int:
    """Start the demo PACS (registered as "DEMO PACS"), open the window on it with its sample
    sheet loaded, and stop the demo PACS when the window closes."""
    from mid import demo
    from mid import settings as settingsmod
    with demo.running(settings.config_dir, port=port) as d:
        fresh = settingsmod.load_settings(settings.config_dir)
        sheet = None if project is not None and Path(project, "private").is_dir() else d.sheet_path
        return run(fresh, project=project, sheet_path=sheet, demo_peer=d.peer_name)
