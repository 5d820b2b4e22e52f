"""PySimpleGUI layouts and view updates for the Medical Imaging Downloader window.

This module draws; it does not fetch. It knows nothing of the network, files or de-identification:
the page controllers (mid/pages.py, mid/page_*.py) hand it plain data (series rows, sheet rows, progress figures) and it turns them into
widgets. The results-tree model (clusters, filters, selection) is pure Python so it can be tested
without a window.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import PySimpleGUI as sg

from mid import dates
from mid.vocab import (CANCELLED, DOWNLOADED, DOWNLOADING, EXCLUDED, FAILED, FOUND, IGNORED, MISSING,
                       PARTIAL, QUEUED)

APP_TITLE = "Medical Imaging Downloader"
STEPS = ("Project", "Sheet", "Search", "Select", "Download")
FONT = ("Helvetica", 10)
FONT_BOLD = ("Helvetica", 10, "bold")
FONT_TITLE = ("Helvetica", 12, "bold")
HIGHLIGHT = ("white", "#1a73e8")       # the button of the next step
NORMAL = ("black", "#dfe3e8")
ERROR_ROW = ("black", "#f8c9c4")
STATUS_COLOURS = {
    QUEUED: ("black", "#ffffff"),
    DOWNLOADING: ("black", "#cfe3ff"),
    DOWNLOADED: ("black", "#c8efc8"),
    PARTIAL: ("black", "#ffe0a8"),
    FAILED: ("black", "#f8c9c4"),
    IGNORED: ("black", "#e2e2e2"),
    CANCELLED: ("black", "#ececec"),
    EXCLUDED: ("black", "#ececec"),
    MISSING: ("black", "#f8c9c4"),
}
class Key:
    """Every widget and window-event key of the window, defined once; handlers, tests and the
    benchmark use these names, never the strings."""
    ABOUT = "-ABOUT-"
    ANON = "-ANON-"
    A_CHAR = "-A-CHAR-"
    A_CLEAN = "-A-CLEAN-"
    A_DATES = "-A-DATES-"
    A_DEFAULT = "-A-DEFAULT-"
    A_DESCRIBE = "-A-DESCRIBE-"
    A_DROP = "-A-DROP-"
    A_DROP_ERR = "-A-DROP-ERR-"
    A_DROP_FORMAT = "-A-DROP-FORMAT-"
    A_IDPREFIX = "-A-IDPREFIX-"
    A_MSG = "-A-MSG-"
    A_NAMEPREFIX = "-A-NAMEPREFIX-"
    A_SAVE = "-A-SAVE-"
    BACK = "-BACK-"
    DEST = "-DEST-"
    DL_BAR = "-DL-BAR-"
    DL_CANCEL = "-DL-CANCEL-"
    DL_STATUS = "-DL-STATUS-"
    DOWNLOAD = "-DOWNLOAD-"
    EXACT = "-EXACT-"
    EXIT = "-EXIT-"
    EXPORT = "-EXPORT-"
    FAILED = "-FAILED-"
    FOUND = "-FOUND-"
    F_CLEAR = "-F-CLEAR-"
    F_DATE_FROM = "-F-DATE-FROM-"
    F_DATE_TO = "-F-DATE-TO-"
    F_MODALITY = "-F-MODALITY-"
    F_REGEX = "-F-REGEX-"
    F_SERIESNO = "-F-SERIESNO-"
    F_TEXT = "-F-TEXT-"
    LOAD_SELECTION = "-LOAD-SELECTION-"
    LOAD_SHEET = "-LOAD-SHEET-"
    LOAD_SHEET_2 = "-LOAD-SHEET-2-"
    LOGS = "-LOGS-"
    MENU = "-MENU-"
    MISSING = "-MISSING-"
    NEW_PROJECT = "-NEW-PROJECT-"
    NEXT = "-NEXT-"
    OPEN_IMAGES = "-OPEN-IMAGES-"
    OPEN_PROJECT = "-OPEN-PROJECT-"
    OPEN_REPORTS = "-OPEN-REPORTS-"
    PEERS = "-PEERS-"
    PROJECT_INFO = "-PROJECT-INFO-"
    PROJECT_PATH = "-PROJECT-PATH-"
    P_AET = "-P-AET-"
    P_CLEAR = "-P-CLEAR-"
    P_DELETE = "-P-DELETE-"
    P_HOST = "-P-HOST-"
    P_METHOD = "-P-METHOD-"
    P_MODEL = "-P-MODEL-"
    P_NAME = "-P-NAME-"
    P_PORT = "-P-PORT-"
    P_SAVE = "-P-SAVE-"
    P_TEST = "-P-TEST-"
    QUERY_TABLE = "-QUERY-TABLE-"
    README = "-README-"
    ROW_REASON = "-ROW-REASON-"
    SEARCH = "-SEARCH-"
    SEARCH_BAR = "-SEARCH-BAR-"
    SEARCH_CANCEL = "-SEARCH-CANCEL-"
    SEARCH_STATUS = "-SEARCH-STATUS-"
    SEL_ALL = "-SEL-ALL-"
    SEL_COUNT = "-SEL-COUNT-"
    SEL_C_ALL = "-SEL-C-ALL-"
    SEL_C_INVERT = "-SEL-C-INVERT-"
    SEL_C_NONE = "-SEL-C-NONE-"
    SEL_INVERT = "-SEL-INVERT-"
    SEL_NONE = "-SEL-NONE-"
    SHEET_INFO = "-SHEET-INFO-"
    SOURCE = "-SOURCE-"
    STATUS = "-STATUS-"
    STUDY_TABLE = "-STUDY-TABLE-"
    SUMMARY = "-SUMMARY-"
    SUMMARY_COL = "-SUMMARY-COL-"
    S_DATEORDER = "-S-DATEORDER-"
    S_DATEWIN = "-S-DATEWIN-"
    S_MSG = "-S-MSG-"
    S_RETRIES = "-S-RETRIES-"
    S_ROOT = "-S-ROOT-"
    S_SAVE = "-S-SAVE-"
    S_T_ACSE = "-S-T-ACSE-"
    S_T_CONNECT = "-S-T-CONNECT-"
    S_T_DIMSE = "-S-T-DIMSE-"
    S_T_IDLE = "-S-T-IDLE-"
    S_T_NETWORK = "-S-T-NETWORK-"
    S_WORKERS = "-S-WORKERS-"
    TAB_ANON = "-TAB-ANON-"
    TAB_MAIN = "-TAB-MAIN-"
    TAB_SETTINGS = "-TAB-SETTINGS-"
    TEST_SOURCE = "-TEST-SOURCE-"
    TOGGLE = "-TOGGLE-"
    TREE = "-TREE-"
    TREE_CLICK = TREE + "+CLICK"          # mouse release on the tree (bound in make_window)
    TREE_SPACE = TREE + "+SPACE"          # space bar on the tree
    PAGES = tuple(f"-PAGE-{i}-" for i in range(len(STEPS)))         # one column per step
    STEP_LABELS = tuple(f"-STEPLBL-{i}-" for i in range(len(STEPS)))  # the clickable step bar
    # The tab group's key carries PySimpleGUI's write-only marker (see TABS_KEY below).
    TABS = "-TABS-" + sg.WRITE_ONLY_KEY

    @staticmethod
    def err(key: str) -> str:
        """The key of the red message beside an input field (settings_tab's field_row)."""
        return key + "ERR"


#: window events posted by worker threads (window.write_event_value), not widgets
ENGINE_EVENT = "-ENGINE-"                 # an engine event (vocab.SearchProgress, ...)
REPORT_LOCKED_EVENT = "-REPORT-LOCKED-"   # a worker asks what to do with a locked report
JOB_DONE_EVENT = "-JOB-DONE-"             # a job returned or raised (pages.JobDone)

# Typical bytes per instance, used only for the size estimate shown before a download.
BYTES_PER_INSTANCE = {"CT": 530_000, "MR": 280_000, "PT": 70_000, "NM": 1_000_000, "US": 800_000,
                      "CR": 9_000_000, "DX": 12_000_000, "MG": 25_000_000, "XA": 4_000_000, "SR": 20_000}
DEFAULT_BYTES_PER_INSTANCE = 500_000


# ---------------------------------------------------------------------------------------------
# Checkbox icons: tiny PNGs made here so the program ships no image files.

class UserError(Exception):
    """A problem the user can fix; str() says what and how. Shown without a traceback."""


def readable(e: BaseException) -> str:
    """One line for the user: the exception's own message, or its type when it has none."""
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    if isinstance(e, OSError) and e.filename:
        text = f"{e.strerror or text}: {e.filename}"
    return text + ("" if text.endswith(".") else ".") + " Details are in the log (Help > Open log folder)."


#: the tree's checkbox icons, 14x14 PNG (base64): ticked, empty, and partly ticked (a bar)
ICONS = {
    "checked": b"iVBORw0KGgoAAAANSUhEUgAAAA4AAAAOCAYAAAAfSC3RAAAAQ0lEQVR4nGOIior6Tw5mABGkgkGuUar4BekaQZpI1oiuCatGdAXYNOHUCFOISxNOp8I04NKEUyM2JxOtkRCgXCM5GABPkpAD5j9nGwAAAABJRU5ErkJggg==",  # noqa: E501
    "unchecked": b"iVBORw0KGgoAAAANSUhEUgAAAA4AAAAOCAYAAAAfSC3RAAAAHElEQVR4nGOIior6Tw5mABGkglGNoxoHSiM5GACC0KiDOM8NewAAAABJRU5ErkJggg==",  # noqa: E501
    "partial": b"iVBORw0KGgoAAAANSUhEUgAAAA4AAAAOCAYAAAAfSC3RAAAAJUlEQVR4nGOIior6Tw5mABGkgqGsUar4BV48HDSSHThDQCM5GADtDXeDYd2oWQAAAABJRU5ErkJggg==",  # noqa: E501
}


# ---------------------------------------------------------------------------------------------
# Results model: one row per series, clustered into groups of studies that look alike.

@dataclass(frozen=True)
class SeriesRow:
    """One series found by the search, as the results tree needs it."""
    series_uid: str
    study_uid: str
    study_number: str
    study_description: str
    series_description: str
    modality: str
    series_number: str
    study_date: str
    instances: int
    status: str = FOUND


def series_rows(records: Iterable) -> list[SeriesRow]:
    """SeriesRow list from project.SeriesRecord values."""
    out = []
    for r in records:
        tags = r.tags
        try:
            instances = int(tags.get("NumberOfSeriesRelatedInstances") or r.expected or 0)
        except (TypeError, ValueError):
            instances = 0
        out.append(SeriesRow(
            series_uid=r.series_uid, study_uid=r.study_uid, study_number=str(r.study_number or ""),
            study_description=str(tags.get("StudyDescription", "") or ""),
            series_description=str(tags.get("SeriesDescription", "") or ""),
            modality=str(tags.get("Modality", "") or ""), series_number=str(tags.get("SeriesNumber", "") or ""),
            study_date=str(tags.get("StudyDate", "") or ""), instances=instances,
            status=str(r.status or FOUND)))
    return out


class FilterError(ValueError):
    """A filter field the user typed cannot be used; str() says which and what to type."""


def _parse_numbers(text: str) -> list[tuple[int, int]]:
    """'1, 3-5' -> [(1, 1), (3, 5)]; raises FilterError naming the bad part."""
    ranges = []
    for part in re.split(r"[,;\s]+", text.strip()):
        if not part:
            continue
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not m:
            raise FilterError(f"Series number filter: '{part}' is not a number or range; write e.g. 1, 3-5")
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        ranges.append((min(lo, hi), max(lo, hi)))
    return ranges


def _parse_date(text: str, which: str) -> str:
    """'2013-04-10' or '20130410' -> '20130410'; '' stays ''; anything else raises FilterError."""
    text = text.strip()
    if not text:
        return ""
    day = dates.parse_ymd(text)
    if day is None:
        raise FilterError(f"Date {which}: '{text}' is not a date; write YYYY-MM-DD, e.g. 2013-04-10")
    return dates.to_da(day)


@dataclass(frozen=True)
class Filters:
    """What the filter bar asks for. Empty fields match everything."""
    text: str = ""
    regex: bool = False
    modality: str = ""
    series_numbers: str = ""
    date_from: str = ""
    date_to: str = ""

    def compile(self):
        """A predicate SeriesRow -> bool; raises FilterError for a bad regex, number or date."""
        text = self.text.strip()
        if text and self.regex:
            try:
                pattern = re.compile(text, re.IGNORECASE)
            except re.error as e:
                raise FilterError(f"Filter: '{text}' is not a valid regular expression ({e}); "
                                  "fix it or untick Regex") from None
            text_ok = lambda r: bool(pattern.search(r.study_description) or pattern.search(r.series_description))
        elif text:
            low = text.lower()
            text_ok = lambda r: low in r.study_description.lower() or low in r.series_description.lower()
        else:
            text_ok = lambda r: True
        mods = {m.strip().upper() for m in re.split(r"[,;\s]+", self.modality) if m.strip() and m.strip() != "All"}
        numbers = _parse_numbers(self.series_numbers)
        lo, hi = _parse_date(self.date_from, "from"), _parse_date(self.date_to, "to")

        def number_ok(r: SeriesRow) -> bool:
            if not numbers:
                return True
            try:
                n = int(float(r.series_number))
            except ValueError:
                return False
            return any(a <= n <= b for a, b in numbers)

        def ok(r: SeriesRow) -> bool:
            return (text_ok(r) and (not mods or r.modality.upper() in mods) and number_ok(r)
                    and (not lo or (r.study_date[:8] >= lo)) and (not hi or (r.study_date[:8] <= hi and r.study_date != "")))
        return ok


@dataclass
class Cluster:
    """Studies sharing a StudyDescription and the same set of SeriesDescriptions."""
    key: str
    study_description: str
    series_descriptions: tuple[str, ...]
    rows: list[SeriesRow] = field(default_factory=list)

    @property
    def study_uids(self) -> set[str]:
        return {r.study_uid for r in self.rows}


@dataclass(frozen=True)
class SelectionSummary:
    """The live count under the tree."""
    studies: int
    series: int
    instances: int
    est_bytes: int
    hidden: int          # selected series the current filter hides

    def text(self) -> str:
        line = (f"Selected: {self.studies} studies, {self.series} series, {self.instances:,} images, "
                f"about {human_bytes(self.est_bytes)}")
        if self.hidden:
            line += f" ({self.hidden} selected series hidden by the filter)"
        return line


def human_bytes(n: float) -> str:
    """1234567 -> '1.2 MB'."""
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"


def cluster_rows(rows: Sequence[SeriesRow]) -> list[Cluster]:
    """Group series into clusters of alike studies, largest cluster first (then by description)."""
    by_study: dict[str, list[SeriesRow]] = {}
    for r in rows:
        by_study.setdefault(r.study_uid, []).append(r)
    groups: dict[tuple, list[SeriesRow]] = {}
    for study_rows in by_study.values():
        sig = (study_rows[0].study_description, tuple(sorted({r.series_description for r in study_rows})))
        groups.setdefault(sig, []).extend(study_rows)
    ordered = sorted(groups.items(), key=lambda kv: (-len({r.study_uid for r in kv[1]}), kv[0][0].lower(), kv[0][1]))
    return [Cluster(key=f"C{i}", study_description=sig[0], series_descriptions=sig[1], rows=members)
            for i, (sig, members) in enumerate(ordered)]


def _series_sort_key(desc_rows: tuple[str, list[SeriesRow]]):
    nums = []
    for r in desc_rows[1]:
        try:
            nums.append(int(float(r.series_number)))
        except ValueError:
            pass
    return (min(nums) if nums else 1 << 30, desc_rows[0].lower())


def _join(values: Iterable[str], limit: int = 4) -> str:
    vals = sorted({v for v in values if v}, key=lambda v: (len(v), v))
    return ", ".join(vals[:limit]) + (" …" if len(vals) > limit else "")


class ResultsModel:
    """Clusters, filters and the user's selection, independent of any window.

    Tree nodes: a cluster "C<i>" and, under it, one child "C<i>/S<j>" per series description; a
    child stands for that series in every (visible) study of the cluster. Toggling a node selects
    or unselects the visible series it stands for. Nothing is selected at first.
    """

    TREE_HEADINGS = ["Studies", "Series", "Modality", "Series #", "Images", "Status"]

    def __init__(self, rows: Sequence[SeriesRow], selected: Iterable[str] = ()):
        self.rows = list(rows)
        self.by_uid = {r.series_uid: r for r in self.rows}
        self.clusters = cluster_rows(self.rows)
        self.selected: set[str] = set(selected) & set(self.by_uid)
        self.filters = Filters()
        self._predicate = self.filters.compile()
        self._nodes: dict[str, list[str]] = {}      # node key -> visible series uids
        self._children: dict[str, list[str]] = {}   # cluster key -> child node keys (visible)
        self._labels: dict[str, tuple[str, list[str]]] = {}
        self._refresh()

    # -- filters ---------------------------------------------------------------------------
    def set_filters(self, filters: Filters) -> None:
        """Apply a filter; raises FilterError (and keeps the old filter) if a field is unusable."""
        predicate = filters.compile()
        self.filters, self._predicate = filters, predicate
        self._refresh()

    def modalities(self) -> list[str]:
        return sorted({r.modality for r in self.rows if r.modality})

    def _refresh(self) -> None:
        self._nodes.clear(); self._children.clear(); self._labels.clear()
        for c in self.clusters:
            visible = [r for r in c.rows if self._predicate(r)]
            if not visible:
                continue
            self._nodes[c.key] = [r.series_uid for r in visible]
            by_desc: dict[str, list[SeriesRow]] = {}
            for r in visible:
                by_desc.setdefault(r.series_description, []).append(r)
            kids = []
            for j, (desc, members) in enumerate(sorted(by_desc.items(), key=_series_sort_key)):
                k = f"{c.key}/S{j}"
                kids.append(k)
                self._nodes[k] = [r.series_uid for r in members]
                self._labels[k] = (desc or "(no series description)", [
                    str(len({r.study_uid for r in members})), str(len(members)),
                    _join(r.modality for r in members), _join(r.series_number for r in members),
                    f"{sum(r.instances for r in members):,}", _status_text(members)])
            self._children[c.key] = kids
            n_studies = len({r.study_uid for r in visible})
            self._labels[c.key] = (c.study_description or "(no study description)", [
                f"{n_studies} stud{'y' if n_studies == 1 else 'ies'}", str(len(visible)),
                _join(r.modality for r in visible), "", f"{sum(r.instances for r in visible):,}",
                _status_text(visible)])

    # -- nodes -------------------------------------------------------------------------------
    def visible_clusters(self) -> list[str]:
        return list(self._children)

    def children(self, cluster_key: str) -> list[str]:
        return list(self._children.get(cluster_key, []))

    def node_series(self, node_key: str) -> list[str]:
        """The visible series a node stands for (empty for an unknown or hidden node)."""
        return list(self._nodes.get(node_key, []))

    def cluster_of(self, node_key: str) -> str:
        return node_key.split("/", 1)[0]

    def label(self, node_key: str) -> tuple[str, list[str]]:
        return self._labels[node_key]

    def state(self, node_key: str) -> str:
        """'checked', 'unchecked' or 'partial' for the node's visible series."""
        uids = self._nodes.get(node_key, [])
        n = sum(1 for u in uids if u in self.selected)
        return "unchecked" if n == 0 else "checked" if n == len(uids) else "partial"

    def visible_series(self) -> list[str]:
        return [u for c in self._children for u in self._nodes[c]]

    # -- selection -------------------------------------------------------------------------
    def toggle(self, node_key: str) -> list[str]:
        """Click on a node: select all its visible series unless all are selected already, then
        unselect them. Returns the node keys whose checkbox changed (node, its cluster, children)."""
        uids = self._nodes.get(node_key, [])
        if self.state(node_key) == "checked":
            self.selected.difference_update(uids)
        else:
            self.selected.update(uids)
        return self._affected(node_key)

    def select_all(self, cluster_key: str | None = None) -> None:
        self.selected.update(self._scope(cluster_key))

    def select_none(self, cluster_key: str | None = None) -> None:
        self.selected.difference_update(self._scope(cluster_key))

    def invert(self, cluster_key: str | None = None) -> None:
        self.selected.symmetric_difference_update(self._scope(cluster_key))

    def _scope(self, cluster_key: str | None) -> list[str]:
        return self.visible_series() if cluster_key is None else self.node_series(cluster_key)

    def _affected(self, node_key: str) -> list[str]:
        c = self.cluster_of(node_key)
        return [c] + self.children(c)

    def summary(self) -> SelectionSummary:
        rows = [self.by_uid[u] for u in self.selected]
        visible = set(self.visible_series())
        return SelectionSummary(
            studies=len({r.study_uid for r in rows}), series=len(rows), instances=sum(r.instances for r in rows),
            est_bytes=sum(r.instances * BYTES_PER_INSTANCE.get(r.modality.upper(), DEFAULT_BYTES_PER_INSTANCE)
                          for r in rows),
            hidden=sum(1 for u in self.selected if u not in visible))

    # -- view --------------------------------------------------------------------------------
    def tree_data(self) -> sg.TreeData:
        """The sg.TreeData for the visible clusters and their series, with checkbox icons."""
        td = sg.TreeData()
        for c in self._children:
            text, values = self._labels[c]
            td.insert("", c, text, values, icon=ICONS[self.state(c)])
            for k in self._children[c]:
                text, values = self._labels[k]
                td.insert(c, k, text, values, icon=ICONS[self.state(k)])
        return td


def _status_text(rows: Sequence[SeriesRow]) -> str:
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.status] = counts.get(r.status, 0) + 1
    if len(counts) == 1:
        return next(iter(counts))
    return ", ".join(f"{n} {s}" for s, n in sorted(counts.items(), key=lambda kv: -kv[1]))


