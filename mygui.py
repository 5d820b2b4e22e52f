"""PySimpleGUI layouts and view updates for the Medical Imaging Downloader window.

This module draws; it does not fetch. It knows nothing of the network, files or de-identification:
the page controllers (mid/pages.py, mid/page_*.py) hand it plain data (series rows, sheet rows,
progress figures) and it turns them into
widgets. The results-tree model (clusters, filters, selection) is pure Python so it can be tested
without a window.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import PySimpleGUI as sg

from mid import dates
from mid.vocab import (CANCELLED, DOWNLOADED, DOWNLOADING, EXCLUDED, FAILED, FOUND, IGNORED, MISSING,
                       PARTIAL, QUEUED)

APP_TITLE = "Medical Imaging Downloader"
APP_VERSION = "1.0"                     # the program's own version (the About box)
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
    ASK_COL = "-ASK-COL-"
    ASK_NO = "-ASK-NO-"
    ASK_YES = "-ASK-YES-"
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
    A_PX_ACTION = "-A-PX-ACTION-"          # the pixel checks' frame on the Anonymization tab
    A_PX_BROWSE = "-A-PX-BROWSE-"
    A_PX_MASKED = "-A-PX-MASKED-"
    A_PX_MODS = "-A-PX-MODS-"
    A_PX_ON = "-A-PX-ON-"
    A_PX_ORIGINAL = "-A-PX-ORIGINAL-"
    A_PX_PATH = "-A-PX-PATH-"
    A_PX_PREVIEW = "-A-PX-PREVIEW-"
    A_PX_PROJECT = "-A-PX-PROJECT-"
    A_PX_RULES = "-A-PX-RULES-"
    A_PX_STATUS = "-A-PX-STATUS-"
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
    TREE_DETAIL = "-TREE-DETAIL-"
    Q_ALL = "-Q-ALL-"
    Q_REASON = "-Q-REASON-"
    Q_TABLE = "-Q-TABLE-"
    P_AET = "-P-AET-"
    P_CLEAR = "-P-CLEAR-"
    P_DELETE = "-P-DELETE-"
    P_HOST = "-P-HOST-"
    P_MAXASSOC = "-P-MAXASSOC-"
    P_METHOD = "-P-METHOD-"
    P_MODEL = "-P-MODEL-"
    P_NAME = "-P-NAME-"
    P_PORT = "-P-PORT-"
    P_RATE = "-P-RATE-"
    P_SAVE = "-P-SAVE-"
    P_TEST = "-P-TEST-"
    P_TLS_CA = "-P-TLS-CA-"
    P_TLS_CERT = "-P-TLS-CERT-"
    P_TLS_FILES = "-P-TLS-FILES-"
    P_TLS_HOSTNAME = "-P-TLS-HOSTNAME-"
    P_TLS_KEY = "-P-TLS-KEY-"
    # the protocol frame of the peer editor (DIMSE, or DICOMweb with its url and credentials)
    P_PROTOCOL = "-P-PROTOCOL-"
    P_URL = "-P-URL-"
    P_USER = "-P-USER-"
    P_PASSWORD_ENV = "-P-PASSWORD-ENV-"
    P_TOKEN_ENV = "-P-TOKEN-ENV-"
    P_WEB_FRAME = "-P-WEB-FRAME-"
    P_DIMSE_ROWS = "-P-DIMSE-ROWS-"
    P_WINDOWS = "-P-WINDOWS-"
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

PEER_COMBO_WIDTH = 32                    # characters: the Source and Destination boxes

#: what the window's borders, title bar (~30), menu bar (~32, outside Tk's own window size) and a
#: taskbar (~48) take off the screen (pixels)
FRAME_ALLOWANCE = (16, 120)
#: the largest window opened on a big screen (the user may make it larger; that size is kept)
MAX_START_SIZE = (1680, 1050)


def window_size(screen: tuple[int, int], saved: tuple[int, int] | None = None) -> tuple[int, int]:
    """The size of the inside of the window for a screen: the size the user left it at (saved)
    when it still fits, else the screen less its frame, menu bar and taskbar, at most
    MAX_START_SIZE. A 1366 x 768 laptop gets 1350 x 648."""
    sw, sh = int(screen[0]), int(screen[1])
    fit = (max(sw - FRAME_ALLOWANCE[0], 640), max(sh - FRAME_ALLOWANCE[1], 480))
    if saved:
        try:
            w, h = int(saved[0]), int(saved[1])
        except (TypeError, ValueError, IndexError):
            w = h = 0
        if w >= 640 and h >= 480:
            return min(w, fit[0]), min(h, fit[1])
    return min(fit[0], MAX_START_SIZE[0]), min(fit[1], MAX_START_SIZE[1])


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
    accession: str = ""
    patient_id: str = ""             # the MRN as the sheet wrote it (else as the PACS answered)
    query_number: int | None = None
    note: str = ""                   # e.g. "will be ignored: SeriesDescription contains 'Report'"


def series_rows(records: Iterable, mrns: dict[int, str] | None = None) -> list[SeriesRow]:
    """SeriesRow list from project.SeriesRecord values; mrns: query number -> the MRN as the
    sheet wrote it (shown on study rows instead of the PACS's spelling)."""
    mrns = mrns or {}
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
            status=str(r.status or FOUND), accession=str(tags.get("AccessionNumber", "") or ""),
            patient_id=mrns.get(r.query_number) or str(tags.get("PatientID", "") or ""),
            query_number=r.query_number))
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


