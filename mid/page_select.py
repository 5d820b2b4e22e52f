"""Step 4 of the window: the results tree (clusters of alike studies, their series), filters,
and ticking the wanted series, also from an edited results workbook."""
from __future__ import annotations

import time
from pathlib import Path

import PySimpleGUI as sg

import mygui
from mygui import Key
from mid.pages import Context, UserError, readable
from mid.vocab import TO_RETRIEVE

FILTER_DELAY = 0.3             # seconds of quiet typing before a filter is applied
FILTER_KEYS = (Key.F_TEXT, Key.F_REGEX, Key.F_MODALITY, Key.F_SERIESNO, Key.F_DATE_FROM, Key.F_DATE_TO)


class SelectPage:
    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.model: mygui.ResultsModel | None = None
        self.filter_due: float | None = None

    def handlers(self) -> dict:
        bulk = {Key.SEL_ALL: ("select_all", False), Key.SEL_NONE: ("select_none", False),
                Key.SEL_INVERT: ("invert", False), Key.SEL_C_ALL: ("select_all", True),
                Key.SEL_C_NONE: ("select_none", True), Key.SEL_C_INVERT: ("invert", True)}
        return {Key.TREE_CLICK: self.on_tree_click, Key.TREE_SPACE: self.on_tree_space, Key.TOGGLE: self.on_toggle,
                Key.F_CLEAR: self.on_filter_clear, Key.LOAD_SELECTION: self.on_load_selection} | {
            key: (lambda _v, how=how, cluster=cluster: self.bulk(how, cluster)) for key, (how, cluster) in bulk.items()
        } | {key: self.on_filter_typed for key in FILTER_KEYS}

    # -- the results -------------------------------------------------------------------------
    def show_results(self, series) -> mygui.ResultsModel:
        """A new model from the project's SeriesRecords; what a download would retrieve is ticked."""
        rows = mygui.series_rows(series)
        preselected = {r.series_uid for r in rows if r.status in TO_RETRIEVE}
        self.model = mygui.ResultsModel(rows, preselected)
        mygui.set_tree(self.ctx.window, self.model)
        return self.model

    def refresh_statuses(self, series) -> None:
        """After a download: the same results with their new statuses (when results are shown)."""
        if self.model is not None:
            self.show_results(series)

    def clear(self) -> None:
        """Another project: no results."""
        self.model = None
        self.ctx.window[Key.TREE].update(values=sg.TreeData())

    def need_model(self) -> mygui.ResultsModel:
        if self.model is None:
            raise UserError("There are no results yet: load a sheet and press Search first.")
        return self.model

    # -- ticking -----------------------------------------------------------------------------
    def on_tree_click(self, _=None) -> None:
        if self.model is None:
            return
        key = mygui.clicked_tree_key(self.ctx.window)
        if key:
            self.toggle(key)

    def on_tree_space(self, _=None) -> None:
        key = mygui.focused_tree_key(self.ctx.window)
        if key and self.model is not None:
            self.toggle(key)

    def on_toggle(self, key) -> None:
        self.toggle(str(key))

    def toggle(self, key: str) -> None:
        model = self.need_model()
        changed = model.toggle(key)
        mygui.refresh_nodes(self.ctx.window, model, changed)
        self.ctx.pages.steps.refresh()

    def bulk(self, how: str, cluster: bool) -> None:
        """All / None / Invert of what is shown, or of the focused row's cluster."""
        model = self.need_model()
        scope = None
        if cluster:
            key = mygui.focused_tree_key(self.ctx.window)
            if not key:
                raise UserError("Click a row of the cluster first, then press its All/None/Invert.")
            scope = model.cluster_of(key)
        {"select_all": model.select_all, "select_none": model.select_none, "invert": model.invert}[how](scope)
        mygui.refresh_all_nodes(self.ctx.window, model)
        self.ctx.pages.steps.refresh()

    # -- filters -----------------------------------------------------------------------------
    def on_filter_typed(self, _=None) -> None:
        self.filter_due = time.monotonic() + FILTER_DELAY

    def tick(self, now: float) -> None:
        """Apply the filter once the typing has paused."""
        if self.filter_due is not None and now >= self.filter_due:
            self.filter_due = None
            self.apply_filters()

    def on_filter_clear(self, _=None) -> None:
        w = self.ctx.window
        for k in (Key.F_TEXT, Key.F_SERIESNO, Key.F_DATE_FROM, Key.F_DATE_TO):
            w[k].update("")
        w[Key.F_REGEX].update(False)
        w[Key.F_MODALITY].update("All")
        self.filter_due = None
        if self.model is not None:
            self.model.set_filters(mygui.Filters())
            mygui.set_tree(w, self.model)
            self.ctx.say(f"Filter cleared: all {len(self.model.rows)} series shown.")

    def current_filters(self) -> mygui.Filters:
        w = self.ctx.window
        mod = w[Key.F_MODALITY].get()
        return mygui.Filters(text=w[Key.F_TEXT].get(), regex=bool(w[Key.F_REGEX].get()),
                             modality="" if mod in ("", "All") else mod, series_numbers=w[Key.F_SERIESNO].get(),
                             date_from=w[Key.F_DATE_FROM].get(), date_to=w[Key.F_DATE_TO].get())

    def apply_filters(self) -> None:
        if self.model is None:
            return
        try:
            self.model.set_filters(self.current_filters())
        except mygui.FilterError as e:
            self.ctx.say(str(e), "error")
            return
        mygui.set_tree(self.ctx.window, self.model)
        shown = len(self.model.visible_series())
        self.ctx.say(f"Filter shows {shown} of {len(self.model.rows)} series.")

    # -- from an edited results workbook ------------------------------------------------------
    def on_load_selection(self, arg=None) -> None:
        ctx = self.ctx
        ctx.not_busy()
        model = self.need_model()
        path = ctx.ask_path("file", "Choose the edited _1_SEARCH_RESULTS workbook (Download column Y/N)", arg,
                            file_types=(("Excel", "*.xlsx"),))
        if path is None:
            return
        from mid import reports

        def done(chosen, error) -> None:
            if error is not None:
                raise UserError(str(error) if isinstance(error, reports.ReportError)
                                else f"{Path(path).name} could not be read: {readable(error)}")
            known = chosen & set(model.by_uid)
            model.selected = set(known)
            mygui.set_tree(ctx.window, model)
            skipped = len(chosen) - len(known)
            ctx.say(f"Selection loaded from {Path(path).name}: {len(known)} series ticked"
                    + (f"; {skipped} not in this project were skipped." if skipped else "."))
            ctx.pages.steps.reach(3)
        ctx.start("selection", done, reports.read_selection, path)
