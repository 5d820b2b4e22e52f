"""Step 5 of the window: the download with its live figures and per-study list, the summary;
and the report workbooks (Export, and what to do when one is open in another program)."""
from __future__ import annotations

import dataclasses
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import mygui
from mygui import Key
from mid.pages import Context, LockedReport, UserError, readable, report_copies
from mid.page_search import with_series
from mid.vocab import (EDGE_CLOSED, EDGE_WAITING, FINISHED, QUEUED, SELF, DownloadFinished, DownloadProgress,
                       Message, SeriesUpdate)

log = logging.getLogger("mid.gui")
REDRAW_INTERVAL = 0.2          # seconds between two redraws of live progress


@dataclass
class DownloadView:
    """Live figures of the download in progress, redrawn at most every REDRAW_INTERVAL."""
    studies: dict[str, dict] = field(default_factory=dict)
    progress: DownloadProgress | None = None
    dirty: bool = False              # progress figures changed
    studies_dirty: bool = False      # a series changed status: the study list needs a redraw
    last_draw: float = 0.0
    #: the peer's transfer windows (the run goes on from window to window, throttle.keep_downloading)
    waiting: str = ""                # the Gate's line while the run waits for a window to open
    window_closed: bool = False      # the window closed: the retrieves in flight wind down
    next_run: bool = False           # a run ended or waits: the next figures are the next run's
    #: what the earlier runs of this download did that a later run's figures leave out (it counts
    #: only the series left to it): instances and series finished before it, and bytes received
    before: tuple[int, int, int] = (0, 0, 0)


