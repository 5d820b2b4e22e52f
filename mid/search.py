"""Search: the C-FIND jobs, first step of the flow (search → selection → retrieve → store).

`search` sends one STUDY C-FIND per pending query and one SERIES C-FIND per found study, on up
to N associations at once (one thread each), and stores one result row per series in the
project, in row order. An answer the PACS capped is asked again in parts (mid/findsplit.py).
The pure helpers say which keys a sheet row sends (`study_key_sets`) and which answers it keeps
(`study_matches`, `series_matches`).
"""
from __future__ import annotations

import datetime as dt
import itertools
import logging
import re
import threading
import time
from collections.abc import MutableSequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Generator, Iterable

from mid import findsplit
from mid.dimse import STATUS_OUT_OF_RESOURCES
from mid.jobs import Emitter, OnEvent, peer_for, timeouts_for, write_reports
from mid.vocab import FAILED, FOUND, MISSING, SEARCHABLE_QUERY, SearchFinished, SearchProgress

if TYPE_CHECKING:
    import pacs
    from pydicom import Dataset
    from mid.project import Project, QueryRecord
    from mid.settings import PeerConfig, Settings

log = logging.getLogger("mid.engine")

# Keys of the Query/Retrieve information model, by level (PS3.4 C.6.2.1).
STUDY_KEYS = (
    "PatientID", "PatientName", "PatientBirthDate", "PatientSex", "PatientAge", "OtherPatientIDs",
    "StudyDate", "StudyTime", "AccessionNumber", "StudyDescription", "StudyInstanceUID", "StudyID",
    "ReferringPhysicianName", "ModalitiesInStudy", "NumberOfStudyRelatedSeries",
    "NumberOfStudyRelatedInstances", "PatientSize", "PatientWeight", "IssuerOfPatientID",
)
SERIES_KEYS = (
    "SeriesInstanceUID", "SeriesNumber", "SeriesDescription", "Modality", "SeriesDate", "SeriesTime",
    "BodyPartExamined", "ProtocolName", "NumberOfSeriesRelatedInstances", "Manufacturer",
    "PerformedProcedureStepStartDate", "InstitutionName", "StationName", "Laterality",
    "OperatorsName", "PerformingPhysicianName", "ManufacturerModelName",
)
#: attributes of the PATIENT level of the Patient Root model (not keys of its STUDY level)
PATIENT_LEVEL_KEYS = ("PatientName", "PatientBirthDate", "PatientSex", "OtherPatientIDs", "IssuerOfPatientID")
#: identifiers a sheet row may name that filter at series level
SERIES_FILTER_KEYS = ("SeriesDescription", "Modality", "SeriesNumber", "SeriesInstanceUID")
#: return keys always asked for, whatever query.json says
STUDY_RETURN = ("PatientID", "PatientName", "StudyDate", "StudyTime", "AccessionNumber",
                "StudyDescription", "StudyInstanceUID", "ModalitiesInStudy")
SERIES_RETURN = ("SeriesInstanceUID", "SeriesNumber", "SeriesDescription", "Modality",
                 "NumberOfSeriesRelatedInstances")
DESCRIPTION_KEYS = ("StudyDescription", "SeriesDescription")
#: keys that narrow a C-FIND to a few studies by themselves
IDENTIFYING_KEYS = ("PatientID", "AccessionNumber", "StudyInstanceUID", "PatientName")
MAX_VALUE_COMBINATIONS = 64
#: association-level failures in a row after which a search stops asking the peer
MAX_CONSECUTIVE_NET_FAILURES = 3


def element_text(ds: "Dataset | None", keyword: str) -> str:
    """A dataset value as text: multi-values joined by a backslash, missing as ''.

    `ds.get(keyword)` gives the element's value (never the element) for a keyword; pydicom's
    MultiValue is a MutableSequence, so this needs no pydicom import.
    """
    value = ds.get(keyword, None) if ds is not None else None
    if isinstance(value, str):         # most values (UIDs, codes): the cheap test first
        return value
    if value is None:
        return ""
    if isinstance(value, (list, tuple, MutableSequence)):
        return "\\".join(str(v) for v in value)
    return str(value)


def _wildcard(text: str) -> str:
    text = text.strip()
    if not text or text.startswith("*") or text.endswith("*"):
        return text
    return f"*{text}*"