# ---------------------------------------------------------------------------------------------
# Layouts

def _button(text: str, key: str, **kw) -> sg.Button:
    return sg.Button(text, key=key, button_color=NORMAL, font=FONT, **kw)


def step_bar() -> list:
    """Row of step indicators plus Back/Next."""
    items = [sg.Text(f" {i + 1}. {name} ", key=Key.STEP_LABELS[i], font=FONT, pad=(2, 4),
                     background_color="#eceff1", text_color="#777777", enable_events=True)
             for i, name in enumerate(STEPS)]
    return items + [sg.Push(), _button("◀ Back", Key.BACK), _button("Next ▶", Key.NEXT)]


def _project_page() -> sg.Column:
    return sg.Column([
        [sg.Text("Project", font=FONT_TITLE)],
        [sg.Text("A project is a folder: images/ holds the output; private/ holds the key, reports and state.",
                 font=FONT)],
        [sg.Text("Project folder:", font=FONT), sg.Text("(none yet: loading a sheet creates one under the "
                                                          "storage root)", key=Key.PROJECT_PATH, font=FONT_BOLD)],
        [_button("New project…", Key.NEW_PROJECT), _button("Open project…", Key.OPEN_PROJECT),
         _button("Load query sheet… (Ctrl+O)", Key.LOAD_SHEET)],
        [sg.Text("", key=Key.PROJECT_INFO, font=FONT, size=(110, 3))],
    ], key=Key.PAGES[0], expand_x=True, expand_y=True)


