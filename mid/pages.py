"""What the window's page controllers share, and the small pages.

The event loop lives in main.py: it reads the window and dispatches each event to a handler of
one page controller. The controllers are small classes, one per page or tab (Project, Sheet,
Search, Select, Download, Settings, Anonymization) plus the step bar (`Steps`), the menu and
closing (`Shell`) and the report workbooks (`page_download.Reports`). They share one
`Context`: the window, the settings, the open project, the running jobs and `post`, the
engine's on_event. A controller reaches another only through its public methods, found on
`ctx.pages`.

Worker threads reach the window only through `window.write_event_value`: engine events
(mygui.ENGINE_EVENT), a locked report's question (mygui.REPORT_LOCKED_EVENT) and the end of
every job (mygui.JOB_DONE_EVENT, see `Context.start`). No widget is touched off the loop's thread.
Errors the user can fix are raised as UserError; the loop's guard shows them.
"""
from __future__ import annotations

import inspect
import json
import logging
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import PySimpleGUI as sg

import mygui
from mygui import Key
from mid.vocab import SELF, DownloadFinished, DownloadProgress, Message, SearchProgress

if TYPE_CHECKING:                       # for annotations only; imported lazily where used
    from mid.page_download import Downloads, Reports
    from mid.page_search import SearchPage
    from mid.page_select import SelectPage
    from mid.page_settings import AnonymizationPage, SettingsPage
    from mid.project import Project
    from mid.settings import Settings

log = logging.getLogger("mid.gui")
HERE = Path(__file__).resolve().parent.parent   # the folder of main.py
PROGRESS_POST_INTERVAL = 0.1   # seconds between two progress events forwarded to the window
BUSY_KINDS = ("sheet", "search", "download")   # the jobs that lock the flow

UserError = mygui.UserError      # a problem the user can fix; shown without a traceback
readable = mygui.readable


# --------------------------------------------------------------------------------------- jobs
@dataclass(eq=False)
class RunningJob:
    """A job the window waits for, and what to do when it ends."""
    kind: str                          # "sheet" | "search" | "download" | "echo" | "reports" | ...
    job: Any                           # engine.Job
    on_done: Callable[[Any, BaseException | None], None]


@dataclass(frozen=True, eq=False)
class JobDone:
    """The value of mygui.JOB_DONE_EVENT: a job returned `value` or raised `error`."""
    running: RunningJob
    value: Any
    error: BaseException | None


def _takes_cancel(fn: Callable) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return "cancel" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


@dataclass
class LockedReport:
    """A worker's question to the window: report `path` cannot be replaced; what now?

    The window thread sets `answer` (an on_locked answer for reports.write_reports: "retry",
    "rename" or a Path) and then `done`; the worker waits on `done`."""
    path: Path
    answer: Any = "rename"
    done: threading.Event = field(default_factory=threading.Event)


# ------------------------------------------------------------------------------------ context
@dataclass
class Pages:
    """Every controller of the window, so one can call another's public methods."""
    steps: "Steps"
    shell: "Shell"
    project: "ProjectPage"
    sheet: "SheetPage"
    search: "SearchPage"
    select: "SelectPage"
    download: "Downloads"
    reports: "Reports"
    settings: "SettingsPage"
    anonymization: "AnonymizationPage"