def study_key_sets(values: dict[str, list[str]], exact: bool) -> list[dict[str, str]]:
    """The STUDY-level matching keys for one query row, one dict per combination of its values.

    Several values in one cell mean OR: each combination is its own C-FIND and the results are
    merged. Descriptions match as *text* unless exact. PACS differ on case in wildcard matching,
    so when the row also names a patient, accession or study UID the description is not sent
    and is matched here instead, ignoring case (study_matches).
    """
    keys: list[tuple[str, list[str]]] = []
    identified = any(values.get(kw) for kw in IDENTIFYING_KEYS)
    for kw in STUDY_KEYS:
        vals = [v for v in (values.get(kw) or []) if str(v).strip()]
        if not vals:
            continue
        if kw in DESCRIPTION_KEYS and identified and not exact:
            continue                     # matched here, case-insensitively (study_matches)
        if kw in DESCRIPTION_KEYS and not exact:
            vals = [_wildcard(str(v)) for v in vals]
        if kw == "StudyInstanceUID":
            vals = ["\\".join(str(v).strip() for v in vals)]       # list of UID matching
        keys.append((kw, [str(v).strip() for v in vals]))
    combos: list[dict[str, str]] = []
    for combo in itertools.product(*[v for _, v in keys]):
        combos.append({kw: val for (kw, _), val in zip(keys, combo)})
        if len(combos) >= MAX_VALUE_COMBINATIONS:
            log.warning("query has more than %d value combinations; the rest are not searched",
                        MAX_VALUE_COMBINATIONS)
            break
    return combos or [{}]


def study_matches(row_values: dict[str, list[str]], study_tags: dict[str, str], exact: bool) -> bool:
    """Whether a found study satisfies the row's StudyDescription (several values: any of them)."""
    wanted = [str(v).strip() for v in (row_values.get("StudyDescription") or []) if str(v).strip()]
    if not wanted:
        return True
    actual = study_tags.get("StudyDescription") or ""
    return any(_match_description(actual, w, exact) for w in wanted)


def _match_description(actual: str, wanted: str, exact: bool) -> bool:
    a, w = actual.strip().lower(), wanted.strip().lower()
    if exact:
        return a == w
    pattern = "^" + ".*".join(re.escape(part) for part in w.split("*")) + "$"
    if "*" in w or "?" in w:
        pattern = pattern.replace(r"\?", ".")
        return re.match(pattern, a, re.S) is not None
    return w in a


def series_matches(row_values: dict[str, list[str]], series_tags: dict[str, str], exact: bool) -> bool:
    """Whether one series satisfies the row's series-level keys (several values: any of them)."""
    for kw in SERIES_FILTER_KEYS:
        wanted = [str(v).strip() for v in (row_values.get(kw) or []) if str(v).strip()]
        if not wanted:
            continue
        actual = (series_tags.get(kw) or "").strip()
        if kw == "SeriesDescription":
            ok = any(_match_description(actual, w, exact) for w in wanted)
        elif kw == "Modality":
            ok = actual.upper() in {w.upper() for w in wanted}
        elif kw == "SeriesNumber":
            ok = any(_same_number(actual, w) for w in wanted)
        else:
            ok = actual in wanted
        if not ok:
            return False
    return True


def _same_number(a: str, b: str) -> bool:
    try:
        return int(float(a)) == int(float(b))
    except ValueError:
        return a.strip() == b.strip()


def _return_keys(level_keys: Iterable[str], always: Iterable[str], query_tags: Iterable[str]) -> list[str]:
    allowed = set(level_keys)
    out = list(always)
    for kw in query_tags:
        if kw in allowed and kw not in out:
            out.append(kw)
    return out


