"""Step 4 of the window: the query list beside the results tree (clusters of alike studies, their
studies, their series), filters, and ticking the wanted series, also from an edited results
workbook. Selecting query rows narrows the tree to their results."""
from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import PySimpleGUI as sg

import mygui
from mygui import Key
from mid.pages import Context, UserError, readable
from mid.vocab import DOWNLOADED, FAILED, MISSING, TO_RETRIEVE

FILTER_DELAY = 0.3             # seconds of quiet typing before a filter is applied
FILTER_KEYS = (Key.F_TEXT, Key.F_REGEX, Key.F_MODALITY, Key.F_SERIESNO, Key.F_DATE_FROM, Key.F_DATE_TO)


class SelectPage:
    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.model: mygui.ResultsModel | None = None
        self.filter_due: float | None = None
        self.queries: list = []              # project.QueryRecord, in the order of the query list
        self.reasons: list[str] = []         # what the query list says about each row when selected

    def handlers(self) -> dict:
        bulk = {Key.SEL_ALL: ("select_all", False), Key.SEL_NONE: ("select_none", False),
                Key.SEL_INVERT: ("invert", False), Key.SEL_C_ALL: ("select_all", True),
                Key.SEL_C_NONE: ("select_none", True), Key.SEL_C_INVERT: ("invert", True)}
        return {Key.TREE_CLICK: self.on_tree_click, Key.TREE_SPACE: self.on_tree_space, Key.TOGGLE: self.on_toggle,
                Key.F_CLEAR: self.on_filter_clear, Key.LOAD_SELECTION: self.on_load_selection,
                Key.Q_TABLE: self.on_query_rows, Key.Q_ALL: self.on_query_all} | {
            key: (lambda _v, how=how, cluster=cluster: self.bulk(how, cluster)) for key, (how, cluster) in bulk.items()
        } | {key: self.on_filter_typed for key in FILTER_KEYS}

    # -- the results -------------------------------------------------------------------------
    def show_results(self, series) -> mygui.ResultsModel:
        """A new model from the project's SeriesRecords; what a download would retrieve is ticked."""
        ctx = self.ctx
        self.queries = ctx.project.queries() if ctx.project is not None else []
        mrns = {q.number: "; ".join(q.values.get("PatientID", [])) for q in self.queries}
        rows = mygui.series_rows(series, {k: v for k, v in mrns.items() if v})
        if ctx.window[Key.ANON].get():
            notes = drop_notes(series, ctx.settings)
            rows = [replace(r, note=notes[r.series_uid]) if r.series_uid in notes else r for r in rows]
        preselected = {r.series_uid for r in rows if r.status in TO_RETRIEVE}
        self.model = mygui.ResultsModel(rows, preselected)
        if ctx.project is not None:
            self.model.set_sizes(measured_sizes(ctx.project, series))
        mygui.set_tree(ctx.window, self.model)
        self.show_queries()
        return self.model

    # -- the query list --------------------------------------------------------------------------
    def show_queries(self) -> None:
        """Redraw the query list: found/missing/failed, series found and ticked, and why."""
        if self.model is None:
            return
        rows, colours, self.reasons = query_rows(self.queries, self.model)
        mygui.show_query_rows(self.ctx.window, rows, colours)

    def on_query_rows(self, _=None) -> None:
        """Selecting query rows shows only their results (and says why a row found nothing)."""
        model = self.need_model()
        picked = [i for i in self.ctx.selected_rows(Key.Q_TABLE) if i < len(self.queries)]
        model.set_queries(self.queries[i].number for i in picked)
        mygui.set_tree(self.ctx.window, model)
        text = "\n".join(self.reasons[i] for i in picked[:3])
        self.ctx.window[Key.Q_REASON].update(text or "Select query rows to see only their results.")
        if picked:
            self.ctx.say(f"Showing the results of {len(picked)} quer{'y' if len(picked) == 1 else 'ies'}: "
                         f"{len(model.visible_series())} series.")

    def on_query_all(self, _=None) -> None:
        model = self.need_model()
        table = self.ctx.window[Key.Q_TABLE]
        table.update(select_rows=[])
        self.ctx.values.pop(Key.Q_TABLE, None)
        model.set_queries(())
        mygui.set_tree(self.ctx.window, model)
        self.ctx.window[Key.Q_REASON].update("Select query rows to see only their results.")
        self.ctx.say(f"Showing every query's results: {len(model.visible_series())} series.")

    def refresh_statuses(self, series) -> None:
        """After a download: the same results with their new statuses (when results are shown)."""
        if self.model is not None:
            self.show_results(series)

    def clear(self) -> None:
        """Another project: no results."""
        self.model = None
        self.queries, self.reasons = [], []
        self.ctx.window[Key.TREE].update(values=sg.TreeData())
        self.ctx.window[Key.Q_TABLE].update(values=[])

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
        self.ctx.window[Key.TREE_DETAIL].update(model.details(key))
        self.show_queries()
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
        self.show_queries()
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
                             date_from=w[Key.F_DATE_FROM].get(), date_to=w[Key.F_DATE_TO].get(),
                             date_order=self.ctx.settings.defaults.date_order)

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
            self.show_queries()
            skipped = len(chosen) - len(known)
            ctx.say(f"Selection loaded from {Path(path).name}: {len(known)} series ticked"
                    + (f"; {skipped} not in this project were skipped." if skipped else "."))
            ctx.pages.steps.reach(3)
        ctx.start("selection", done, reports.read_selection, path)