def _sheet_page(identifiers: Sequence[str]) -> sg.Column:
    headings = ["Row", "Query"] + list(identifiers) + ["Problem"]
    return sg.Column([
        [sg.Text("Studies of Interest (Queries)", font=FONT_TITLE), sg.Push(),
         _button("Load query sheet… (Ctrl+O)", Key.LOAD_SHEET_2)],
        [sg.Text("No sheet loaded.", key=Key.SHEET_INFO, font=FONT, expand_x=True)],
        [sg.Table(values=[], headings=headings, key=Key.QUERY_TABLE, auto_size_columns=False,
                  col_widths=[5, 7] + [14] * len(identifiers) + [40], justification="left", num_rows=18,
                  enable_events=True, select_mode=sg.TABLE_SELECT_MODE_BROWSE, expand_x=True, expand_y=True,
                  font=FONT, vertical_scroll_only=False, row_height=22)],
        [sg.Text("Select a row to see its problem, if any.", key=Key.ROW_REASON, font=FONT, size=(120, 2),
                 text_color="#a00000")],
    ], key=Key.PAGES[1], visible=False, expand_x=True, expand_y=True)


def _search_page(peers: Sequence[str], source: str, exact: bool) -> sg.Column:
    return sg.Column([
        [sg.Text("Search the PACS", font=FONT_TITLE)],
        [sg.Text("Source:", font=FONT), sg.Combo(list(peers), default_value=source, key=Key.SOURCE, readonly=True,
                                                size=(32, 1), font=FONT),
         _button("Test", Key.TEST_SOURCE),
         sg.Checkbox("Exact Study/Series Description", default=exact, key=Key.EXACT, font=FONT)],
        [_button("Search (Ctrl+F)", Key.SEARCH), _button("Cancel", Key.SEARCH_CANCEL, disabled=True)],
        [sg.ProgressBar(100, orientation="h", size=(60, 18), key=Key.SEARCH_BAR, expand_x=True)],
        [sg.Text("Not searched yet.", key=Key.SEARCH_STATUS, font=FONT, size=(100, 1))],
        [sg.Text("Found: 0", key=Key.FOUND, font=FONT_BOLD, size=(14, 1), text_color="#1b5e20"),
         sg.Text("Missing: 0", key=Key.MISSING, font=FONT_BOLD, size=(14, 1), text_color="#8d6e00"),
         sg.Text("Failed: 0", key=Key.FAILED, font=FONT_BOLD, size=(14, 1), text_color="#b71c1c")],
    ], key=Key.PAGES[2], visible=False, expand_x=True, expand_y=True)