# ----------------------------------------------------------------------------------------- search
def search(settings: "Settings", project: "Project", source: str, *, exact: bool = False,
           on_event: OnEvent | None = None, cancel: threading.Event | None = None,
           workers: int | None = None, again_capped: bool = True) -> SearchFinished:
    """C-FIND every query of `project` not yet searched on peer `source`; store the series found.

    Rows run on up to `workers` associations at once (user_defaults workers, capped by the
    peer's max_associations), each on its own thread; their results are stored in row order, so
    the project and its reports are the same as after a run on one association. A query with no
    match is MISSING; a query whose C-FIND failed is FAILED with the reason (never MISSING), and
    so is one whose answer the PACS capped when splitting it could not get the whole answer.
    Reports 0 and 1 are written at the end.

    `again_capped` False leaves out the rows that failed because their answer stayed capped
    (`capped_row`): asking them again gives the same answer, at up to MAX_SPLIT_FINDS C-FINDs each,
    until the row is narrowed or the PACS changes; `download` leaves them to an explicit `search`.
    """
    from mid.retrieve import effective_workers
    emit = Emitter(on_event)
    cancel = cancel or threading.Event()
    peer = peer_for(settings, source)
    queries = [q for q in project.queries() if _searchable(q) and (again_capped or not capped_row(q))]
    total = len(queries)
    n_workers = min(effective_workers(settings, peer, workers), max(1, total))
    found = missing = failed = 0
    net_failures = 0
    last_error: str | None = None
    log.info("search on %s: %d queries on %d associations", source, total, n_workers)
    project.set_setting("source", source)        # a later download retrieves from where the rows were found
    model = peer.query_model or "study"
    row_search = _RowSearch(settings, model, peer.max_find_results, cancel, exact)
    rows = _InOrder(queries, n_workers, row_search.run,
                    lambda: query_session(settings, peer, model), cancel)
    started = time.monotonic()
    in_order = iter(rows)
    try:
        for done, (q, outcome) in enumerate(in_order, start=1):
            if outcome is not None and outcome.cancelled:
                log.info("search cancelled during query %s; it stays to be searched", q.number)
                break
            if net_failures >= MAX_CONSECUTIVE_NET_FAILURES or outcome is None:
                project.set_query_status(q.number, FAILED, last_error)
                failed += 1
            elif outcome.crash is not None:
                raise outcome.crash
            elif outcome.error is not None:
                failed += 1
                last_error = str(outcome.error)
                if outcome.error.kind in ("refused", "timeout", "rejected"):
                    net_failures += 1
                    if net_failures >= MAX_CONSECUTIVE_NET_FAILURES:
                        rows.quiet()                 # the rest is not asked: FAILED with this reason
                project.set_query_status(q.number, FAILED, last_error)
                log.warning("query %s failed: %s", q.number, last_error)
            else:
                net_failures = 0
                rows.ramp_up()
                for tags in outcome.series:
                    project.upsert_series(q.number, tags)
                if outcome.capped:
                    failed += 1
                    project.set_query_status(q.number, FAILED, outcome.capped)
                    log.warning("query %s: %s", q.number, outcome.capped)
                elif outcome.series:
                    found += 1
                    project.set_query_status(q.number, FOUND, None)
                else:
                    missing += 1
                    project.set_query_status(q.number, MISSING, "no study matched" if not outcome.studies else
                                             f"{outcome.studies} studies matched, but none of their series "
                                             f"matched the row's series description, modality or number")
            rate = done / max(time.monotonic() - started, 1e-6)
            emit(SearchProgress(done, total, found, missing, failed, rate, (total - done) / rate))
    finally:
        in_order.close()            # stops the threads, closes their associations
    result = SearchFinished(found, missing, failed, cancel.is_set())
    write_reports(project, settings, "search", emit)
    emit(result)
    log.info("search ended: %d found, %d missing, %d failed%s", found, missing, failed,
             " (cancelled)" if result.cancelled else "")
    return result


def query_session(settings: "Settings", peer: "PeerConfig", model: str) -> "pacs.QuerySession":
    """The peer's query session: C-FIND (pacs.QuerySession), or QIDO-RS for a DICOMweb peer."""
    from mid import dicomweb
    session: "pacs.QuerySession" = dicomweb.session_for(settings.self_peer.aet, peer, timeouts_for(settings), model)
    return session


def _searchable(q: "QueryRecord") -> bool:
    return (q.status or "").upper() in SEARCHABLE_QUERY and bool(q.values)


#: how the reason of a row whose answer stayed capped begins (`_RowSearch._capped_reason`)
CAPPED_REASON = "PACS answer capped at "


def capped_row(q: "QueryRecord") -> bool:
    """Whether the row failed because the PACS capped its answer and splitting could not get it all."""
    return (q.status or "").upper() == FAILED and (q.reason or "").startswith(CAPPED_REASON)