def _parse_date(text: str, which: str, order: str = "US") -> tuple[str, str] | str:
    """A date box of the filter bar -> its DICOM date, or (first, last) for a range ('' for an
    open side).

    It takes what a sheet's date cell takes (mid.dates.da_query): 4/10/2013, 2013-04-10,
    20130410, 10 Apr 2013, and ranges such as 4/10/2013-4/14/2013; '' stays ('', '').
    Anything else raises FilterError saying what to write."""
    text = text.strip()
    if not text:
        return ""
    try:
        value = dates.da_query(text, order)
    except ValueError as e:
        raise FilterError(f"Date {which}: '{text}' is not a date or a range ({e})") from None
    if "-" in value:
        first, _, last = value.partition("-")
        return first, last
    return value


@dataclass(frozen=True)
class Filters:
    """What the filter bar asks for. Empty fields match everything."""
    text: str = ""
    regex: bool = False
    modality: str = ""
    series_numbers: str = ""
    date_from: str = ""
    date_to: str = ""
    date_order: str = "US"       # how 4/10/2013 reads (user_defaults date_order)

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
        start, end = (_parse_date(self.date_from, "from", self.date_order),
                      _parse_date(self.date_to, "to", self.date_order))
        lo = start[0] if isinstance(start, tuple) else start        # a range in a box: its first day
        hi = end[1] if isinstance(end, tuple) else end               # ... and its last
        if isinstance(start, tuple) and not end:                      # one range in "from" is the whole filter
            hi = start[1]

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
                    and (not lo or (r.study_date[:8] >= lo))
                    and (not hi or (r.study_date[:8] <= hi and r.study_date != "")))
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
    typical: bool = False  # some of the size is guessed from typical sizes (nothing of that modality received yet)

    def text(self) -> str:
        line = (f"Selected: {self.studies} studies, {self.series} series, {self.instances:,} images, "
                f"about {human_bytes(self.est_bytes)}" + (" (typical sizes)" if self.typical else ""))
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


def _join(values: Iterable[str], limit: int = 4) -> str:
    vals = sorted({v for v in values if v}, key=lambda v: (len(v), v))
    return ", ".join(vals[:limit]) + (" …" if len(vals) > limit else "")