def _select_page() -> sg.Column:
    filter_row = [
        sg.Text("Filter:", font=FONT), sg.Input("", key=Key.F_TEXT, size=(22, 1), font=FONT, enable_events=True,
                                               tooltip="text in the study or series description"),
        sg.Checkbox("Regex", key=Key.F_REGEX, font=FONT, enable_events=True),
        sg.Text("Modality:", font=FONT), sg.Combo(["All"], default_value="All", key=Key.F_MODALITY, size=(6, 1),
                                                  readonly=True, enable_events=True, font=FONT),
        sg.Text("Series #:", font=FONT), sg.Input("", key=Key.F_SERIESNO, size=(8, 1), font=FONT,
                                                  enable_events=True, tooltip="e.g. 1, 3-5"),
        sg.Text("Date from:", font=FONT), sg.Input("", key=Key.F_DATE_FROM, size=(11, 1), font=FONT,
                                                   enable_events=True, tooltip="YYYY-MM-DD"),
        sg.Text("to:", font=FONT), sg.Input("", key=Key.F_DATE_TO, size=(11, 1), font=FONT, enable_events=True,
                                            tooltip="YYYY-MM-DD"),
        _button("Clear", Key.F_CLEAR),
    ]
    select_row = [
        sg.Text("All shown:", font=FONT), _button("Select all", Key.SEL_ALL), _button("None", Key.SEL_NONE),
        _button("Invert", Key.SEL_INVERT), sg.Text("   This cluster:", font=FONT),
        _button("All", Key.SEL_C_ALL), _button("None", Key.SEL_C_NONE), _button("Invert", Key.SEL_C_INVERT),
    ]
    tree = sg.Tree(data=sg.TreeData(), headings=ResultsModel.TREE_HEADINGS, col0_heading="Study / series description",
                   col0_width=38, col_widths=[9, 7, 10, 10, 9, 18], auto_size_columns=False, num_rows=16,
                   key=Key.TREE, enable_events=True, select_mode=sg.TABLE_SELECT_MODE_BROWSE, show_expanded=True,
                   font=FONT, justification="left", row_height=22, expand_x=True, expand_y=True)
    return sg.Column([
        [sg.Text("Choose studies and series", font=FONT_TITLE),
         sg.Text("(click a row to tick or untick it; a cluster row ticks every series in its studies)", font=FONT)],
        filter_row, select_row, [tree],
        [sg.Text("Selected: nothing yet", key=Key.SEL_COUNT, font=FONT_BOLD, size=(110, 1))],
    ], key=Key.PAGES[3], visible=False, expand_x=True, expand_y=True)