class Context:
    """What the page controllers share: the window, the settings, the open project, the
    running jobs, the messages shown, and `post`, the engine's on_event."""

    def __init__(self, window: sg.Window, settings: "Settings", *, interactive: bool = True,
                 opener: Callable[[Path], None] | None = None, confirm: Callable[[str], bool] | None = None,
                 on_locked: Callable[[Path], Any] | None = None, demo_peer: str | None = None):
        self.window = window
        self.settings = settings
        self.project: "Project | None" = None
        self.interactive = interactive
        self.opener = opener or default_opener
        self.confirm_hook = confirm
        self.locked_hook = on_locked       # window-thread answer for a locked report (tests); else a dialog
        self.choose_hook: Callable[[str, Any], str | None] | None = None   # answers ctx.choose (tests)
        self.demo_peer = demo_peer
        self.jobs: list[RunningJob] = []
        self.messages: list[tuple[str, str]] = []   # (level, text) shown to the user, newest last
        self.values: dict = {}             # the values of the last window read
        self.closing = False               # closing once the running job has stopped
        self.closed = False
        self.pages: Pages | None = None    # filled by main.App once every controller is built
        self._post_lock = threading.Lock()  # guards the two progress slots below (worker threads)
        self._latest: dict[type, Any] = {}
        self._last_post: dict[type, float] = {}
        self._posted: dict[type, Any] = {}     # the newest progress event forwarded, per class

    # -- worker threads -> window ------------------------------------------------------------
    def post(self, ev) -> None:
        """engine on_event (runs on worker threads): the only way a job's events reach the window.

        Progress events come once per instance; they are forwarded at most every
        PROGRESS_POST_INTERVAL (the last one always), since each wake-up of the window costs the
        loop a Tk round trip. The newest is kept so the end of a job can draw the final figures.
        At the end of a download run (DownloadFinished) the figures it stopped at are forwarded
        first, and the next run's first figures are forwarded at once (a download goes on from
        one transfer window to the next in runs, each counting the series left to it)."""
        if self.closed:
            return
        if isinstance(ev, (DownloadProgress, SearchProgress)):
            kind = type(ev)
            done, total = ((ev.instances_done, ev.instances_total) if isinstance(ev, DownloadProgress)
                           else (ev.done, ev.total))
            with self._post_lock:
                self._latest[kind] = ev
                now = time.monotonic()
                if done < total and now - self._last_post.get(kind, 0.0) < PROGRESS_POST_INTERVAL:
                    return
                self._last_post[kind] = now
                self._posted[kind] = ev
        elif isinstance(ev, DownloadFinished):
            with self._post_lock:
                held = self._latest.get(DownloadProgress)
                if held is not None and held is not self._posted.get(DownloadProgress):
                    self._posted[DownloadProgress] = held
                    self.window.write_event_value(mygui.ENGINE_EVENT, held)
                self._last_post.pop(DownloadProgress, None)
        self.window.write_event_value(mygui.ENGINE_EVENT, ev)

    def latest(self, kind: type):
        """The newest progress event of that class a job reported (forwarded or not)."""
        with self._post_lock:
            return self._latest.get(kind)

    def forget_latest(self, kind: type) -> None:
        with self._post_lock:
            self._latest.pop(kind, None)
            self._posted.pop(kind, None)

    def _notify(self, key: str, value) -> None:
        """write_event_value from a worker thread, unless the window is gone already."""
        if self.closed:
            return
        try:
            self.window.write_event_value(key, value)
        except Exception:                 # the window closed in between: nobody is waiting
            log.debug("window event %s not delivered", key, exc_info=True)

    # -- jobs --------------------------------------------------------------------------------
    def start(self, kind: str, on_done: Callable[[Any, BaseException | None], None], fn: Callable,
              *args, **kwargs) -> RunningJob:
        """Run fn(*args, **kwargs) on an engine.Job; when it returns or raises, the window gets
        mygui.JOB_DONE_EVENT with a JobDone, and `finish` calls on_done(value, error) on the
        loop's thread. `cancel` reaches fn when it takes one."""
        from mid import engine
        cancel = threading.Event()
        running: RunningJob

        def call(cancel=cancel):
            try:
                value = fn(*args, **kwargs, cancel=cancel) if _takes_cancel(fn) else fn(*args, **kwargs)
            except BaseException as e:
                self._notify(mygui.JOB_DONE_EVENT, JobDone(running, None, e))
                raise                     # engine.Job logs it and keeps it as .error
            self._notify(mygui.JOB_DONE_EVENT, JobDone(running, value, None))
            return value
        call.__name__ = fn.__name__
        running = RunningJob(kind, engine.Job(call, cancel=cancel), on_done)
        self.jobs.append(running)
        running.job.start()
        return running

    def finish(self, done: JobDone) -> None:
        """mygui.JOB_DONE_EVENT: the job leaves the running list, then its on_done runs."""
        if done.running in self.jobs:
            self.jobs.remove(done.running)
        done.running.on_done(done.value, done.error)

    def busy(self, kind: str | None = None) -> bool:
        """A job of that kind runs (kind None: a sheet load, search or download)."""
        return any(j.kind == kind or (kind is None and j.kind in BUSY_KINDS) for j in self.jobs)

    def not_busy(self) -> None:
        """Shortcuts reach handlers even while their buttons are disabled: refuse during a job."""
        if self.busy():
            raise UserError("A sheet, search or download is running; wait for it or press Cancel first.")

    def cancel_running(self, _=None) -> None:
        """The Cancel buttons: stop the search or download (the transfers in flight finish)."""
        for j in self.jobs:
            if j.kind in ("search", "download"):
                j.job.cancel()
                self.say(f"Cancelling the {j.kind}… (finishing the transfers in flight)")

    # -- talking to the user -----------------------------------------------------------------
    def say(self, text: str, level: str = "info", phi: bool = False) -> None:
        """Status line message (and log; phi=True keeps it out of the application log)."""
        self.messages.append((level, text))
        log.log({"warning": logging.WARNING, "error": logging.ERROR}.get(level, logging.INFO), "%s", text,
                extra={"phi": phi})
        colour = {"error": "#b71c1c", "warning": "#8d6e00"}.get(level, "black")
        if not self.closed:
            self.window[Key.STATUS].update(text, text_color=colour)

    def on_message(self, ev: Message) -> None:
        """An engine Message: on the status line (it may name patients: kept out of the app log)."""
        self.say(ev.text, ev.level if ev.level in ("info", "warning", "error") else "info", phi=True)

    def fail(self, text: str) -> None:
        """An error the user must see: status line, and a popup when interactive."""
        self.say(text, "error", phi=True)
        if self.interactive and not self.closed:
            mygui.show_message(text, error=True)

    def open_path(self, path: Path) -> None:
        """Open a file or folder with the system's program; where there is none (Linux without
        xdg-open), say where it is, and show its path with a Copy button."""
        try:
            self.opener(Path(path))
        except NoOpener as e:
            self.say(f"No program to open folders is installed ({e}); the folder is {path}", "warning", phi=True)
            if self.interactive and not self.closed:
                mygui.show_path(f"No program to open folders was found ({e}). The folder is:", path)

    def confirm(self, text: str) -> bool:
        if self.confirm_hook is not None:
            return self.confirm_hook(text)
        if not self.interactive:
            return True
        return sg.popup_yes_no(text, title=mygui.APP_TITLE, keep_on_top=True, font=mygui.FONT) == "Yes"

    def choose(self, text: str, choices) -> str | None:
        """One of the answers of choices ((answer, button text), ...), or None (cancelled). The
        choose_hook answers in tests; without a screen to ask, the first answer is taken."""
        if self.choose_hook is not None:
            return self.choose_hook(text, choices)
        if not self.interactive:
            return choices[0][0]
        return mygui.ask_choice(text, choices)

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

    def selected_rows(self, key: str) -> list[int]:
        """The selected rows of a table: the event's own value when a thread posted one, else the
        table's selection (the loop does not collect widget values on every read; see mygui.TABS_KEY)."""
        posted = self.values.get(key)
        if isinstance(posted, (list, tuple)):
            return list(posted)
        return list(self.window[key].SelectedRows or [])

    def peer_names(self, include_self: bool) -> list[str]:
        names = [n for n in self.settings.peers if n != SELF]
        return (names + [SELF]) if include_self else names

    def need_project(self) -> "Project":
        if self.project is None:
            raise UserError("No project is open.")
        return self.project