class ResultsModel:
    """Clusters, filters, the chosen queries and the user's selection, independent of any window.

    Tree nodes, three levels: a cluster "C<i>"; under it one node per study "C<i>/T<j>";
    under each study one node per series "C<i>/T<number>/S<k>" (k: the series' index in `rows`).
    A node stands for the visible series below it; toggling it ticks or unticks them, and every
    box shows checked, unchecked or partial (some of its series ticked). The filter and the
    chosen query rows (`set_queries`) decide what is visible at every level; counts, dates and
    sizes follow. Nothing is selected at first.
    """

    TREE_HEADINGS = ["Date", "Accession", "MRN", "Series", "Modality", "Images", "Status"]

    def __init__(self, rows: Sequence[SeriesRow], selected: Iterable[str] = ()):
        self.rows = list(rows)
        self.by_uid = {r.series_uid: r for r in self.rows}
        self._index = {r.series_uid: i for i, r in enumerate(self.rows)}
        self._study_index: dict[str, int] = {}
        for r in self.rows:
            self._study_index.setdefault(r.study_uid, len(self._study_index))
        self.clusters = cluster_rows(self.rows)
        self.selected: set[str] = set(selected) & set(self.by_uid)
        self.filters = Filters()
        self.queries: frozenset[int] = frozenset()     # chosen query numbers; empty: every query
        self.sizes: dict[str, float] = {}              # modality -> bytes per instance, measured
        self._predicate = self.filters.compile()
        self._nodes: dict[str, list[str]] = {}      # node key -> visible series uids
        self._children: dict[str, list[str]] = {}   # cluster/study key -> child node keys (visible)
        self._top: list[str] = []                   # visible cluster keys
        self._labels: dict[str, tuple[str, list[str]]] = {}
        self._refresh()

    # -- filters ---------------------------------------------------------------------------
    def set_filters(self, filters: Filters) -> None:
        """Apply a filter; raises FilterError (and keeps the old filter) if a field is unusable."""
        predicate = filters.compile()
        self.filters, self._predicate = filters, predicate
        self._refresh()

    def set_queries(self, numbers: Iterable[int]) -> None:
        """Show only the results of these query numbers (none: every query's)."""
        self.queries = frozenset(int(n) for n in numbers)
        self._refresh()

    def modalities(self) -> list[str]:
        return sorted({r.modality for r in self.rows if r.modality})

    def _visible(self, r: SeriesRow) -> bool:
        return (not self.queries or r.query_number in self.queries) and self._predicate(r)

    def _refresh(self) -> None:
        self._nodes.clear()
        self._children.clear()
        self._labels.clear()
        self._top = []
        for c in self.clusters:
            visible = [r for r in c.rows if self._visible(r)]
            if not visible:
                continue
            self._top.append(c.key)
            self._nodes[c.key] = [r.series_uid for r in visible]
            by_study: dict[str, list[SeriesRow]] = {}
            for r in visible:
                by_study.setdefault(r.study_uid, []).append(r)
            studies = []
            for members in sorted(by_study.values(), key=lambda m: (m[0].study_number, m[0].study_uid)):
                sk = f"{c.key}/T{self._study_index[members[0].study_uid]}"
                studies.append(sk)
                self._nodes[sk] = [r.series_uid for r in members]
                kids = []
                for r in sorted(members, key=_series_key):
                    k = f"{sk}/S{self._index[r.series_uid]}"
                    kids.append(k)
                    self._nodes[k] = [r.series_uid]
                    self._labels[k] = (r.series_description or "(no series description)", [
                        "", "", "", f"#{r.series_number}" if r.series_number else "", r.modality,
                        f"{r.instances:,}", ""])
                self._children[sk] = kids
                first = members[0]
                queries = _join(str(r.query_number) for r in members if r.query_number is not None)
                self._labels[sk] = (f"Study {first.study_number}" + (f" · query {queries}" if queries else ""), [
                    _show_date(first.study_date), first.accession, first.patient_id,
                    str(len(members)), _join(r.modality for r in members),
                    f"{sum(r.instances for r in members):,}", ""])
            self._children[c.key] = studies
            n = len(studies)
            dates = sorted(r.study_date[:8] for r in visible if r.study_date)
            span = ("" if not dates else _show_date(dates[0]) if dates[0] == dates[-1]
                    else dates[0][:4] if dates[0][:4] == dates[-1][:4] else f"{dates[0][:4]}–{dates[-1][:4]}")
            self._labels[c.key] = (f"{n} stud{'y' if n == 1 else 'ies'} · "
                                   f"{c.study_description or '(no study description)'}", [
                span, "", "", str(len(visible)), _join(r.modality for r in visible),
                f"{sum(r.instances for r in visible):,}", ""])

    # -- nodes -------------------------------------------------------------------------------
    def visible_clusters(self) -> list[str]:
        return list(self._top)

    def children(self, key: str) -> list[str]:
        """A cluster's study nodes, or a study's series nodes (visible ones)."""
        return list(self._children.get(key, []))

    def studies(self, cluster_key: str | None = None) -> list[str]:
        """The visible study nodes of a cluster (None: of every cluster)."""
        tops = self._top if cluster_key is None else [cluster_key]
        return [s for c in tops for s in self._children.get(c, [])]

    def node_series(self, node_key: str) -> list[str]:
        """The visible series a node stands for (empty for an unknown or hidden node)."""
        return list(self._nodes.get(node_key, []))

    def cluster_of(self, node_key: str) -> str:
        return node_key.split("/", 1)[0]

    def level(self, node_key: str) -> str:
        return ("cluster", "study", "series")[node_key.count("/")]

    def label(self, node_key: str) -> tuple[str, list[str]]:
        """The row's text and column values; the Status column follows the ticks."""
        text, values = self._labels[node_key]
        return text, values[:-1] + [self.status_text(node_key)]

    def shown_status(self, r: SeriesRow) -> str:
        """A series' status as the tree shows it: a tick turns FOUND or EXCLUDED into QUEUED
        (a download will fetch it), an untick turns QUEUED back into what it was found as."""
        ticked = r.series_uid in self.selected
        if ticked and r.status in (FOUND, EXCLUDED, CANCELLED):
            return QUEUED
        if not ticked and r.status == QUEUED:
            return FOUND
        return r.status

    def status_text(self, node_key: str) -> str:
        """Short enough for the Status column: one status, "3/9 DOWNLOADED" when they differ
        (the one that matters most, of how many), or "will be ignored" for a series the drop
        rules will drop. `details` has the whole story."""
        rows = [self.by_uid[u] for u in self._nodes.get(node_key, [])]
        if len(rows) == 1 and rows[0].note and self.shown_status(rows[0]) in (QUEUED, FOUND, EXCLUDED):
            return "will be ignored"
        statuses = [self.shown_status(r) for r in rows]
        if not statuses:
            return ""
        if len(set(statuses)) == 1:
            return statuses[0]
        top = min(set(statuses), key=lambda s: STATUS_ORDER.index(s) if s in STATUS_ORDER else len(STATUS_ORDER))
        return f"{statuses.count(top)}/{len(statuses)} {top}"

    def details(self, node_key: str) -> str:
        """One line about a node for the line under the tree: what it is, every status with its
        count, and why a series will be ignored."""
        if node_key not in self._labels:
            return ""
        text = self._labels[node_key][0]
        if self.level(node_key) == "cluster":          # "3 studies · CT CHEST" -> "CT CHEST (3 studies)"
            count, _, desc = text.partition(" · ")
            text = f"{desc} ({count})"
        rows = [self.by_uid[u] for u in self._nodes.get(node_key, [])]
        counts: dict[str, int] = {}
        for r in rows:
            s = self.shown_status(r)
            counts[s] = counts.get(s, 0) + 1
        parts = ", ".join(f"{n} {s}" for s, n in sorted(counts.items(), key=lambda kv: -kv[1]))
        ticked = sum(1 for r in rows if r.series_uid in self.selected)
        line = f"{text}: {len(rows)} series ({parts}), {ticked} ticked"
        notes = sorted({r.note for r in rows if r.note})
        if notes:
            line += "; " + "; ".join(notes[:3]) + (" …" if len(notes) > 3 else "")
        return line

    def state(self, node_key: str) -> str:
        """'checked', 'unchecked' or 'partial' for the node's visible series."""
        uids = self._nodes.get(node_key, [])
        sel = self.selected
        n = sum(1 for u in uids if u in sel)
        return "unchecked" if n == 0 else "checked" if n == len(uids) else "partial"

    def visible_series(self) -> list[str]:
        return [u for c in self._top for u in self._nodes[c]]

    def all_nodes(self) -> list[str]:
        """Every visible node, parents before children."""
        out = []
        for c in self._top:
            out.append(c)
            for s in self._children[c]:
                out.append(s)
                out.extend(self._children[s])
        return out

    # -- selection -------------------------------------------------------------------------
    def toggle(self, node_key: str) -> list[str]:
        """Click on a node: select all its visible series unless all are selected already, then
        unselect them. Returns the node keys whose checkbox may have changed: the node, the
        nodes above it and the nodes below it."""
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
        parts = node_key.split("/")
        above = ["/".join(parts[:i]) for i in range(1, len(parts))]
        below, todo = [], [node_key]
        while todo:
            k = todo.pop()
            below.append(k)
            todo.extend(self._children.get(k, []))
        return above + below

    def ticked_by_query(self) -> dict[int | None, int]:
        """How many series are ticked, per query number."""
        out: dict[int | None, int] = {}
        for u in self.selected:
            q = self.by_uid[u].query_number
            out[q] = out.get(q, 0) + 1
        return out

    def found_by_query(self) -> dict[int | None, int]:
        out: dict[int | None, int] = {}
        for r in self.rows:
            out[r.query_number] = out.get(r.query_number, 0) + 1
        return out

    def bytes_per_instance(self, modality: str) -> float:
        """Measured size for the modality when known (set_sizes), else a typical one."""
        m = modality.upper()
        return self.sizes.get(m) or BYTES_PER_INSTANCE.get(m, DEFAULT_BYTES_PER_INSTANCE)

    def set_sizes(self, sizes: dict[str, float]) -> None:
        """Bytes per instance by modality, from instances already received (project.py)."""
        self.sizes = {str(k).upper(): float(v) for k, v in sizes.items() if v}

    def summary(self) -> SelectionSummary:
        rows = [self.by_uid[u] for u in self.selected]
        visible = set(self.visible_series())
        return SelectionSummary(
            studies=len({r.study_uid for r in rows}), series=len(rows), instances=sum(r.instances for r in rows),
            est_bytes=int(sum(r.instances * self.bytes_per_instance(r.modality) for r in rows)),
            hidden=sum(1 for u in self.selected if u not in visible),
            typical=any(r.modality.upper() not in self.sizes for r in rows))

    # -- view --------------------------------------------------------------------------------
    def tree_data(self) -> sg.TreeData:
        """The sg.TreeData for the visible clusters, studies and series, with checkbox icons."""
        td = sg.TreeData()
        label, state = self.label, self.state
        for c in self._top:
            text, values = label(c)
            td.insert("", c, text, values, icon=ICONS[state(c)])
            for s in self._children[c]:
                text, values = label(s)
                td.insert(c, s, text, values, icon=ICONS[state(s)])
                for k in self._children[s]:
                    text, values = label(k)
                    td.insert(s, k, text, values, icon=ICONS[state(k)])
        return td