def _download_page(peers: Sequence[str], destination: str, anonymize: bool) -> sg.Column:
    headings = ["Study", "Description", "Series", "Images", "Status"]
    summary = sg.Column([
        [sg.Text("", key=Key.SUMMARY, font=FONT_BOLD, size=(90, 3))],
        [_button("Open images folder", Key.OPEN_IMAGES), _button("Open reports folder", Key.OPEN_REPORTS)],
    ], key=Key.SUMMARY_COL, visible=False)
    return sg.Column([
        [sg.Text("Download", font=FONT_TITLE)],
        [sg.Text("Destination:", font=FONT), sg.Combo(list(peers), default_value=destination, key=Key.DEST,
                                                     readonly=True, size=(32, 1), font=FONT),
         sg.Checkbox("Anonymize", default=anonymize, key=Key.ANON, font=FONT, enable_events=True),
         _button("Download (Ctrl+D)", Key.DOWNLOAD), _button("Cancel", Key.DL_CANCEL, disabled=True)],
        [sg.ProgressBar(1000, orientation="h", size=(60, 18), key=Key.DL_BAR, expand_x=True)],
        [sg.Text("Ready.", key=Key.DL_STATUS, font=FONT, size=(110, 1))],
        [sg.Table(values=[], headings=headings, key=Key.STUDY_TABLE, auto_size_columns=False,
                  col_widths=[8, 40, 10, 14, 16], justification="left", num_rows=12, font=FONT, row_height=22,
                  expand_x=True, expand_y=True)],
        [sg.pin(summary)],
    ], key=Key.PAGES[4], visible=False, expand_x=True, expand_y=True)


