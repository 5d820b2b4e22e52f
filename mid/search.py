"""Search: the C-FIND jobs, first step of the flow (search → selection → retrieve → store).

`search` sends one STUDY C-FIND per pending query and one SERIES C-FIND per found study over
one association, and stores one result row per series in the project. The pure helpers say
which keys a sheet row sends (`study_key_sets`) and which answers it keeps (`study_matches`,
`series_matches`).
"""
from __future__ import annotations

import itertools
import logging
import re
import threading
from collections.abc import MutableSequence
from typing import TYPE_CHECKING, Iterable

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
           on_event: OnEvent | None = None, cancel: threading.Event | None = None) -> SearchFinished:
    """C-FIND every query of `project` not yet searched on peer `source`; store the series found.

    One association serves every query. A query with no match is MISSING; a query whose C-FIND
    failed is FAILED with the reason (never MISSING). Reports 0 and 1 are written at the end.
    """
    import pacs
    emit = Emitter(on_event)
    cancel = cancel or threading.Event()
    peer = peer_for(settings, source)
    queries = [q for q in project.queries() if _searchable(q)]
    total = len(queries)
    found = missing = failed = 0
    net_failures = 0
    last_error: str | None = None
    log.info("search on %s: %d queries", source, total)
    project.set_setting("source", source)        # a later download retrieves from where the rows were found
    model = peer.query_model or "study"
    session = query_session(settings, peer, model)
    patients: dict[str, dict[str, str]] = {}
    try:
        for done, q in enumerate(queries, start=1):
            if cancel.is_set():
                break
            if net_failures >= MAX_CONSECUTIVE_NET_FAILURES:
                project.set_query_status(q.number, FAILED, last_error)
                failed += 1
            else:
                try:
                    n_studies, n = _search_one(settings, project, session, q,
                                               exact or q.exact, model, patients, cancel)
                    net_failures = 0
                    if n:
                        found += 1
                        project.set_query_status(q.number, FOUND, None)
                    else:
                        missing += 1
                        project.set_query_status(q.number, MISSING, "no study matched" if not n_studies else
                                                 f"{n_studies} studies matched, but none of their series "
                                                 f"matched the row's series description, modality or number")
                except pacs.FindCancelled:
                    log.info("search cancelled during query %s; it stays to be searched", q.number)
                    break
                except pacs.NetError as e:
                    failed += 1
                    last_error = str(e)
                    if e.kind in ("refused", "timeout", "rejected"):
                        net_failures += 1
                    project.set_query_status(q.number, FAILED, last_error)
                    log.warning("query %s failed: %s", q.number, last_error)
            emit(SearchProgress(done, total, found, missing, failed))
    finally:
        session.close()
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


def _search_one(settings: "Settings", project: "Project", session: "pacs.QuerySession", q: "QueryRecord",
                exact: bool, model: str = "study",
                patients: dict[str, dict[str, str]] | None = None,
                cancel: threading.Event | None = None) -> tuple[int, int]:
    """Runs one query row; returns (studies matched, series stored for it).

    Patient Root: patient attributes are not keys of the STUDY level there, so they are asked
    once per patient at the PATIENT level and merged in (`patients` caches them per run).
    """
    patient_root = model == "patient"
    study_return = _return_keys(STUDY_KEYS, STUDY_RETURN, settings.query_tags)
    if patient_root:
        study_return = [kw for kw in study_return if kw not in PATIENT_LEVEL_KEYS]
    series_return = _return_keys(SERIES_KEYS, SERIES_RETURN, settings.query_tags)
    studies: dict[str, dict[str, str]] = {}
    for match_keys in study_key_sets(q.values, exact):
        keys: dict[str, object] = {kw: "" for kw in study_return}
        if patient_root:
            match_keys = {k: v for k, v in match_keys.items() if k not in PATIENT_LEVEL_KEYS}
        keys.update(match_keys)
        for ds in session.find("STUDY", keys, cancel=cancel):
            uid = element_text(ds, "StudyInstanceUID")
            if uid and uid not in studies:
                tags = {kw: element_text(ds, kw) for kw in study_return}
                if study_matches(q.values, tags, exact):
                    studies[uid] = tags
    stored = 0
    for study_uid, study_tags in studies.items():
        if patient_root and study_tags.get("PatientID"):
            study_tags.update(_patient_tags(session, study_tags["PatientID"], settings, patients, cancel))
        keys = {kw: "" for kw in series_return}
        keys["StudyInstanceUID"] = study_uid
        if patient_root and study_tags.get("PatientID"):
            keys["PatientID"] = study_tags["PatientID"]
        for ds in session.find("SERIES", keys, cancel=cancel):
            series_tags = {kw: element_text(ds, kw) for kw in series_return}
            if not series_tags.get("SeriesInstanceUID"):
                continue
            if not series_matches(q.values, series_tags, exact):
                continue
            tags = dict(study_tags)
            tags.update({k: v for k, v in series_tags.items() if v or k not in tags})
            tags["StudyInstanceUID"] = study_uid
            project.upsert_series(q.number, tags)
            stored += 1
    log.info("query %s: %d studies, %d series", q.number, len(studies), stored)
    return len(studies), stored


def _patient_tags(session: "pacs.QuerySession", patient_id: str, settings: "Settings",
                  cache: dict[str, dict[str, str]] | None,
                  cancel: threading.Event | None = None) -> dict[str, str]:
    """Patient attributes from a PATIENT-level C-FIND (Patient Root), asked once per patient."""
    if cache is not None and patient_id in cache:
        return cache[patient_id]
    wanted = _return_keys(PATIENT_LEVEL_KEYS, ("PatientName",), settings.query_tags)
    keys: dict[str, object] = {kw: "" for kw in wanted}
    keys["PatientID"] = patient_id
    found = session.find("PATIENT", keys, cancel=cancel)
    tags = {kw: element_text(found[0], kw) for kw in wanted} if found else {}
    if cache is not None:
        cache[patient_id] = tags
    return tags