def _series_key(r: SeriesRow):
    try:
        n = int(float(r.series_number))
    except ValueError:
        n = 1 << 30
    return (n, r.series_description.lower())


def _show_date(d: str) -> str:
    """'20130410' -> '2013-04-10' (anything else as it is)."""
    d = (d or "")[:8]
    return f"{d[:4]}-{d[4:6]}-{d[6:8]}" if len(d) == 8 and d.isdigit() else d


#: which status a mixed row names first ("3/9 DOWNLOADED"): what needs attention, then progress
STATUS_ORDER = (DOWNLOADING, FAILED, PARTIAL, CANCELLED, QUEUED, DOWNLOADED, IGNORED, EXCLUDED, FOUND, MISSING)


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


EXPAND_ALL_UP_TO = 400      # tree rows: up to this many, studies are shown open; else closed


def set_tree(window: sg.Window, model: ResultsModel) -> None:
    """Rebuild the whole tree from the model (after a search or a filter change). Clusters are
    open; their studies are open too unless that would make more than EXPAND_ALL_UP_TO rows."""
    tree = window[Key.TREE]
    old = tree.TreeData
    tree.update(values=model.tree_data())
    release_tree_data(old)
    studies = model.studies()
    if len(studies) + len(model.visible_clusters()) + len(model.visible_series()) > EXPAND_ALL_UP_TO:
        item, ids = tree.Widget.item, tree.KeyToID
        for s in studies:
            item(ids[s], open=False)
    window[Key.F_MODALITY].update(values=["All"] + model.modalities(),
                                  value=model.filters.modality or "All")
    show_selection(window, model)