def main_tab(identifiers, peers, source, destination, exact, anonymize) -> list:
    pages = [_project_page(), _sheet_page(identifiers), _search_page(peers, source, exact), _select_page(),
             _download_page(peers, destination, anonymize)]
    return [step_bar(), [sg.HorizontalSeparator()]] + [[p] for p in pages]


PEER_HEADINGS = ["Name", "AE title", "Host", "Port", "Retrieve", "Model"]


def settings_tab(values: dict) -> list:
    """values: storage_root, workers, timeouts, retries, date_window_days, date_order, peers_rows."""
    def field_row(label, key, value, width=10, tip=None):
        return [sg.Text(label, size=(18, 1), font=FONT),
                sg.Input(str(value), key=key, size=(width, 1), font=FONT, enable_events=True, tooltip=tip),
                sg.Text("", key=Key.err(key), font=FONT, text_color="#b71c1c", size=(90, 1))]

    peer_editor = [
        [sg.Table(values=values["peers_rows"], headings=PEER_HEADINGS, key=Key.PEERS, auto_size_columns=False,
                  col_widths=[16, 16, 16, 7, 8, 8], justification="left", num_rows=6, enable_events=True,
                  select_mode=sg.TABLE_SELECT_MODE_BROWSE, font=FONT, expand_x=True)],
        field_row("Name", Key.P_NAME, "", 24),
        field_row("AE title", Key.P_AET, "", 18),
        field_row("Host / IP", Key.P_HOST, "", 18),
        field_row("Port", Key.P_PORT, ""),
        [sg.Text("Retrieve with", size=(18, 1), font=FONT),
         sg.Combo(["move", "get"], default_value="move", key=Key.P_METHOD, readonly=True, font=FONT),
         sg.Text("Query model", font=FONT),
         sg.Combo(["study", "patient"], default_value="study", key=Key.P_MODEL, readonly=True, font=FONT)],
        [_button("Add / update peer", Key.P_SAVE), _button("Delete peer", Key.P_DELETE),
         _button("Test (C-ECHO)", Key.P_TEST), _button("Clear fields", Key.P_CLEAR)],
    ]
    general = [
        [sg.Text("Storage root", size=(18, 1), font=FONT),
         sg.Input(values["storage_root"], key=Key.S_ROOT, size=(50, 1), font=FONT),
         sg.FolderBrowse(target=Key.S_ROOT, font=FONT)],
        field_row("Workers", Key.S_WORKERS, values["workers"], tip="parallel associations, 1-16"),
        field_row("Connect timeout (s)", Key.S_T_CONNECT, values["connect_timeout"]),
        field_row("ACSE timeout (s)", Key.S_T_ACSE, values["acse_timeout"]),
        field_row("DIMSE timeout (s)", Key.S_T_DIMSE, values["dimse_timeout"]),
        field_row("Network timeout (s)", Key.S_T_NETWORK, values["network_timeout"]),
        field_row("Idle move timeout (s)", Key.S_T_IDLE, values["move_idle_timeout"]),
        field_row("Retries", Key.S_RETRIES, values["retries"]),
        field_row("Date window (± days)", Key.S_DATEWIN, values["date_window_days"]),
        [sg.Text("Date order in sheets", size=(18, 1), font=FONT),
         sg.Combo(["US", "EU"], default_value=values["date_order"], key=Key.S_DATEORDER, readonly=True, font=FONT),
         sg.Text("US = M/D/Y, EU = D/M/Y", font=FONT)],
        [sg.Text("Default retrieve", size=(18, 1), font=FONT),
         sg.Text("per peer (see Retrieve with)", font=FONT)],
    ]
    return [[sg.Frame("Peers (PACS and <SELF>, our own receiver)", peer_editor, font=FONT_BOLD, expand_x=True)],
            [sg.Frame("General", general, font=FONT_BOLD, expand_x=True)],
            [_button("Save settings", Key.S_SAVE), sg.Text("", key=Key.S_MSG, font=FONT, size=(80, 1))]]


def anon_tab(values: dict) -> list:
    """values: anonymize, retain_dates, clean_descriptors, retain_characteristics, id_prefix, name_prefix,
    drop_rules (editable text), drop_format (how to write it), describe (text)."""
    return [
        [sg.Checkbox("Anonymize by default", default=values["anonymize"], key=Key.A_DEFAULT, font=FONT)],
        [sg.Checkbox("Retain longitudinal dates, shifted per patient", default=values["retain_dates"],
                     key=Key.A_DATES, font=FONT)],
        [sg.Checkbox("Clean descriptors (keep cleaned study/series descriptions)",
                     default=values["clean_descriptors"], key=Key.A_CLEAN, font=FONT)],
        [sg.Checkbox("Retain patient characteristics (sex, age, size, weight)",
                     default=values["retain_characteristics"], key=Key.A_CHAR, font=FONT)],
        [sg.Text("Patient ID prefix", size=(18, 1), font=FONT),
         sg.Input(values["id_prefix"], key=Key.A_IDPREFIX, size=(16, 1), font=FONT),
         sg.Text("Patient name prefix", font=FONT),
         sg.Input(values["name_prefix"], key=Key.A_NAMEPREFIX, size=(16, 1), font=FONT)],
        [sg.Text("Drop rules (config/anon_imgs.json): an image is dropped when the tag contains any of these",
                 font=FONT)],
        [sg.Multiline(values["drop_rules"], key=Key.A_DROP, size=(60, 5), font=FONT, enable_events=True),
         sg.Text(values.get("drop_format", ""), key=Key.A_DROP_FORMAT, font=FONT, text_color="#37474f")],
        [sg.Text("", key=Key.A_DROP_ERR, font=FONT, text_color="#b71c1c", size=(110, 1))],
        [_button("Save anonymization settings", Key.A_SAVE), sg.Text("", key=Key.A_MSG, font=FONT, size=(80, 1))],
        [sg.Text("What will be done to every image", font=FONT_BOLD)],
        [sg.Multiline(values["describe"], key=Key.A_DESCRIBE, size=(100, 14), font=("Courier", 9),
                      disabled=True, write_only=True, expand_x=True, expand_y=True)],
    ]


