"""Step 3 of the window: pick the source PACS, test it (C-ECHO), search every query, watch the
progress; the results go to the Select page."""
from __future__ import annotations

from typing import Callable

import mygui
from mygui import Key
from mid.pages import Context, UserError, readable
from mid.vocab import SELF, SearchProgress


class SearchPage:
    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.searched = False            # the project's results are on the Select page
        self.progress: SearchProgress | None = None

    def handlers(self) -> dict:
        return {Key.TEST_SOURCE: self.on_test_source, Key.SEARCH: self.on_search,
                Key.SEARCH_CANCEL: self.ctx.cancel_running}

    def source(self) -> str:
        src = self.ctx.window[Key.SOURCE].get()
        if not src:
            raise UserError("Choose the source PACS first (Settings tab: add the PACS, then pick it here).")
        return src

    def show_peers(self) -> None:
        """The source and destination dropdowns, from the current settings."""
        w, ctx = self.ctx.window, self.ctx
        w[Key.SOURCE].update(values=ctx.peer_names(False), value=w[Key.SOURCE].get())
        w[Key.DEST].update(values=ctx.peer_names(True), value=w[Key.DEST].get() or SELF)
        for key in (Key.SOURCE, Key.DEST):      # update() shrinks a combo to its longest name: clipped text
            w[key].Widget.configure(width=mygui.PEER_COMBO_WIDTH)

    def on_test_source(self, _=None) -> None:
        from mid import engine
        name = self.source()
        self.echo(name, engine.peer_for(self.ctx.settings, name))

    def echo(self, name: str, peer) -> None:
        """Echo `peer` (a settings.PeerConfig: C-ECHO, or QIDO-RS) on a worker; the answer on the status line."""
        from mid import dicomweb, engine
        ctx = self.ctx

        def done(result, error) -> None:
            if error is not None:
                ctx.fail(f"Test of {name} failed: {readable(error)}")
            else:
                ctx.say(f"{name} answered the echo in {result * 1000:.0f} ms.")

        where = peer.url if peer.is_dicomweb else f"{peer.aet} at {peer.host}:{peer.port}"
        ctx.say(f"Testing {name} ({where})…")
        ctx.start("echo", done, dicomweb.echo, ctx.settings.self_peer.aet, peer, engine.timeouts_for(ctx.settings))

    def on_search(self, _=None) -> None:
        ctx, p = self.ctx, self.ctx.pages
        if ctx.busy():
            raise UserError("A search or download is running; wait for it or press Cancel.")
        if ctx.project is None or not ctx.project.queries():
            raise UserError("Load a query sheet first (File > Load query sheet, Ctrl+O).")
        from mid import engine
        source = self.source()
        ctx.project.set_setting("source", source)
        exact = bool(ctx.window[Key.EXACT].get())
        self.progress = None
        p.reports.job_started()
        mygui.set_progress(ctx.window, Key.SEARCH_BAR, 0, 1)
        ctx.window[Key.SEARCH_STATUS].update(f"Searching {source}…")
        ctx.start("search", self._done, with_series(engine.search), ctx.settings, ctx.project, source,
                  exact=exact, on_event=ctx.post)
        p.steps.reach(2)

    def on_progress(self, ev: SearchProgress) -> None:
        self.progress = ev
        mygui.set_progress(self.ctx.window, Key.SEARCH_BAR, ev.done, max(ev.total, 1))
        self.ctx.window[Key.SEARCH_STATUS].update(f"Query {ev.done} of {ev.total} · {ev.rate:,.1f} rows/s · "
                                                  f"ETA {mygui.fmt_duration(ev.eta_seconds)}")
        self._show_counts(ev.found, ev.missing, ev.failed)

    def _done(self, value, error) -> None:
        ctx, p = self.ctx, self.ctx.pages
        if error is not None:
            ctx.window[Key.SEARCH_STATUS].update("Search stopped.")
            raise UserError(f"Search failed: {readable(error)}")
        result, series = value
        status = (f"Search {'cancelled' if result.cancelled else 'finished'}: {result.found} found, "
                  f"{result.missing} missing, {result.failed} failed.")
        ctx.window[Key.SEARCH_STATUS].update(status)
        self._show_counts(result.found, result.missing, result.failed)
        self.searched = True
        p.reports.check_copies("search")
        model = p.select.show_results(series)
        if model.rows:
            ctx.say(status + " Next: tick the wanted series.")
            p.steps.reach(3)
        else:
            ctx.say(status + " Nothing to choose from.", "warning")
            p.steps.refresh()

    def _show_counts(self, found, missing, failed) -> None:
        w = self.ctx.window
        w[Key.FOUND].update(f"Found: {found}")
        w[Key.MISSING].update(f"Missing: {missing}")
        w[Key.FAILED].update(f"Failed: {failed}")


def with_series(fn: Callable) -> Callable:
    """An engine job that also reads the project's series afterwards, on the same worker thread,
    so the window gets (result, series) without touching the database itself."""
    def job(settings, project, *args, **kwargs):
        result = fn(settings, project, *args, **kwargs)
        return result, project.series()
    job.__name__ = fn.__name__
    return job