# ------------------------------------------------------------------------ rows on many threads
class _InOrder:
    """Runs `work(session, item)` for every item on `n` threads, each with its own session (one
    association), and yields (item, outcome) in the items' order as they come in.

    The first thread opens its association at once; the others start only once the peer has
    accepted one (or the consumer calls `ramp_up()` after a row went well): a peer that refuses
    or rejects us sees one association request at a time, and each row gets the same reason.
    Threads run at most LOOKAHEAD x n items ahead of the consumer. When `cancel` is set, the
    iteration ends after the outcomes already in order (the finds under way get their C-CANCEL
    from the same event); after `quiet()`, items not started get outcome None without a find.
    Leaving the loop stops the threads and closes their sessions.
    """
    LOOKAHEAD = 4

    def __init__(self, items: list[Any], n: int, work: Callable[[Any, Any], Any],
                 open_session: Callable[[], Any], cancel: threading.Event):
        self._items, self._n, self._work, self._open, self._cancel = items, max(1, n), work, open_session, cancel
        self._cond = threading.Condition()
        self._claimed = self._consumed = 0
        self._results: dict[int, Any] = {}
        self._stop = self._quiet = False
        self._ramp = threading.Event()

    def quiet(self) -> None:
        with self._cond:
            self._quiet = True

    def ramp_up(self) -> None:
        self._ramp.set()

    def __iter__(self) -> Generator[tuple[Any, Any], None, None]:
        threads = [threading.Thread(target=self._worker, args=(k,), name=f"mid-search-{k + 1}", daemon=True)
                   for k in range(self._n)]
        for t in threads:
            t.start()
        try:
            for i, item in enumerate(self._items):
                with self._cond:
                    while i not in self._results:
                        if self._cancel.is_set() or not any(t.is_alive() for t in threads):
                            return
                        self._cond.wait(0.05)
                    outcome = self._results.pop(i)
                    self._consumed = i + 1
                    self._cond.notify_all()
                yield item, outcome
        finally:
            with self._cond:
                self._stop = True
                self._cond.notify_all()
            for t in threads:
                t.join(timeout=CANCEL_JOIN)

    def _worker(self, k: int) -> None:
        session = self._open()
        try:
            if k == 0 and self._n > 1:
                self._first_association(session)
            while k and not self._ramp.wait(0.05):
                with self._cond:
                    if self._stop or self._claimed >= len(self._items):
                        return
            while True:
                with self._cond:
                    while not self._stop and self._claimed < len(self._items) and \
                            self._claimed >= self._consumed + self.LOOKAHEAD * self._n:
                        self._cond.wait(0.05)
                    if self._stop or self._claimed >= len(self._items):
                        return
                    i, quiet = self._claimed, self._quiet
                    self._claimed += 1
                outcome = None if quiet else self._work(session, self._items[i])
                with self._cond:
                    self._results[i] = outcome
                    self._cond.notify_all()
        finally:
            session.close()

    def _first_association(self, session: Any) -> None:
        import pacs
        try:
            session.open()
        except pacs.NetError:
            return                   # the row's own find meets the error again, and says it
        self._ramp.set()


#: seconds a search waits for its threads after a cancel (a find stops within pacs.CANCEL_GRACE)
CANCEL_JOIN = 5.0


# ------------------------------------------------------------------------------- one row
class _Capped(Exception):
    """A capped answer that splitting could not complete; str() is the row's reason, `matches`
    what did come (kept, never called complete)."""

    def __init__(self, reason: str, matches: list["Dataset"]):
        super().__init__(reason)
        self.matches = matches


@dataclass
class _Outcome:
    """What one row's C-FINDs gave, for the consumer to store in row order."""
    studies: int = 0
    series: list[dict[str, str]] = field(default_factory=list)
    capped: str | None = None             # the row's reason when an answer stayed capped
    error: "pacs.NetError | None" = None
    cancelled: bool = False
    crash: BaseException | None = None    # a fault of ours: raised again by the consumer


class _RowSearch:
    """One row's C-FINDs on a given session: STUDY level, then SERIES level per study found,
    splitting any capped answer (mid/findsplit.py) until each part fits."""

    def __init__(self, settings: "Settings", model: str, cap: int | None, cancel: threading.Event, exact: bool):
        self.settings, self.model, self.cap, self.cancel, self.exact = settings, model, cap, cancel, exact
        self.today = dt.date.today()
        self.patients: dict[str, dict[str, str]] = {}      # Patient Root: patient tags, per run

    def run(self, session: "pacs.QuerySession", q: "QueryRecord") -> _Outcome:
        import pacs
        try:
            return _RowFinds(self, session, q).run()
        except pacs.FindCancelled:
            return _Outcome(cancelled=True)
        except pacs.NetError as e:
            return _Outcome(error=e)
        except Exception as e:  # noqa: BLE001 - handed to the consumer, which raises it in the job
            return _Outcome(crash=e)