def ask_locked_report(path: Path):
    """Modal choice for a report that cannot be replaced (open in Excel?): "retry", a Path
    chosen with Save as…, or "rename" (the "name (1).xlsx" fallback; also when the dialog is closed)."""
    path = Path(path)
    fallback = f"{path.stem} (1){path.suffix}"
    text = (f"The report {path.name} cannot be replaced: it is probably open in Excel or another program.\n"
            f"Close it there and press Retry, choose another name with Save as…, or keep the copy as {fallback}.")
    while True:
        win = sg.Window(APP_TITLE, [[sg.Text(text, font=FONT)],
                                    [sg.Button("Retry", key="retry", font=FONT, bind_return_key=True),
                                     sg.Button("Save as…", key="saveas", font=FONT),
                                     sg.Button(f'Keep "{fallback}" name', key="rename", font=FONT)]],
                        modal=True, keep_on_top=True, finalize=True)
        event, _ = win.read()
        win.close()
        if event == "saveas":
            got = sg.popup_get_file("Save the report as", title=APP_TITLE, save_as=True, keep_on_top=True,
                                    default_path=str(path.with_name(fallback)), default_extension=".xlsx",
                                    file_types=(("Excel", "*.xlsx"),), initial_folder=str(path.parent))
            if got:
                return Path(got)
            continue                                   # Save as cancelled: ask again
        return "retry" if event == "retry" else "rename"


MENU_DEF = [
    ["&File", [f"&New project...::{Key.NEW_PROJECT}", f"&Open project...::{Key.OPEN_PROJECT}", "---",
               f"&Load query sheet...   Ctrl+O::{Key.LOAD_SHEET}",
               f"Load &selection from results sheet...::{Key.LOAD_SELECTION}",
               f"&Export results   Ctrl+E::{Key.EXPORT}", "---", f"E&xit   Ctrl+Q::{Key.EXIT}"]],
    ["&Help", [f"&About::{Key.ABOUT}", f"Open &README::{Key.README}", f"Open &log folder::{Key.LOGS}"]],
]

SHORTCUTS = {"<Control-o>": Key.LOAD_SHEET, "<Control-f>": Key.SEARCH, "<Control-d>": Key.DOWNLOAD,
             "<Control-e>": Key.EXPORT, "<Control-q>": Key.EXIT, "<Control-n>": Key.NEW_PROJECT,
             "<Alt-Left>": Key.BACK, "<Alt-Right>": Key.NEXT, "<F1>": Key.ABOUT}


# The tab group's key carries PySimpleGUI's write-only marker, so window.read() does not collect
# the values of the ~60 widgets inside the tabs on every loop turn. Each of those is a Tk call,
# and while a download runs every Tk call must win the interpreter lock back from the worker
# threads: ~40 ms per read. Events (clicks, typing, tree keys, thread events) still arrive; the
# handlers read the widgets they need with window[key].get() (or .SelectedRows for tables).
TABS_KEY = Key.TABS


def make_window(main_values: dict, settings_values: dict, anon_values: dict, location=None) -> sg.Window:
    """The one window: menu, tabs Main/Settings/Anonymization, a status line."""
    sg.theme("LightGrey1")
    layout = [
        [sg.Menu(MENU_DEF, key=Key.MENU, font=FONT)],
        [sg.TabGroup([[sg.Tab("Main", main_tab(**main_values), key=Key.TAB_MAIN),
                       sg.Tab("Settings", settings_tab(settings_values), key=Key.TAB_SETTINGS),
                       sg.Tab("Anonymization", anon_tab(anon_values), key=Key.TAB_ANON)]],
                     key=TABS_KEY, font=FONT, expand_x=True, expand_y=True)],
        [sg.Text("Ready.", key=Key.STATUS, font=FONT, size=(140, 1), relief=sg.RELIEF_SUNKEN, expand_x=True)],
    ]
    window = sg.Window(APP_TITLE, layout, size=(1200, 820), resizable=True, finalize=True,
                       enable_close_attempted_event=True, location=location or (None, None), font=FONT)
    for seq, key in SHORTCUTS.items():
        window.bind(seq, key)
    tree = window[Key.TREE]
    tree.bind("<ButtonRelease-1>", "+CLICK")
    tree.bind("<space>", "+SPACE")
    return window


# ---------------------------------------------------------------------------------------------
# View updates

def show_step(window: sg.Window, current: int, reached: int, next_key: str | None,
              can_next: bool | None = None) -> None:
    """Show page `current`, colour the step labels, and highlight the next action's button."""
    for i in range(len(STEPS)):
        _show_page(window[Key.PAGES[i]], i == current)
        if i == current:
            colours = ("white", "#1a73e8")
        elif i <= reached:
            colours = ("black", "#c8e6c9")
        else:
            colours = ("#777777", "#eceff1")
        window[Key.STEP_LABELS[i]].update(text_color=colours[0], background_color=colours[1])
    window[Key.BACK].update(disabled=current == 0)
    window[Key.NEXT].update(disabled=not (current < reached if can_next is None else can_next))
    highlight(window, next_key)


def _show_page(page: sg.Column, shown: bool) -> None:
    """Show or hide a page with its whole row: Tk keeps an emptied frame at its old size, so a
    hidden page's row is unpacked, and the shown one packed again (pages share one slot)."""
    row = page.ParentRowFrame
    if page.metadata is None:
        info = row.pack_info()
        page.metadata = {k: info[k] for k in ("side", "anchor", "padx", "pady")}
    if shown:
        page.update(visible=True)
        if not row.winfo_manager():
            row.pack(expand=True, fill="both", **page.metadata)
    else:
        if row.winfo_manager():
            row.pack_forget()
        page.update(visible=False)


HIGHLIGHTABLE = (Key.NEW_PROJECT, Key.OPEN_PROJECT, Key.LOAD_SHEET, Key.LOAD_SHEET_2, Key.SEARCH, Key.NEXT,
                 Key.DOWNLOAD, Key.OPEN_IMAGES)