# --------------------------------------------------------------------------------- step bar
class Steps:
    """The step bar, Back/Next, the highlighted next action and the enabled/disabled state of
    every action, all derived from the pages' state."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.index = 0                  # the page shown
        self.reached = 0                # the furthest page the user may go to
        self._disabled: dict[str, bool] = {}       # what sync_buttons last set, per widget

    def handlers(self) -> dict:
        return {Key.BACK: self.on_back, Key.NEXT: self.on_next} | {
            key: (lambda _v, i=i: self.go(i)) for i, key in enumerate(Key.STEP_LABELS)}

    def next_key(self) -> str | None:
        """The button to highlight: the next thing to do on this page (none while a job runs)."""
        ctx, p = self.ctx, self.ctx.pages
        if ctx.busy():
            return None
        model = p.select.model
        i = self.index
        if i == 0:
            return Key.LOAD_SHEET if p.sheet.sheet is None else Key.NEXT
        if i == 1:
            return Key.LOAD_SHEET_2 if p.sheet.sheet is None and ctx.project is None else Key.NEXT
        if i == 2:
            return Key.NEXT if p.search.searched and model and model.rows else Key.SEARCH
        if i == 3:
            return Key.NEXT if model and model.selected else None
        return Key.OPEN_IMAGES if p.download.result else Key.DOWNLOAD

    def go(self, i: int) -> None:
        if i > self.reached:
            raise UserError(f"Step {i + 1} ({mygui.STEPS[i]}) is not reached yet: finish "
                            f"step {self.reached + 1} ({mygui.STEPS[self.reached]}) first.")
        self.index = i
        self.refresh()

    def reach(self, i: int, show: bool = True) -> None:
        self.reached = max(self.reached, i)
        if show:
            self.index = i
        self.refresh()

    def show(self, i: int) -> None:
        """Show page i (reached already) without checks."""
        self.index = i
        self.refresh()

    def refresh(self) -> None:
        mygui.show_step(self.ctx.window, self.index, self.reached, self.next_key(), self.can_next())

    def can_next(self) -> bool:
        """Next moves among the steps reached, and from Select to Download once something is ticked."""
        model = self.ctx.pages.select.model
        return self.index < self.reached or (self.index == 3 and bool(model and model.selected))

    def on_back(self, _=None) -> None:
        if self.index > 0:
            self.go(self.index - 1)

    def on_next(self, _=None) -> None:
        model = self.ctx.pages.select.model
        if self.index == 3 and model is not None and model.selected:
            self.reach(4)
        elif self.index < self.reached:
            self.go(self.index + 1)

    def sync_buttons(self) -> None:
        """Enable/disable every action from the current state (never left stale by an error).

        Only widgets whose wanted state changed are touched, so this is cheap on every event."""
        ctx = self.ctx
        working, searching, downloading, echoing = (ctx.busy(), ctx.busy("search"), ctx.busy("download"),
                                                    ctx.busy("echo"))
        wanted = {k: working for k in (Key.NEW_PROJECT, Key.OPEN_PROJECT, Key.LOAD_SHEET, Key.LOAD_SHEET_2,
                                       Key.SEARCH, Key.DOWNLOAD, Key.S_SAVE, Key.A_SAVE, Key.P_SAVE,
                                       Key.P_DELETE)}
        wanted.update({Key.SEARCH_CANCEL: not searching, Key.DL_CANCEL: not downloading, Key.P_TEST: echoing,
                       Key.TEST_SOURCE: working or echoing})
        for k, disabled in wanted.items():
            if self._disabled.get(k) != disabled:
                ctx.window[k].update(disabled=disabled)
                self._disabled[k] = disabled
        summary = ctx.pages.download.result is not None and not working
        if self._disabled.get(Key.SUMMARY_COL) != summary:
            ctx.window[Key.SUMMARY_COL].update(visible=summary)
            self._disabled[Key.SUMMARY_COL] = summary


# ------------------------------------------------------------------------ menu and closing
class Shell:
    """Help menu items and closing the window (asking first while a job runs)."""
    CLOSE_WAIT = 60.0              # seconds to wait for a cancelled job before closing anyway

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.close_deadline: float | None = None
        self.asking: str | None = None     # the kind of job the close question on the status line is about

    def handlers(self) -> dict:
        return {Key.EXIT: self.on_close, sg.WIN_CLOSE_ATTEMPTED_EVENT: self.on_close, Key.ABOUT: self.on_about,
                Key.README: self.on_readme, Key.LOGS: self.on_logs, Key.ASK_YES: lambda _v: self.on_ask(True),
                Key.ASK_NO: lambda _v: self.on_ask(False)}

    def notices(self) -> None:
        """What loading config/ healed or renamed, on the status line."""
        for n in self.ctx.settings.notices:
            text = f"{n.file}: {n.message}" + (f" (old file kept as {n.renamed_to})" if n.renamed_to else "")
            self.ctx.say(text, "warning")

    def on_about(self, _=None) -> None:
        text = about_text()
        self.ctx.say(text.replace("\n", "; "))
        if self.ctx.interactive:
            mygui.show_message(text, title=f"About {mygui.APP_TITLE}")

    def on_readme(self, _=None) -> None:
        self.ctx.open_path(HERE / "README.md")

    def on_logs(self, _=None) -> None:
        folder = log_folder()
        folder.mkdir(parents=True, exist_ok=True)
        self.ctx.open_path(folder)

    def on_close(self, _=None) -> None:
        """Exit or the window's close box. While a search or download runs, the user is asked
        first: in the window itself (the question and its buttons on the status line), so the
        loop keeps turning and the progress keeps moving while the question waits; a test's
        confirm hook answers at once instead."""
        ctx = self.ctx
        if ctx.closing:
            ctx.say("Closing: waiting for the transfers in flight to stop…")
            return
        if ctx.busy("download") or ctx.busy("search"):
            kind = "download" if ctx.busy("download") else "search"
            question = f"A {kind} is running. Cancel it, write the reports and exit?"
            if ctx.confirm_hook is not None or not ctx.interactive:
                if ctx.confirm(question):
                    self.close_now(kind)
                return
            self.asking = kind
            ctx.say(question, "warning")
            ctx.window[Key.ASK_COL].update(visible=True)
            return
        ctx.closed = True

    def close_now(self, kind: str) -> None:
        ctx = self.ctx
        ctx.closing = True
        self.close_deadline = time.monotonic() + self.CLOSE_WAIT
        ctx.cancel_running()
        ctx.say(f"Cancelling the {kind}, then writing the reports and closing…")

    def on_ask(self, yes: bool) -> None:
        """The answer to the close question on the status line."""
        ctx = self.ctx
        kind, self.asking = self.asking, None
        ctx.window[Key.ASK_COL].update(visible=False)
        if not yes:
            ctx.say(f"The {kind or 'job'} goes on.")
        elif ctx.busy("download") or ctx.busy("search"):
            self.close_now(kind or "job")
        else:
            ctx.closed = True

    def tick(self, now: float) -> None:
        """Close once the cancelled job has stopped (or waited long enough)."""
        ctx = self.ctx
        if ctx.closing and (not ctx.busy() or (self.close_deadline and now > self.close_deadline)):
            ctx.closed = True


# ------------------------------------------------------------------------------ project page
class ProjectPage:
    """Step 1: create or open the project folder (images/ and private/)."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.project_log: logging.Handler | None = None

    def handlers(self) -> dict:
        return {Key.NEW_PROJECT: self.on_new_project, Key.OPEN_PROJECT: self.on_open_project,
                Key.OPEN_IMAGES: self.on_open_images, Key.OPEN_REPORTS: self.on_open_reports}

    def _raw(self) -> bool:
        return not self.ctx.window[Key.ANON].get()

    def on_new_project(self, arg=None) -> None:
        ctx = self.ctx
        ctx.not_busy()
        root = ctx.ask_path("folder", "Choose an empty folder (or a new one) for the project", arg,
                            default_path=str(ctx.settings.defaults.storage_root_path()))
        if root is None:
            return
        from mid import project as projectmod
        self.set_project(projectmod.Project.create(root, {"raw": self._raw()}))
        ctx.say(f"Created project {root}.")

    def on_open_project(self, arg=None) -> None:
        self.ctx.not_busy()
        root = self.ctx.ask_path("folder", "Choose the project folder (the one holding images/ and private/)", arg)
        if root is not None:
            self.open_project(root)

    def open_or_create(self, root) -> None:
        """The command line's --project: open it when it is a project, else create it when the
        folder is new or empty (a non-empty non-project folder is refused by Project.open)."""
        from mid import project as projectmod
        root = Path(root)
        if not Path(root, "private").is_dir() and (not root.exists() or not any(root.iterdir())):
            self.set_project(projectmod.Project.create(root, {"raw": self._raw()}))
            self.ctx.say(f"Created project {root}.")
            return
        self.open_project(root)

    def open_project(self, root) -> None:
        from mid import project as projectmod
        ctx, p = self.ctx, self.ctx.pages
        proj = projectmod.Project.open(Path(root))
        self.set_project(proj)
        series = proj.series()
        if series:
            p.select.show_results(series)
            p.search.searched = True
            p.steps.reach(3, show=False)
        ctx.say(f"Opened project {proj.root}: {len(proj.queries())} queries, "
                f"{len(series)} series found so far.")
        p.steps.show(3 if series else 0)

    def set_project(self, proj) -> None:
        """Make proj the open project: its log attached, the other pages reset to it."""
        from mid import logsetup
        ctx, p = self.ctx, self.ctx.pages
        if ctx.project is not None and ctx.project is not proj:
            ctx.project.close()
        self.detach_log()
        ctx.project = proj
        self.project_log = logsetup.attach_project_log(proj.private_dir)
        p.select.clear()
        p.search.searched = False
        p.download.result = None
        src = proj.get_setting("source")
        if src and src in ctx.settings.peers:
            ctx.window[Key.SOURCE].update(value=src)
        raw = proj.get_setting("raw")
        if raw is not None:
            ctx.window[Key.ANON].update(value=not raw)
        ctx.window[Key.PROJECT_PATH].update(str(proj.root))
        self.show_info()
        p.steps.reach(1, show=False)

    def show_info(self) -> None:
        proj = self.ctx.project
        self.ctx.window[Key.PROJECT_INFO].update(
            f"{len(proj.queries())} queries in the project. Images go to {proj.images_dir}; key, reports and log "
            f"to {proj.private_dir} (keep private/ private).")

    def detach_log(self) -> None:
        if self.project_log is not None:
            from mid import logsetup
            logsetup.detach_project_log(self.project_log)
            self.project_log = None

    def close(self) -> None:
        """The window closes: detach the project log and close the project database."""
        self.detach_log()
        if self.ctx.project is not None:
            try:
                self.ctx.project.close()
            except Exception:
                log.debug("project close failed", exc_info=True)

    def on_open_images(self, _=None) -> None:
        self.ctx.open_path(self.ctx.need_project().images_dir)

    def on_open_reports(self, _=None) -> None:
        self.ctx.open_path(self.ctx.need_project().private_dir)