def release_tree_data(td) -> None:
    """Break the parent/child cycles of a TreeData no longer shown, so reference counting frees
    its nodes at once; left to the cyclic collector, 10,000 of them make one long pause of
    every thread later, in the middle of a download."""
    if td is None:
        return
    for node in td.tree_dict.values():
        node.parent = None
        node.children = []
    td.tree_dict.clear()


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
            tree.Widget.item(iid, image=tree_photo(window, model.state(k)), values=model.label(k)[1])
    show_selection(window, model)


def refresh_all_nodes(window: sg.Window, model: ResultsModel) -> None:
    refresh_nodes(window, model, model.all_nodes())


def show_query_rows(window: sg.Window, rows: list[list[str]], colours: list[tuple]) -> None:
    """The query list beside the results; only changed rows are touched when the rows are the
    same queries (ticking a series changes one row's Ticked count), so the selection stays."""
    _update_table(window[Key.Q_TABLE], rows, colours)


def _update_table(table: sg.Table, rows: list[list[str]], colours: list[tuple]) -> None:
    """Fill a table, or, when it holds the same rows (by first column) already, touch only the
    rows that changed, with their colours: a refill would reset the selection and stall the loop."""
    old = table.Values or []
    if len(old) != len(rows) or len(table.tree_ids) != len(rows) or [r[0] for r in old] != [r[0] for r in rows]:
        table.update(values=rows, row_colors=colours)
        return
    colour = {c[0]: (c[1], c[2]) for c in colours}          # (row, fg, bg), for some rows or all
    for i, r in enumerate(rows):
        if old[i] != r:
            table.Widget.item(table.tree_ids[i], values=r)
            if i in colour:
                table.Widget.tag_configure(i, foreground=colour[i][0], background=colour[i][1])
    table.Values = rows


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
        done = sum(1 for s in statuses if s in (DOWNLOADED, IGNORED))     # finished, as the reports count
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
    _update_table(window[Key.STUDY_TABLE], *study_table_rows(studies))


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