def highlight(window: sg.Window, key: str | None) -> None:
    for k in HIGHLIGHTABLE:
        window[k].update(button_color=HIGHLIGHT if k == key else NORMAL)


def show_query_table(window: sg.Window, headings: Sequence[str], rows: list[list[str]], error_rows: set[int]) -> None:
    """Fill the query table; hide every column that is empty in all rows (Row, Query, Problem stay)."""
    table = window[Key.QUERY_TABLE]
    colours = [(i, ERROR_ROW[0], ERROR_ROW[1]) for i in sorted(error_rows)]
    table.update(values=rows, row_colors=colours)
    keep = [h for j, h in enumerate(headings)
            if j < 2 or j == len(headings) - 1 or any(str(r[j]).strip() for r in rows)]
    table.Widget.configure(displaycolumns=keep)


def set_tree(window: sg.Window, model: ResultsModel) -> None:
    """Rebuild the whole tree from the model (after a search or a filter change)."""
    window[Key.TREE].update(values=model.tree_data())
    window[Key.F_MODALITY].update(values=["All"] + model.modalities(),
                                  value=model.filters.modality or "All")
    show_selection(window, model)


def tree_photo(window: sg.Window, state: str):
    """Cached Tk image for a checkbox state (kept on the element so Tk does not drop it)."""
    tree = window[Key.TREE]
    cache = tree.IconList.setdefault("__checkbox_photos__", {})
    if state not in cache:
        cache[state] = sg.tk.PhotoImage(data=ICONS[state])
    return cache[state]


def refresh_nodes(window: sg.Window, model: ResultsModel, node_keys: Iterable[str]) -> None:
    """Update the checkbox icons of some nodes in place (cheap: no rebuild)."""
    tree = window[Key.TREE]
    for k in node_keys:
        iid = tree.KeyToID.get(k)
        if iid:
            tree.Widget.item(iid, image=tree_photo(window, model.state(k)))
    show_selection(window, model)


def refresh_all_nodes(window: sg.Window, model: ResultsModel) -> None:
    keys = [k for c in model.visible_clusters() for k in [c] + model.children(c)]
    refresh_nodes(window, model, keys)


def show_selection(window: sg.Window, model: ResultsModel) -> None:
    s = model.summary()
    window[Key.SEL_COUNT].update(s.text() if s.series else "Selected: nothing yet. Click a row to tick it.")


def clicked_tree_key(window: sg.Window) -> str | None:
    """The node key under the mouse for the last click on the tree (None for headings/blank)."""
    tree = window[Key.TREE]
    ev = tree.user_bind_event
    if ev is None:
        return None
    if tree.Widget.identify_region(ev.x, ev.y) not in ("tree", "cell"):
        return None
    iid = tree.Widget.identify_row(ev.y)
    key = tree.IdToKey.get(iid) if iid else None
    return key or None


def focused_tree_key(window: sg.Window) -> str | None:
    tree = window[Key.TREE]
    sel = tree.Widget.selection()
    return tree.IdToKey.get(sel[0]) if sel else None


def study_table_rows(studies: dict[str, dict]) -> tuple[list[list[str]], list[tuple]]:
    """Rows and row colours for the per-study status list. studies: number -> {description,
    series: {uid: (status, received, expected)}}."""
    rows, colours = [], []
    for i, (number, info) in enumerate(sorted(studies.items())):
        series = info["series"].values()
        statuses = [s[0] for s in series]
        status = study_status(statuses)
        done = sum(1 for s in statuses if s in (DOWNLOADED, IGNORED, FAILED, PARTIAL, CANCELLED))
        received = sum(s[1] or 0 for s in series)
        expected = sum(s[2] or 0 for s in series)
        rows.append([number, info.get("description", ""), f"{done}/{len(statuses)}",
                     f"{received}/{expected}" if expected else str(received), status])
        fg, bg = STATUS_COLOURS.get(status, ("black", "#ffffff"))
        colours.append((i, fg, bg))
    return rows, colours


def study_status(statuses: Sequence[str]) -> str:
    """One status for a study from its series' statuses: the one that needs attention first."""
    for s in (DOWNLOADING, FAILED, PARTIAL, CANCELLED, QUEUED):
        if s in statuses:
            return s
    if statuses and all(s == IGNORED for s in statuses):
        return IGNORED
    return DOWNLOADED if DOWNLOADED in statuses else (statuses[0] if statuses else "")


def show_study_table(window: sg.Window, studies: dict[str, dict]) -> None:
    """Redraw the per-study list; when the rows are the same studies, only changed rows are
    touched (a full refill of hundreds of rows on every progress tick would stall the loop)."""
    table = window[Key.STUDY_TABLE]
    rows, colours = study_table_rows(studies)
    old = table.Values or []
    if len(old) != len(rows) or len(table.tree_ids) != len(rows) or [r[0] for r in old] != [r[0] for r in rows]:
        table.update(values=rows, row_colors=colours)
        return
    for i, r in enumerate(rows):
        if old[i] != r:
            table.Widget.item(table.tree_ids[i], values=r)
            table.Widget.tag_configure(i, foreground=colours[i][1], background=colours[i][2])
    table.Values = rows


def set_progress(window: sg.Window, key: str, count: int, maximum: int) -> None:
    """Move a progress bar with one Tk call. ProgressBar.update() also runs TKroot.update(), a full
    redraw and event pass inside the handler, which stalls the loop while a download runs."""
    bar = window[key].TKProgressBar
    maximum = max(int(maximum), 1)
    bar.Max = maximum
    bar.TKProgressBarForReal.configure(maximum=maximum, value=min(int(count), maximum))


def fmt_duration(seconds: float | None) -> str:
    if seconds is None or seconds != seconds or seconds < 0:
        return "–"
    seconds = int(seconds + 0.5)
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def download_progress_text(instances_done: int, instances_total: int, bytes_done: int, rate: float,
                           eta_seconds: float | None, series_done: int, series_total: int) -> str:
    return (f"{instances_done:,} of {instances_total:,} images · {bytes_done / 1e6:,.1f} MB · "
            f"{rate:,.1f} images/s · ETA {fmt_duration(eta_seconds)} · series {series_done} of {series_total}")