# -------------------------------------------------------------------------------- sheet page
class SheetPage:
    """Step 2: load the query sheet into the project; the query table shows every row and why a
    row cannot be used."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.sheet = None                  # querysheet.SheetResult of the last sheet loaded
        self.reasons: list[str] = []       # the problem text per table row

    def handlers(self) -> dict:
        return {Key.LOAD_SHEET: self.on_load_sheet, Key.LOAD_SHEET_2: self.on_load_sheet,
                Key.QUERY_TABLE: self.on_query_row}

    def on_load_sheet(self, arg=None) -> None:
        self.ctx.not_busy()
        path = self.ctx.ask_path("file", "Choose the query sheet (.xlsx, .xls or .csv)", arg,
                                 file_types=(("Sheets", "*.xlsx *.xls *.csv"), ("All files", "*.*")))
        if path is not None:
            self.load(path)

    def load(self, path) -> None:
        """Read the sheet and store its queries in the project (created under the storage root
        when none is open) on a worker thread; _loaded shows the result. When the open project
        holds queries already, the user chooses: extend it, or start a new project."""
        ctx = self.ctx
        if ctx.busy():
            raise UserError("A sheet, search or download is still running; wait for it or press Cancel.")
        path = Path(path)
        target = ctx.project
        if target is not None and target.queries():
            how = ctx.choose(extend_or_new_text(target, path), EXTEND_OR_NEW)
            if how is None:
                ctx.say(f"{path.name} was not loaded; the project is unchanged.")
                return
            if how == "new":
                target = None               # read_sheet_into_project creates one under the storage root
        ctx.say(f"Reading {path.name}…")
        ctx.start("sheet", self._loaded, read_sheet_into_project, path, ctx.settings, target,
                  not ctx.window[Key.ANON].get())

    def _loaded(self, value, error) -> None:
        ctx, p = self.ctx, self.ctx.pages
        if error is not None:
            raise error if isinstance(error, UserError) else UserError(f"The sheet could not be loaded: "
                                                                        f"{readable(error)}")
        result, proj = value
        path = Path(result.path)
        if proj is not ctx.project:
            p.project.set_project(proj)
        self.sheet = result
        p.search.searched = False
        headings, rows, self.reasons, error_rows = sheet_table(result, list(ctx.settings.query_identifiers))
        mygui.show_query_table(ctx.window, headings, rows, error_rows)
        n_err = len({e.row for e in result.errors})
        ctx.window[Key.ROW_REASON].update("Select a highlighted row to see its problem." if n_err else "",
                                          text_color="#a00000")
        ctx.window[Key.SHEET_INFO].update(
            f"{path.name}: {len(result.queries)} usable rows, {n_err} rows with problems"
            f"{' (highlighted; select one to see why)' if n_err else ''}. Project: {ctx.project.root}")
        for note in result.notices:
            ctx.say(note, "warning", phi=True)
        p.project.show_info()
        if not result.queries:
            p.steps.reach(1)
            raise UserError(f"{path.name}: no row can be used. The table shows each row's problem; fix the "
                            "sheet and load it again.")
        ctx.say(f"Loaded {path.name}: {len(result.queries)} queries. Next: pick the source and press Search.")
        p.steps.reach(2, show=False)
        p.steps.show(1)

    def on_query_row(self, _=None) -> None:
        sel = self.ctx.selected_rows(Key.QUERY_TABLE)
        if sel and sel[0] < len(self.reasons):
            reason = self.reasons[sel[0]]
            self.ctx.window[Key.ROW_REASON].update(reason or "This row is fine.",
                                                   text_color="#a00000" if reason else "#1b5e20")


# ---------------------------------------------------------------------------------------------
# Pure helpers (no window)

def main_values(settings: "Settings", demo_peer: str | None = None) -> dict:
    """Initial values of the Main tab (mygui.main_tab): identifiers, peers, source, destination."""
    d = settings.defaults
    sources = [n for n in settings.peers if n != SELF]
    source = demo_peer or (d.default_source if d.default_source in sources else (sources[0] if sources else ""))
    dest = d.default_destination if d.default_destination in settings.peers else SELF
    return dict(identifiers=list(settings.query_identifiers), peers=sources, source=source,
                destination=dest, exact=bool(d.exact_descriptions), anonymize=bool(d.anonymize))


class NoOpener(Exception):
    """No program on this computer opens files or folders (Linux without xdg-open)."""


def default_opener(path: Path, which=shutil.which) -> None:
    """Open a file or folder with the system's program, without waiting for it; raises
    NoOpener where there is none."""
    path = Path(path)
    if sys.platform.startswith("win"):
        os.startfile(str(path))  # noqa: S606 - the user's own folder
    elif sys.platform == "darwin":
        subprocess.Popen(["open", str(path)])
    else:
        opener = which("xdg-open")
        if opener is None:
            raise NoOpener("xdg-open is not installed")
        subprocess.Popen([opener, str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


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


#: the answers to "another sheet for an open project": (answer, button text)
EXTEND_OR_NEW = (("extend", "Extend this project"), ("new", "Start a new project"))


def extend_or_new_text(project, sheet: Path) -> str:
    """The question asked before another sheet goes into a project that holds queries already."""
    n = len(project.queries())
    return (f"The project {project.name} holds {n} queries already.\n\n"
            f"Extend this project: the rows of {Path(sheet).name} are added as queries {n + 1}, {n + 2}, … and "
            f"their studies go into the same images/ folder, the same master key and the same reports "
            f"(use this for a longer version of the same cohort).\n\n"
            f"Start a new project: {Path(sheet).name} gets its own folder under the storage root, with its "
            f"own images/, key and reports (use this for another cohort).")


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


def report_copies(project, since: float) -> list[Path]:
    """Report workbooks written since `since` (wall time) under a fallback name "<report> (n).xlsx"."""
    pattern = re.compile(re.escape(project.name) + r"_.* \((\d+)\)\.xlsx$")
    out = []
    for p in sorted(project.private_dir.glob("* (*).xlsx")):
        try:
            if pattern.match(p.name) and p.stat().st_mtime >= since - 1:
                out.append(p)
        except OSError:
            continue
    return out


def program_version() -> str:
    """The program's own version, mygui.APP_VERSION, with the last commit's date and hash when
    it runs from a git checkout: "1.0 (2026-12-01 1a2b3c4)"."""
    try:
        out = subprocess.run(["git", "-C", str(HERE), "log", "-1", "--format=%cs %h"], capture_output=True,
                             text=True, timeout=5)
        commit = out.stdout.strip() if out.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{mygui.APP_VERSION} ({commit})" if commit else mygui.APP_VERSION


def about_text() -> str:
    lines = [f"{mygui.APP_TITLE}, version {program_version()}",
             f"Python {platform.python_version()} on {platform.system()}", f"Tk {sg.tclversion_detailed}"]
    for dist in ("PySimpleGUI", "pydicom", "pynetdicom", "openpyxl", "xlrd"):
        try:
            lines.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            lines.append(f"{dist} not installed")
    return "\n".join(lines)


def log_folder() -> Path:
    """The application log folder (no PHI)."""
    from mid import logsetup
    return logsetup.app_log_dir()


def window_state_file() -> Path:
    """The user's window state (its last size): beside the application log folder, in the
    user's own app state, never in config/."""
    return log_folder().parent / "window.json"


def saved_window_size() -> tuple[int, int] | None:
    """The size the window had when it was last closed, or None (first start, unreadable file)."""
    try:
        data = json.loads(window_state_file().read_text(encoding="utf-8"))
        w, h = data["size"]
        return int(w), int(h)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save_window_size(size: tuple[int, int]) -> None:
    """Remember the window's size for the next start (a failure to write is only logged)."""
    w, h = int(size[0]), int(size[1])
    if w < 200 or h < 200:                 # not drawn yet (or minimised): keep the old size
        return
    path = window_state_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"size": [w, h]}), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        log.warning("the window size could not be saved in %s", path, exc_info=True)