def run_end_word(cancelled: bool, error: str | None) -> str:
    """How a download ended, in the words of its final figures."""
    return "stopped by an error" if error else "cancelled" if cancelled else "finished"


def download_final_text(instances_done: int, instances_total: int, bytes_done: int, series_done: int,
                        series_total: int, cancelled: bool, error: str | None) -> str:
    """The figures once a run has ended: no rate or ETA, and how it ended."""
    return (f"{instances_done:,} of {instances_total:,} images · {bytes_done / 1e6:,.1f} MB · "
            f"series {series_done} of {series_total} finished · {run_end_word(cancelled, error)}")


def download_progress_text(instances_done: int, instances_total: int, bytes_done: int, rate: float,
                           eta_seconds: float | None, series_done: int, series_total: int,
                           window_closed: bool = False) -> str:
    """The live figures; once the transfer window has closed, no ETA but what happens next."""
    figures = f"{instances_done:,} of {instances_total:,} images · {bytes_done / 1e6:,.1f} MB · "
    if window_closed:
        return (figures + f"series {series_done} of {series_total} · transfer window closed: stopping the "
                "retrieves in flight, then waiting for the next window")
    return figures + (f"{rate:,.1f} images/s · ETA {fmt_duration(eta_seconds)} · "
                      f"series {series_done} of {series_total}")


def download_waiting_text(wait: str, instances_done: int | None, instances_total: int | None) -> str:
    """While the download waits for a transfer window: the Gate's line (until when), that it goes
    on by itself, and the images so far."""
    text = f"{wait[:1].upper()}{wait[1:]}; the download goes on by itself then"
    if instances_total:
        text += f" · {instances_done or 0:,} of {instances_total:,} images so far"
    return text


def skip_debugger_refresh() -> None:
    """Process-wide, for main.configure_process only: PySimpleGUI's Window.read refreshes its
    built-in debugger on every call unless Window._read_call_from_debugger is set, and that
    refresh runs inspect.stack(), which reads the source context of every frame: milliseconds
    on the window's thread at every turn of the loop, although the debugger is off
    (debugger_enabled=False). The flag is what the debugger's own windows set around their
    reads. With it set, PySimpleGUI's debugger (reachable only when a user turned it on in
    PySimpleGUI's own global settings) opens but does not refresh its figures."""
    sg.Window._read_call_from_debugger = True


# The layouts live in mid/layouts.py (imported last: it uses the names above).
from mid.layouts import (MENU_DEF, PEER_HEADINGS, SHORTCUTS, TABS_KEY, ask_choice,  # noqa: E402,F401
                         ask_locked_report, copy_to_clipboard, make_window, show_message, show_path)