class Downloads:
    """The Download page.

    A download goes on from one transfer window of the peer to the next by itself, as
    `download --wait` does (throttle.keep_downloading): at a window's end the page says so, then
    that it waits and until when, and the figures go on once the next window opens."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.view = DownloadView()
        self.result: DownloadFinished | None = None     # the download's, once it ended
        self.todo: set[str] = set()                      # the series the download fetches
        #: the local time the transfer windows are read against (tests); None: the computer's clock
        self.clock: Callable[[], Any] | None = None

    def handlers(self) -> dict:
        return {Key.DOWNLOAD: self.on_download, Key.DL_CANCEL: self.on_cancel}

    def on_download(self, _=None) -> None:
        ctx, p = self.ctx, self.ctx.pages
        if ctx.busy():
            raise UserError("A search or download is running; wait for it or press Cancel.")
        model = p.select.need_model()
        if not model.selected:
            raise UserError("Nothing is ticked: tick the wanted series in step 4 (Select), then press Download.")
        from mid import throttle
        project = ctx.project
        source = project.get_setting("source") or p.search.source()
        dest = ctx.window[Key.DEST].get() or SELF
        anonymize = bool(ctx.window[Key.ANON].get())
        project.select(set(model.selected))
        todo = [u for u in model.selected if model.by_uid[u].status not in FINISHED]   # what this run fetches
        self.todo = set(todo)
        self.view = DownloadView()
        ctx.forget_latest(DownloadProgress)
        for r in (model.by_uid[u] for u in model.selected):
            info = self.view.studies.setdefault(r.study_number, {"description": r.study_description, "series": {}})
            info["series"][r.series_uid] = (QUEUED, 0, r.instances)
        self.result = None
        p.reports.job_started()
        mygui.show_study_table(ctx.window, self.view.studies)
        mygui.set_progress(ctx.window, Key.DL_BAR, 0, 1)
        ctx.window[Key.DL_STATUS].update(f"Starting: {len(todo)} series from {source} to {dest}…")
        ctx.say(f"Downloading {len(todo)} series from {source}"
                f"{', de-identifying every image' if anonymize else ' without de-identification'}…")
        ctx.start("download", self._done, with_series(throttle.keep_downloading), ctx.settings, project,
                  source, destination=dest, anonymize=anonymize, on_event=ctx.post, clock=self.clock)
        p.steps.reach(4)

    def on_cancel(self, _=None) -> None:
        ctx = self.ctx
        ctx.cancel_running()
        if self.view.waiting and ctx.busy("download"):
            ctx.window[Key.DL_STATUS].update("Cancelling: the wait for the transfer window ends; writing the reports…")
            ctx.say("Cancelling the download while it waits for the transfer window; what came is kept.")

    # -- engine events -----------------------------------------------------------------------
    def on_progress(self, ev: DownloadProgress) -> None:
        v = self.view
        if v.next_run:          # the first figures of the next run: its window is open and it transfers
            v.next_run, v.waiting, v.window_closed = False, "", False
            if v.progress is not None:
                last = v.progress
                v.before = (max(last.instances_total - ev.instances_total, 0),
                            max(last.series_total - ev.series_total, 0), last.bytes_done)
        v.progress = self.overall(ev)
        v.dirty = True

    def overall(self, ev: DownloadProgress) -> DownloadProgress:
        """A run's figures as figures of the whole download (every run since Download was pressed)."""
        instances, series, nbytes = self.view.before
        if not (instances or series or nbytes):
            return ev
        return dataclasses.replace(
            ev, instances_done=ev.instances_done + instances, instances_total=ev.instances_total + instances,
            bytes_done=ev.bytes_done + nbytes, series_done=ev.series_done + series,
            series_total=ev.series_total + series)

    def on_run_end(self, _ev: DownloadFinished) -> None:
        """One run ended; at a window's end the next one follows in the same job (its end, and
        the final result, come as the job's JOB_DONE_EVENT)."""
        self.view.next_run = True

    def on_message(self, ev: Message) -> None:
        """An engine Message on the status bar; a transfer window's edge also on the Download
        page's status line, with the word that the download goes on by itself."""
        ctx, v = self.ctx, self.view
        if ev.edge == EDGE_WAITING:
            v.waiting, v.next_run, v.dirty = ev.text, True, True
            ctx.say(f"{ev.text}; the download goes on by itself then (Cancel stops it).", ev.level, phi=True)
            self.draw()
        elif ev.edge == EDGE_CLOSED:
            v.window_closed, v.dirty = True, True
            ctx.say(f"{ev.text}. The download goes on by itself when the next window opens (Cancel stops it).",
                    ev.level, phi=True)
            self.draw()
        else:
            ctx.on_message(ev)

    def on_series(self, ev: SeriesUpdate) -> None:
        info = self.view.studies.setdefault(ev.study_number, {"description": "", "series": {}})
        info["series"][ev.series_uid] = (ev.status, ev.received, ev.expected)
        self.view.studies_dirty = True

    def tick(self, now: float) -> None:
        """Redraw the live figures at most every REDRAW_INTERVAL."""
        v = self.view
        if (v.dirty or v.studies_dirty) and now - v.last_draw >= REDRAW_INTERVAL:
            self.draw()

    def draw(self, force: bool = False) -> None:
        """Redraw the download figures and, when a series changed, the per-study list."""
        v, w = self.view, self.ctx.window
        v.last_draw = time.monotonic()
        p = v.progress
        if v.dirty or force:
            if p is not None:
                mygui.set_progress(w, Key.DL_BAR, p.instances_done, max(p.instances_total, 1))
            if v.waiting:
                w[Key.DL_STATUS].update(mygui.download_waiting_text(
                    v.waiting, p.instances_done if p else None, p.instances_total if p else None))
            elif p is not None:
                w[Key.DL_STATUS].update(mygui.download_progress_text(
                    p.instances_done, p.instances_total, p.bytes_done, p.rate, p.eta_seconds, p.series_done,
                    p.series_total, window_closed=v.window_closed))
        v.dirty = False
        if v.studies_dirty or force:
            v.studies_dirty = False
            mygui.show_study_table(w, v.studies)

    def _done(self, value, error) -> None:
        ctx, p = self.ctx, self.ctx.pages
        latest = ctx.latest(DownloadProgress)
        if latest is not None:
            self.view.progress = self.overall(latest)
        self.view.waiting, self.view.window_closed = "", False
        self.draw(force=True)
        if error is not None:
            p.reports.write_all()
            ctx.window[Key.DL_STATUS].update("Download stopped.")
            self.result = None
            raise UserError(f"Download failed: {readable(error)}")
        result, series = value
        # the last run counts only the series left for it: count every series this download fetched
        counts: dict[str, int] = {}
        for s in series:
            if s.series_uid in self.todo:
                counts[s.status] = counts.get(s.status, 0) + 1
        result = dataclasses.replace(result, counts=counts)
        if result.window_closed and not result.cancelled:
            # keep_downloading ends with a run its window stopped only when Cancel was pressed
            # as it stopped (the result was made just before): the download was cancelled
            result = dataclasses.replace(result, cancelled=True)
        self.result = result
        q = self.view.progress
        if q is not None:
            ctx.window[Key.DL_STATUS].update(mygui.download_final_text(
                q.instances_done, q.instances_total, q.bytes_done, q.series_done, q.series_total,
                result.cancelled, result.error))
        else:
            how = mygui.run_end_word(result.cancelled, result.error)
            ctx.window[Key.DL_STATUS].update(f"No image was transferred · {how}")
        p.reports.check_copies("all")
        ctx.window[Key.SUMMARY].update(summary_text(result))
        for s in series:
            for info in self.view.studies.values():
                if s.series_uid in info["series"]:
                    info["series"][s.series_uid] = (s.status, s.received, s.expected)
        mygui.show_study_table(ctx.window, self.view.studies)
        p.select.refresh_statuses(series)
        level = "error" if result.error else "warning" if result.cancelled else "info"
        ctx.say(result.error or ("Download cancelled; the reports are written." if result.cancelled
                                 else "Download finished; the reports are written."), level)
        p.steps.refresh()