def query_rows(queries, model: mygui.ResultsModel) -> tuple[list[list[str]], list[tuple], list[str]]:
    """The query list beside the results: per query (project.QueryRecord) its ID, patient or
    accession, status, series found, series ticked and why it found nothing; the row colours;
    and the longer text shown when the row is selected."""
    found, ticked = model.found_by_query(), model.ticked_by_query()
    rows, colours, reasons = [], [], []
    for i, q in enumerate(queries):
        who = "; ".join(q.values.get("PatientID", []) or q.values.get("AccessionNumber", [])
                        or next(iter(q.values.values()), []))
        status = q.status or ""
        why = q.reason or ("" if status not in (MISSING, FAILED) else
                           "nothing found" if status == MISSING else "search failed")
        n = found.get(q.number, 0)
        rows.append([q.query_id, who, status, str(n), str(ticked.get(q.number, 0)), why])
        if status in mygui.STATUS_COLOURS and status in (MISSING, FAILED):
            colours.append((i, *mygui.STATUS_COLOURS[status]))
        head = f"Query {q.query_id} (sheet row {q.row}): {status or 'not searched yet'}"
        reasons.append(f"{head}: {why}" if why else f"{head}, {n} series found, {ticked.get(q.number, 0)} ticked.")
    return rows, colours, reasons


def drop_notes(series, settings) -> dict[str, str]:
    """series uid -> "will be ignored: SeriesDescription contains 'Report'" for the series the
    de-identification's drop rules (anon_imgs.json) will drop, judged from the tags the search
    returned (the rules on image-level tags are only known once the images arrive)."""
    from pydicom.datadict import dictionary_VR, tag_for_keyword
    from pydicom.dataset import Dataset

    from mid import anonymizer
    rules = anonymizer.DropRules(anonymizer.AnonConfig.from_settings(settings))
    keywords = {kw for kw, _, _, _ in rules.rules}
    out = {}
    for s in series:
        if s.status == DOWNLOADED:
            continue
        ds = Dataset()
        for kw in keywords:
            value = s.tags.get(kw)
            if value in (None, ""):
                continue
            tag = tag_for_keyword(kw)
            try:
                ds.add_new(tag, dictionary_VR(tag), str(value))
            except (KeyError, ValueError, TypeError):
                continue
        try:
            why = rules.apply(ds)
        except Exception:                 # an odd value the rules cannot read: no note, no harm
            continue
        if why:
            out[s.series_uid] = "will be ignored: " + why.replace("anon_imgs rule: ", "")
    return out


def measured_sizes(project, series, per_modality: int = 20) -> dict[str, float]:
    """Bytes per instance by modality, from the images already written under images/ (at most
    per_modality of each series, as recorded): the size estimate uses real sizes once some arrived."""
    sizes: dict[str, list[int]] = {}
    for s in series:
        modality = str(s.tags.get("Modality", "") or "").upper()
        if not modality or not s.written or len(sizes.get(modality, ())) >= per_modality:
            continue
        sizes.setdefault(modality, []).extend(project.written_sizes(s.series_uid, per_modality))
    return {m: sum(v) / len(v) for m, v in sizes.items() if v}