class _RowFinds:
    """The finds of one row (a fresh split budget each)."""

    def __init__(self, rs: _RowSearch, session: "pacs.QuerySession", q: "QueryRecord"):
        self.rs, self.session, self.q = rs, session, q
        self.exact = rs.exact or q.exact
        self.finds = 0
        self.row_modalities = [str(v) for v in (q.values.get("Modality") or [])]

    def run(self) -> _Outcome:
        """Runs the row; series tags in the order a serial search stores them."""
        patient_root = self.rs.model == "patient"
        study_return = _return_keys(STUDY_KEYS, STUDY_RETURN, self.rs.settings.query_tags)
        if patient_root:
            study_return = [kw for kw in study_return if kw not in PATIENT_LEVEL_KEYS]
        series_return = _return_keys(SERIES_KEYS, SERIES_RETURN, self.rs.settings.query_tags)
        out = _Outcome()
        studies: dict[str, dict[str, str]] = {}
        for match_keys in study_key_sets(self.q.values, self.exact):
            keys: dict[str, object] = {kw: "" for kw in study_return}
            if patient_root:
                match_keys = {k: v for k, v in match_keys.items() if k not in PATIENT_LEVEL_KEYS}
            keys.update(match_keys)
            for ds in self._whole("STUDY", keys, "StudyInstanceUID", self._study_parts, out):
                uid = element_text(ds, "StudyInstanceUID")
                if uid and uid not in studies:
                    tags = {kw: element_text(ds, kw) for kw in study_return}
                    if study_matches(self.q.values, tags, self.exact):
                        studies[uid] = tags
        for study_uid, study_tags in studies.items():
            if patient_root and study_tags.get("PatientID"):
                study_tags.update(self._patient_tags(study_tags["PatientID"]))
            keys = {kw: "" for kw in series_return}
            keys["StudyInstanceUID"] = study_uid
            if patient_root and study_tags.get("PatientID"):
                keys["PatientID"] = study_tags["PatientID"]
            for ds in self._whole("SERIES", keys, "SeriesInstanceUID", self._series_parts, out):
                series_tags = {kw: element_text(ds, kw) for kw in series_return}
                if not series_tags.get("SeriesInstanceUID") or \
                        not series_matches(self.q.values, series_tags, self.exact):
                    continue
                tags = dict(study_tags)
                tags.update({k: v for k, v in series_tags.items() if v or k not in tags})
                tags["StudyInstanceUID"] = study_uid
                out.series.append(tags)
        out.studies = len(studies)
        log.info("query %s: %d studies, %d series%s", self.q.number, len(studies), len(out.series),
                 " (answer capped)" if out.capped else "")
        return out

    # ------------------------------------------------------------------ capped answers
    def _whole(self, level: str, keys: dict[str, object], uid_kw: str,
               parts_of: "Callable[[dict[str, object], list[Dataset]], _Parts | None]",
               out: _Outcome) -> list["Dataset"]:
        """`_find`, but an answer that stays capped gives what came and marks the row capped:
        what was found is kept, and the row says it is not all."""
        try:
            return self._find(level, keys, uid_kw, parts_of)
        except _Capped as capped:
            out.capped = out.capped or str(capped)
            return capped.matches

    def _answer(self, level: str, keys: dict[str, object]) -> tuple[list["Dataset"], bool]:
        """One C-FIND: its matches, and whether the PACS capped them (its status, or the count
        reaching the peer's max_find_results)."""
        import pacs
        self.finds += 1
        cap = self.rs.cap
        try:
            found = self.session.find(level, keys, cancel=self.rs.cancel)
        except pacs.FindTruncated as e:
            return list(e.matches), True
        except pacs.NetError as e:
            if cap and e.kind == "status" and e.status == STATUS_OUT_OF_RESOURCES:
                return [], True              # refused for too many matches (dcm4chee's cap)
            raise
        return found, bool(cap and len(found) >= cap)

    def _find(self, level: str, keys: dict[str, object], uid_kw: str,
              parts_of: Callable[[dict[str, object], list["Dataset"]], "_Parts | None"]) -> list["Dataset"]:
        """The whole answer to keys: capped answers split into parts, asked in turn, merged by UID."""
        found, capped = self._answer(level, keys)
        if not capped:
            return found
        parts = parts_of(keys, found) if self.finds < MAX_SPLIT_FINDS else None
        if parts is None:
            raise _Capped(self._capped_reason(found), found)
        log.info("query %s: a %s answer was capped at %d; asking it in %d parts", self.q.number, level,
                 len(found), len(parts.keys))
        merged: dict[str, Dataset] = {}
        stuck: _Capped | None = None
        for part in parts.keys:
            try:
                answer = self._find(level, part, uid_kw, parts_of)
            except _Capped as part_capped:  # the other parts are still asked: all that can come, comes
                stuck = stuck or part_capped
                answer = part_capped.matches
            for ds in answer:
                merged.setdefault(element_text(ds, uid_kw), ds)
        required = [element_text(ds, uid_kw) for ds in found if parts.required(ds)]
        lost = findsplit.missing_from(required, set(merged))
        if stuck is not None or lost:
            for ds in found:
                merged.setdefault(element_text(ds, uid_kw), ds)
            raise _Capped(str(stuck) if stuck else self._capped_reason(found),
                          [ds for uid, ds in merged.items() if uid])
        return [ds for uid, ds in merged.items() if uid]

    def _capped_reason(self, found: list["Dataset"]) -> str:
        size = self.rs.cap or len(found)
        return (f"{CAPPED_REASON}{size} and cannot be split further: narrow the row "
                f"(a shorter date range, a modality, a patient or an accession number)")

    def _study_parts(self, keys: dict[str, object], found: list["Dataset"]) -> "_Parts | None":
        """By date range (halves), then, on one day, by ModalitiesInStudy."""
        dates = findsplit.split_date(str(keys.get("StudyDate") or ""), self.rs.today)
        if dates:
            return _Parts([{**keys, "StudyDate": d} for d in dates])
        if keys.get("ModalitiesInStudy"):
            return None
        seen = [element_text(ds, "ModalitiesInStudy") for ds in found]
        mods = findsplit.modalities_for(self.row_modalities, seen)
        return _Parts([{**keys, "ModalitiesInStudy": m} for m in mods], self._wanted("ModalitiesInStudy"))

    def _series_parts(self, keys: dict[str, object], found: list["Dataset"]) -> "_Parts | None":
        """A study's series by Modality."""
        if keys.get("Modality"):
            return None
        mods = findsplit.modalities_for(self.row_modalities, [element_text(ds, "Modality") for ds in found])
        return _Parts([{**keys, "Modality": m} for m in mods], self._wanted("Modality"))

    def _wanted(self, keyword: str) -> Callable[["Dataset"], bool]:
        """Which matches of a capped answer a modality split must bring back: all, or, when the
        row names modalities, those of them (and those whose modality the PACS did not say)."""
        wanted = {m.strip().upper() for m in self.row_modalities if m.strip()}

        def required(ds: "Dataset") -> bool:
            have = {m.strip().upper() for m in element_text(ds, keyword).split("\\") if m.strip()}
            return not wanted or not have or bool(have & wanted)
        return required

    def _patient_tags(self, patient_id: str) -> dict[str, str]:
        """Patient attributes from a PATIENT-level C-FIND (Patient Root), asked once per patient."""
        cache = self.rs.patients
        if patient_id in cache:
            return cache[patient_id]
        wanted = _return_keys(PATIENT_LEVEL_KEYS, ("PatientName",), self.rs.settings.query_tags)
        keys: dict[str, object] = {kw: "" for kw in wanted}
        keys["PatientID"] = patient_id
        found, _ = self._answer("PATIENT", keys)
        tags = {kw: element_text(found[0], kw) for kw in wanted} if found else {}
        cache[patient_id] = tags
        return tags


#: C-FINDs one row may send while splitting capped answers; beyond, the row is marked capped
MAX_SPLIT_FINDS = 2000


@dataclass
class _Parts:
    """The narrower queries of a split, and which matches of the capped answer they must bring back."""
    keys: list[dict[str, object]]
    required: Callable[["Dataset"], bool] = lambda ds: True