class Reports:
    """The report workbooks: File > Export, rewriting after a failed download, and a workbook
    that cannot be replaced (open in Excel): Retry, Save as, or the "name (1).xlsx" copy."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.since = 0.0          # wall time the running search/download started (its report copies)

    def handlers(self) -> dict:
        return {Key.EXPORT: self.on_export, mygui.REPORT_LOCKED_EVENT: self.on_report_locked}

    def job_started(self) -> None:
        """A search or download starts now: report copies older than this are not its own."""
        self.since = time.time()

    def on_export(self, _=None) -> None:
        ctx = self.ctx
        if ctx.project is None:
            raise UserError("No project is open: load a sheet or open a project first.")
        if ctx.busy("reports"):
            raise UserError("The reports are being written; wait a moment.")
        from mid import reports
        project = ctx.project

        def done(paths, error) -> None:
            if error is not None:
                raise UserError(f"The reports could not be written: {readable(error)}")
            ctx.say(f"Wrote {len(paths)} report workbooks to {project.private_dir}.")
        ctx.say("Writing the report workbooks…")
        ctx.start("reports", done, reports.write_reports, project, ctx.settings, on_locked=self.report_locked)

    def write_all(self) -> None:
        """After a failed download job: write the reports on a worker thread."""
        from mid import reports
        ctx = self.ctx
        project = ctx.project

        def done(paths, error) -> None:
            if error is not None:
                ctx.say(f"The reports could not be written: {readable(error)}", "error")
            else:
                ctx.say(f"Wrote {len(paths)} report workbooks to {project.private_dir}.")
        ctx.start("reports", done, reports.write_reports, project, ctx.settings, on_locked=self.report_locked)

    # -- locked report workbooks ---------------------------------------------------------------
    def report_locked(self, path) -> Any:
        """reports.write_reports on_locked hook, called on a worker thread: ask the window thread
        (REPORT_LOCKED_EVENT) and wait for its answer. With no window left to ask, the report is
        written as "name (1).xlsx": a report is never lost."""
        path = Path(path)
        if threading.current_thread() is threading.main_thread():
            return self.choose_locked(path)
        if self.ctx.closed:
            return "rename"
        ask = LockedReport(path)
        self.ctx.window.write_event_value(mygui.REPORT_LOCKED_EVENT, ask)
        while not ask.done.wait(0.2):
            if self.ctx.closed:
                return "rename"
        return ask.answer

    def on_report_locked(self, ask: LockedReport) -> None:
        try:
            ask.answer = self.choose_locked(ask.path)
        finally:
            ask.done.set()

    def choose_locked(self, path: Path) -> Any:
        """Window thread: Retry, Save as (a path) or the "(1)" name, from the user or the test hook."""
        ctx = self.ctx
        if ctx.locked_hook is not None:
            answer = ctx.locked_hook(path)
        elif ctx.interactive and not ctx.closed:
            answer = mygui.ask_locked_report(path)
        else:
            answer = "rename"
        if answer not in ("retry", "rename") and not isinstance(answer, (str, os.PathLike)):
            answer = "rename"                   # nothing chosen: keep the report under the "(1)" name
        what = ("trying again" if answer == "retry" else
                f"writing it as {path.stem} (1){path.suffix}" if answer == "rename" else f"saving it as {answer}")
        ctx.say(f"Report {path.name} is open in another program and cannot be replaced; {what}.", "warning",
                phi=True)
        return answer

    def check_copies(self, which: str) -> None:
        """The engine writes its reports without asking: a locked workbook is written as
        "name (1).xlsx". When that happened in the job that just ended, write the reports again
        through report_locked, so the user chooses Retry / Save as / keep the "(1)" name; the
        engine's copies are removed once their content is written where the user chose."""
        ctx = self.ctx
        if ctx.project is None or ctx.closing or ctx.closed:
            return
        copies = report_copies(ctx.project, self.since)
        if not copies:
            return
        from mid import reports
        ctx.say(f"{', '.join(p.name for p in copies)}: the report could not be replaced (open in another "
                "program?) and was written under that name; choose what to do.", "warning", phi=True)

        def done(paths, error) -> None:
            if error is not None:
                raise UserError(f"The reports could not be rewritten: {readable(error)}. The copies "
                                f"{', '.join(p.name for p in copies)} are kept.")
            kept = {Path(p) for p in paths}
            for c in copies:
                if c not in kept:
                    try:
                        c.unlink()
                    except OSError:
                        log.warning("could not remove the report copy %s", c, exc_info=True)
            ctx.say(f"Wrote {len(paths)} report workbooks: {', '.join(Path(p).name for p in paths)}.", phi=True)
        ctx.start("reports", done, reports.write_reports, ctx.project, ctx.settings, which,
                  on_locked=self.report_locked)


def summary_text(result: DownloadFinished) -> str:
    """The summary under the download: counts per status, the error, where the reports are."""
    counts = ", ".join(f"{n} {s}" for s, n in sorted(result.counts.items(), key=lambda kv: -kv[1]) if n)
    head = "Cancelled" if result.cancelled else "Stopped by an error" if result.error else "Finished"
    lines = [f"{head}: {counts or 'nothing was downloaded'}."]
    if result.error:
        lines.append(result.error)
    if result.reports:
        lines.append(f"{len(result.reports)} report workbooks in {Path(result.reports[0]).parent}.")
    return "\n".join(lines)
