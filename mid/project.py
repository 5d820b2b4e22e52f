"""The project: a folder on disk and its SQLite state.

A project is a folder holding ``images/`` (the DICOM output, shareable) and ``private/``
(everything that may carry PHI: the state database, the secret, the master key CSV, the
reports and the project log).

The state database (``private/state.sqlite``) holds the queries as loaded, one row per
found series with its StudyNumber and status, every received instance, the pseudonym
numbering and the master key. It is written in transactions (WAL journal), so a crash or a
kill never leaves it half-updated, and a reopened project resumes where it stopped.

``Project`` implements the anonymizer's ``Keys`` protocol (``secret``, ``patient_number``,
``study_number``), so the StudyNumber given to a study is the same whether the search or an
arriving image asked for it first.
"""
from __future__ import annotations

import csv
import io
import json
import logging
import re
import secrets
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping, Protocol, Self

from mid.atomic import write_atomic

from mid.lock import ProjectLock, ProjectLocked
from mid.projectdb import APPLICATION_ID, SCHEMA_VERSION, ProjectError, connect_db  # noqa: F401
from mid.vocab import (  # noqa: F401  (the statuses are the project's words too)
    CANCELLED, DOWNLOADED, DOWNLOADING, EXCLUDED, FAILED, FINISHED, FOUND, IGNORED, INSTANCE_STATUSES,
    MISSING, PARTIAL, PENDING, QUERY_STATUSES, QUEUED, STATUSES, TO_RETRIEVE)

if TYPE_CHECKING:
    from mid.anonymizer import KeyEntry

log = logging.getLogger("mid.project")


DB_NAME = "state.sqlite"
SECRET_NAME = "secret.key"
IMAGES = "images"
PRIVATE = "private"

# Fields of anonymizer.KeyEntry, in master-key column order.
KEY_FIELDS = (
    "patient_id", "patient_name", "accession_number", "study_date", "study_uid", "series_uid",
    "study_description", "series_description",
    "new_patient_id", "new_patient_name", "new_accession_number", "new_study_uid", "new_series_uid",
    "study_number", "date_offset_days", "descriptors_changed",
)

#: the key CSV's column after KEY_FIELDS: per series, the images masked or dropped for burned-in text
KEY_CSV_PIXELS = "burned_in_text"

KEY_CSV_MIN_INTERVAL = 1.0    # seconds between two rewrites of the key CSV for new series
KEY_CSV_MAX_DELAY = 3.0       # a pending change is written at the latest after this long






class QueryRow(Protocol):
    """What add_queries reads of a query (querysheet.Query has it)."""
    @property
    def query_id(self) -> str: ...
    @property
    def row(self) -> int: ...
    @property
    def values(self) -> dict[str, list[str]]: ...
    @property
    def exact(self) -> bool: ...


class SheetRowError(Protocol):
    """What add_queries reads of a row error (querysheet.RowError has it)."""
    @property
    def row(self) -> int: ...
    @property
    def column(self) -> str: ...
    @property
    def value(self) -> str: ...
    @property
    def message(self) -> str: ...


@dataclass
class QueryRecord:
    """One query (sheet row) of the project, with its search outcome."""
    number: int                      # QueryNumber: 1.. in load order, never reused
    query_id: str                    # the user's own ID text (or "1".."N")
    row: int                         # sheet row as the user sees it (header = row 1)
    values: dict[str, list[str]]     # DICOM keyword -> normalised values
    status: str                      # PENDING | FOUND | MISSING | FAILED
    reason: str | None
    errors: list[dict]               # [{"row", "column", "value", "message"}] for this row
    exact: bool = False
    batch: int = 1                   # which add_queries call (sheet load) brought it


@dataclass
class RowErrorRecord:
    """A sheet row problem kept for the initial-queries report (rows that yielded no query too)."""
    batch: int
    row: int
    column: str
    value: str
    message: str


@dataclass
class SeriesRecord:
    """One found series: the unit of selection, retrieval and reporting."""
    series_uid: str
    study_uid: str
    study_number: str                # "0001".. one per StudyInstanceUID
    query_number: int | None
    status: str
    reason: str | None
    expected: int | None             # instances announced by the PACS
    received: int                    # instances that arrived
    written: int                     # instances written under images/
    ignored: int                     # instances dropped by the de-identification rules
    tags: dict[str, Any] = field(default_factory=dict)   # every C-FIND tag, by keyword


def format_study_number(n: int) -> str:
    """The StudyNumber text for a number: 1 -> "0001" (more digits past 9999)."""
    return f"{n:04d}"


def _safe_name(text: str) -> str:
    """A folder name that every OS accepts, from a sheet's file name."""
    cleaned = re.sub(r'[<>:"/\\|?*\x00-\x1f]', "_", text).strip().rstrip(".")
    return cleaned or "project"


def _text(v: Any) -> str:
    return "" if v is None else str(v)


def _int_or_none(v: Any) -> int | None:
    try:
        return int(str(v).strip()) if v not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _json_default(o: Any) -> Any:
    """JSON for values from pydicom (MultiValue, PersonName, numbers) and paths."""
    if isinstance(o, (list, tuple, set)) or type(o).__name__ == "MultiValue":
        return [_json_default(x) if not isinstance(x, (str, int, float)) else x for x in o]
    return str(o)


def _keywords(v: Any) -> tuple[str, ...]:
    """Keywords from a key row's "A; B" text, or from a tuple or list of them."""
    parts = v.split(";") if isinstance(v, str) else (v or ())
    return tuple(k for k in (str(p).strip() for p in parts) if k)


def _dumps(v: Any) -> str:
    return json.dumps(v, default=_json_default, ensure_ascii=False, sort_keys=True)


class _State:
    """The rows of a project's database: transactions, queries, series, instances, the key.

    The half of Project that reads and writes its state; Project (below) opens and closes
    the folder, holds its lock, secret and settings, and numbers patients and studies."""

    _db: sqlite3.Connection
    _lock: threading.RLock
    _depth: int
    _closed: bool
    _key_csv: "_KeyCSV"
    _key_pixels_pending: bool
    root: Path

    # ------------------------------------------------------------ transactions

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; nested uses join the outer one."""
        with self._lock:
            if self._closed:
                raise ProjectError(f"Project {self.root} is closed.")
            if self._depth:
                self._depth += 1
                try:
                    yield self._db
                finally:
                    self._depth -= 1
                return
            self._db.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self._db
            except BaseException:
                self._depth = 0
                self._db.execute("ROLLBACK")
                raise
            self._depth = 0
            self._db.execute("COMMIT")

    @contextmanager
    def snapshot(self) -> Iterator[Self]:
        """Read several things as of one moment (one read transaction; writers wait meanwhile)."""
        with self._lock:
            if self._closed:
                raise ProjectError(f"Project {self.root} is closed.")
            if self._depth:
                yield self
                return
            self._db.execute("BEGIN")
            self._depth = 1
            try:
                yield self
            finally:
                self._depth = 0
                self._db.execute("COMMIT")

    def _rows(self, sql: str, args: Iterable = ()) -> list[tuple]:
        with self._lock:
            if self._closed:
                raise ProjectError(f"Project {self.root} is closed.")
            return self._db.execute(sql, tuple(args)).fetchall()

    @staticmethod
    def _study_number_tx(db: sqlite3.Connection, uid: str) -> int:
        row = db.execute("SELECT number FROM studies WHERE study_uid=?", (uid,)).fetchone()
        if row:
            return row[0]
        n = db.execute("SELECT COALESCE(MAX(number), 0) + 1 FROM studies").fetchone()[0]
        db.execute("INSERT INTO studies(study_uid, number) VALUES (?, ?)", (uid, n))
        return n


    # ----------------------------------------------------------------- queries

    def add_queries(self, queries: Iterable[QueryRow], errors: Iterable[SheetRowError] | None = None) -> list[int]:
        """Store a sheet's queries and row errors; returns each query's QueryNumber.

        New queries are numbered after the existing ones. A query identical to one already in
        the project (same ID text, values and exact flag, as when a longer version of the same
        sheet is loaded) keeps its number. A new query whose ID text clashes with an old one
        keeps the user's text but gets a new number.
        """
        errors = list(errors or [])
        numbers: list[int] = []
        with self._tx() as db:
            batch = db.execute("SELECT COALESCE(MAX(batch), 0) + 1 FROM queries").fetchone()[0]
            batch = max(batch, db.execute("SELECT COALESCE(MAX(batch), 0) + 1 FROM row_errors").fetchone()[0])
            existing = {(qid, vals, ex): num for num, qid, vals, ex in
                        db.execute("SELECT number, query_id, vals, exact FROM queries")}
            rows_with_query: set[int] = set()
            for q in queries:
                qid = _text(q.query_id)
                row = int(q.row or 0)
                vals = _dumps(dict(q.values or {}))
                exact = 1 if q.exact else 0
                rows_with_query.add(row)
                num = existing.get((qid, vals, exact))
                if num is None:
                    row_errs = [self._error_dict(e) for e in errors if int(e.row) == row]
                    cur = db.execute(
                        "INSERT INTO queries(query_id, batch, row, vals, exact, status, errors) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)", (qid, batch, row, vals, exact, PENDING, _dumps(row_errs)))
                    num = int(cur.lastrowid or 0)      # set by an INSERT into a rowid table
                    existing[(qid, vals, exact)] = num
                numbers.append(num)
            for e in errors:
                if int(e.row) in rows_with_query:
                    continue
                d = self._error_dict(e)
                db.execute("INSERT OR IGNORE INTO row_errors(batch, row, col, value, message) VALUES (?, ?, ?, ?, ?)",
                           (batch, d["row"], d["column"], d["value"], d["message"]))
        return numbers

    @staticmethod
    def _error_dict(e: SheetRowError) -> dict:
        return {"row": int(e.row or 0), "column": _text(e.column), "value": _text(e.value),
                "message": _text(e.message)}

    def queries(self) -> list[QueryRecord]:
        """Every query, by QueryNumber."""
        rows = self._rows("SELECT number, query_id, row, vals, status, reason, errors, exact, batch "
                          "FROM queries ORDER BY number")
        return [QueryRecord(number=n, query_id=qid, row=row, values=json.loads(vals), status=st, reason=rs,
                            errors=json.loads(errs), exact=bool(ex), batch=b)
                for n, qid, row, vals, st, rs, errs, ex, b in rows]

    def row_errors(self) -> list[RowErrorRecord]:
        """Errors of sheet rows that gave no query (so they show in the initial-queries report)."""
        rows = self._rows("SELECT batch, row, col, value, message FROM row_errors ORDER BY batch, row, id")
        return [RowErrorRecord(*r) for r in rows]

    def set_query_status(self, number: int, status: str, reason: str | None = None) -> None:
        """PENDING | FOUND | MISSING | FAILED, with the reason for a failure."""
        if status not in QUERY_STATUSES:
            raise ValueError(f"unknown query status {status!r}; expected one of {', '.join(QUERY_STATUSES)}")
        with self._tx() as db:
            cur = db.execute("UPDATE queries SET status=?, reason=? WHERE number=?", (status, reason, int(number)))
            if cur.rowcount == 0:
                raise ProjectError(f"Query number {number} is not in project {self.root}.")

    # ------------------------------------------------------------------ series

    def upsert_series(self, query_number: int | None, tags: Mapping[str, Any]) -> SeriesRecord:
        """Record a found series (C-FIND tags by keyword) and give its study a StudyNumber.

        A series seen before keeps its status, QueryNumber and StudyNumber; its tags are
        refreshed, and so is the announced instance count unless it is already DOWNLOADED.
        """
        tags = dict(tags)
        series_uid = _text(tags.get("SeriesInstanceUID")).strip()
        study_uid = _text(tags.get("StudyInstanceUID")).strip()
        if not series_uid or not study_uid:
            raise ProjectError("A search result lacks a StudyInstanceUID or SeriesInstanceUID; "
                               "the PACS must return both to record a series.")
        expected = _int_or_none(tags.get("NumberOfSeriesRelatedInstances"))
        with self._tx() as db:
            self._study_number_tx(db, study_uid)
            row = db.execute("SELECT tags, status FROM series WHERE series_uid=?", (series_uid,)).fetchone()
            if row is None:
                db.execute("INSERT INTO series(series_uid, study_uid, query_number, status, expected, tags) "
                           "VALUES (?, ?, ?, ?, ?, ?)",
                           (series_uid, study_uid, query_number, FOUND, expected, _dumps(tags)))
            else:
                merged = json.loads(row[0])
                merged.update(tags)
                db.execute("UPDATE series SET tags=?, query_number=COALESCE(query_number, ?) WHERE series_uid=?",
                           (_dumps(merged), query_number, series_uid))
                if expected is not None and row[1] != DOWNLOADED:
                    db.execute("UPDATE series SET expected=? WHERE series_uid=?", (expected, series_uid))
            return self._series_tx(db, series_uid)

    _SERIES_SQL = ("SELECT s.series_uid, s.study_uid, st.number, s.query_number, s.status, s.reason, s.expected, "
                   "s.received, s.written, s.ignored, s.tags FROM series s JOIN studies st USING (study_uid)")

    @staticmethod
    def _series_from_row(r: tuple) -> SeriesRecord:
        return SeriesRecord(series_uid=r[0], study_uid=r[1], study_number=format_study_number(r[2]),
                            query_number=r[3], status=r[4], reason=r[5], expected=r[6], received=r[7],
                            written=r[8], ignored=r[9], tags=json.loads(r[10]))

    def _series_tx(self, db: sqlite3.Connection, series_uid: str) -> SeriesRecord:
        r = db.execute(self._SERIES_SQL + " WHERE s.series_uid=?", (series_uid,)).fetchone()
        if r is None:
            raise ProjectError(f"Series {series_uid} is not in project {self.root}.")
        return self._series_from_row(r)

    def get_series(self, series_uid: str) -> SeriesRecord:
        """One series; ProjectError when unknown."""
        with self._lock:
            return self._series_tx(self._db, series_uid)

    def series(self, statuses: set[str] | None = None) -> list[SeriesRecord]:
        """Series by StudyNumber, then SeriesNumber; only those in `statuses` when given."""
        rows = self._rows(self._SERIES_SQL + " ORDER BY st.number, s.rowid")
        out = [self._series_from_row(r) for r in rows]
        if statuses is not None:
            out = [s for s in out if s.status in statuses]
        return sorted(out, key=lambda s: (int(s.study_number), _series_number_key(s.tags), s.series_uid))

    def set_series_status(self, series_uid: str, status: str, reason: str | None = None, *,
                          expected: int | None = None, received: int | None = None) -> None:
        """Set a series' status and reason; also the announced and received counts when given."""
        if status not in STATUSES:
            raise ValueError(f"unknown series status {status!r}; expected one of {', '.join(STATUSES)}")
        with self._tx() as db:
            cur = db.execute("UPDATE series SET status=?, reason=? WHERE series_uid=?", (status, reason, series_uid))
            if cur.rowcount == 0:
                raise ProjectError(f"Series {series_uid} is not in project {self.root}.")
            if expected is not None:
                db.execute("UPDATE series SET expected=? WHERE series_uid=?", (int(expected), series_uid))
            if received is not None:
                db.execute("UPDATE series SET received=? WHERE series_uid=?", (int(received), series_uid))

    def select(self, series_uids: set[str]) -> None:
        """Make `series_uids` the selection: those become QUEUED, every other unfinished series EXCLUDED.

        DOWNLOADED and IGNORED series keep their status either way (they are finished).
        """
        chosen = set(series_uids)
        with self._tx() as db:
            for uid, status in db.execute("SELECT series_uid, status FROM series").fetchall():
                if status in FINISHED:
                    continue
                if uid in chosen:
                    if status != QUEUED:
                        db.execute("UPDATE series SET status=?, reason=NULL WHERE series_uid=?", (QUEUED, uid))
                elif status != EXCLUDED:
                    db.execute("UPDATE series SET status=?, reason=? WHERE series_uid=?",
                               (EXCLUDED, "not selected", uid))

    # --------------------------------------------------------------- instances

    def record_instance(self, series_uid: str, sop_uid: str, *, new_sop_uid: str | None = None,
                        relpath: str | None = None, nbytes: int = 0, status: str = "WRITTEN",
                        reason: str | None = None, digest: str | None = None) -> bool:
        """Record a received instance; returns True when it was new (see _record_instance)."""
        new = self._record_instance(series_uid, sop_uid, new_sop_uid=new_sop_uid, relpath=relpath, nbytes=nbytes,
                                    status=status, reason=reason, digest=digest)
        self._key_csv_follows()
        return new

    def _key_csv_follows(self) -> None:
        """The key CSV is told of masked or dropped images once no transaction is open (its
        refresh waits for the project's lock: asking for it inside one would deadlock)."""
        if self._key_pixels_pending and not self._depth:
            self._key_pixels_pending = False
            self._key_csv.changed(urgent=False)

    def _record_instance(self, series_uid: str, sop_uid: str, *, new_sop_uid: str | None,
                         relpath: str | None, nbytes: int, status: str, reason: str | None,
                         digest: str | None) -> bool:
        """Record a received instance; returns True when it was new.

        Idempotent per SOPInstanceUID: receiving it again never counts it twice. A FAILED
        instance (not written) may later become WRITTEN or IGNORED. `digest`: of its content as
        read (mid.store.content_digest), to tell a later file with the same UID apart.
        """
        if status not in INSTANCE_STATUSES:
            raise ValueError(f"unknown instance status {status!r}; expected one of {', '.join(INSTANCE_STATUSES)}")
        col = {"WRITTEN": "written", "IGNORED": "ignored", "FAILED": None}
        with self._tx() as db:
            old = db.execute("SELECT status, series_uid FROM instances WHERE sop_uid=?", (sop_uid,)).fetchone()
            if old is None:
                exists = db.execute("SELECT 1 FROM series WHERE series_uid=?", (series_uid,)).fetchone()
                if not exists:
                    raise ProjectError(f"Instance {sop_uid} belongs to series {series_uid}, "
                                       f"which is not in project {self.root}.")
                db.execute("INSERT INTO instances(sop_uid, series_uid, new_sop_uid, relpath, nbytes, status, reason, "
                           "digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           (sop_uid, series_uid, new_sop_uid, relpath, int(nbytes or 0), status, reason, digest))
                inc = col[status]
                sets = "received = received + 1" + (f", {inc} = {inc} + 1" if inc else "")
                db.execute(f"UPDATE series SET {sets} WHERE series_uid=?", (series_uid,))
                if reason and reason.startswith("burned-in"):     # the key CSV counts these per series
                    self._key_pixels_pending = True
                return True
            old_status, old_series = old
            if old_status == status or old_status != "FAILED":
                return False
            db.execute("UPDATE instances SET new_sop_uid=?, relpath=?, nbytes=?, status=?, reason=?, digest=? "
                       "WHERE sop_uid=?", (new_sop_uid, relpath, int(nbytes or 0), status, reason, digest, sop_uid))
            inc = col[status]
            if inc:
                db.execute(f"UPDATE series SET {inc} = {inc} + 1 WHERE series_uid=?", (old_series,))
            return False

    def record_instances(self, rows: Iterable[tuple[str, str, dict[str, Any]]]) -> int:
        """Records many instances in one transaction: (series_uid, sop_uid, record_instance keywords)
        each. All or none are committed; returns how many were new."""
        with self._tx():
            new = sum(bool(self.record_instance(series_uid, sop_uid, **kw)) for series_uid, sop_uid, kw in rows)
        self._key_csv_follows()
        return new

    def known_instances(self, series_uids: Iterable[str]) -> set[str]:
        """SOPInstanceUIDs of the given series already WRITTEN or IGNORED (a resume skips them)."""
        out: set[str] = set()
        for uid in series_uids:
            out.update(r[0] for r in self._rows("SELECT sop_uid FROM instances WHERE series_uid=? "
                                                "AND status IN ('WRITTEN','IGNORED')", (uid,)))
        return out

    def instance_known(self, sop_uid: str) -> bool:
        """True when the instance is already WRITTEN or IGNORED (a resume skips it)."""
        return bool(self._rows("SELECT 1 FROM instances WHERE sop_uid=? AND status IN ('WRITTEN','IGNORED')",
                               (sop_uid,)))

    def instance_digest(self, sop_uid: str) -> str | None:
        """The content digest recorded with a WRITTEN or IGNORED instance (None: none recorded)."""
        rows = self._rows("SELECT digest FROM instances WHERE sop_uid=? AND status IN ('WRITTEN','IGNORED')",
                          (sop_uid,))
        return rows[0][0] if rows else None

    def set_file_problems(self, looked_at: Iterable[str], problems: Mapping[str, str]) -> None:
        """After `anonymize` went through the files `looked_at`: why each of `problems` could not
        be placed (path -> problem); the earlier problems of the other files looked at are gone."""
        with self._tx() as db:
            db.executemany("DELETE FROM file_problems WHERE path=?", ((str(p),) for p in looked_at))
            db.executemany("INSERT OR REPLACE INTO file_problems(path, problem) VALUES (?, ?)",
                           ((str(p), why) for p, why in problems.items()))

    def file_problems(self) -> list[tuple[str, str]]:
        """(path, problem) of every file `anonymize` could not place, by path."""
        return [(p, why) for p, why in self._rows("SELECT path, problem FROM file_problems ORDER BY path")]

    def written_sizes(self, series_uid: str, limit: int = 20) -> list[int]:
        """Bytes of up to `limit` instances of a series written under images/ (for size estimates)."""
        return [int(n) for (n,) in self._rows(
            "SELECT nbytes FROM instances WHERE series_uid=? AND status='WRITTEN' AND nbytes > 0 LIMIT ?",
            (series_uid, int(limit)))]

    def counts(self, series_uid: str) -> tuple[int, int]:
        """(written, ignored) instances of a series."""
        rows = self._rows("SELECT written, ignored FROM series WHERE series_uid=?", (series_uid,))
        if not rows:
            raise ProjectError(f"Series {series_uid} is not in project {self.root}.")
        return rows[0][0], rows[0][1]

    def ignored_reasons(self) -> dict[str, list[str]]:
        """SeriesInstanceUID -> the distinct reasons its instances were dropped, for the reports."""
        out: dict[str, list[str]] = {}
        for uid, reason in self._rows("SELECT DISTINCT series_uid, reason FROM instances "
                                      "WHERE status='IGNORED' AND reason IS NOT NULL ORDER BY series_uid, reason"):
            out.setdefault(uid, []).append(reason)
        return out

    def reason_counts(self) -> dict[str, dict[str, int]]:
        """SeriesInstanceUID -> {reason: how many of its instances carry it}, over every status
        (the reports count the images whose burned-in text was masked or that were dropped for it)."""
        out: dict[str, dict[str, int]] = {}
        for uid, reason, n in self._rows("SELECT series_uid, reason, COUNT(*) FROM instances "
                                         "WHERE reason IS NOT NULL GROUP BY series_uid, reason"):
            out.setdefault(uid, {})[reason] = int(n)
        return out

    def totals(self) -> dict[str, int]:
        """Instances written and ignored and bytes written, over the whole project."""
        r = self._rows("SELECT COALESCE(SUM(status='WRITTEN'),0), COALESCE(SUM(status='IGNORED'),0), "
                       "COALESCE(SUM(CASE WHEN status='WRITTEN' THEN nbytes END),0) FROM instances")[0]
        return {"written": r[0], "ignored": r[1], "bytes": r[2]}

    # --------------------------------------------------------------------- key

    def record_key(self, entry: "KeyEntry | Mapping[str, Any]") -> None:
        """Store the master-key row of a series (a KeyEntry or a mapping of its fields); upsert per series.

        The key CSV in private/ is refreshed promptly so it is usable during a long run.
        """
        given = entry if isinstance(entry, Mapping) else asdict(entry)
        vals = {f: given.get(f) for f in KEY_FIELDS}
        series_uid = _text(vals["series_uid"]).strip()
        if not series_uid:
            raise ProjectError("A master-key entry lacks its series_uid; it cannot be stored.")
        offset = vals["date_offset_days"]
        changed_now = _keywords(vals["descriptors_changed"])
        vals = {f: (_text(v) if f != "date_offset_days" else _int_or_none(offset)) for f, v in vals.items()}
        cols = [f for f in KEY_FIELDS]
        with self._tx() as db:
            row = db.execute(f"SELECT {', '.join(cols)} FROM key WHERE series_uid=?", (series_uid,)).fetchone()
            new = row is None
            # the descriptors any instance of the series had changed, not only the last one's
            earlier = _keywords(row[cols.index("descriptors_changed")]) if row else ()
            vals["descriptors_changed"] = "; ".join(sorted(set(earlier) | set(changed_now)))
            if new or tuple(row) != tuple(vals[c] for c in cols):
                db.execute(f"INSERT OR REPLACE INTO key({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                           tuple(vals[c] for c in cols))
                changed = True
            else:
                changed = False
        if changed:
            self._key_csv.changed(urgent=new)

    def key_entries(self) -> "list[KeyEntry]":
        """The master key, one anonymizer.KeyEntry per series, by StudyNumber."""
        from mid.anonymizer import KeyEntry   # here, not on top: opening a project needs no pydicom
        rows = [dict(zip(KEY_FIELDS, r)) for r in self._rows(_KEY_SELECT)]
        return [KeyEntry(**{**r, "descriptors_changed": _keywords(r["descriptors_changed"])}) for r in rows]

    def _key_csv_rows(self) -> list[tuple]:
        """The key CSV's rows: the key's fields, then what the pixel checks did to the series."""
        from mid import pixels
        counts = self.reason_counts()
        return [tuple(r) + (pixels.count_text(*pixels.count_reasons(counts.get(r[KEY_FIELDS.index("series_uid")],
                                                                                 {}))),)
                for r in self._rows(_KEY_SELECT)]

    def flush_key(self) -> Path | None:
        """Write private/<name>_master_key.csv now if anything changed; returns its path when written."""
        self._key_csv_follows()
        return self._key_csv.flush()

    # ------------------------------------------------------------------ checks

    def verify(self) -> list[str]:
        """Consistency problems of the state (empty when consistent): counts against instances, orphans."""
        problems = [r[0] for r in self._rows("PRAGMA integrity_check") if r[0] != "ok"]
        for uid, w, i, rc, cw, ci, cr in self._rows(
                "SELECT s.series_uid, s.written, s.ignored, s.received, "
                "COALESCE(SUM(i.status='WRITTEN'),0), COALESCE(SUM(i.status='IGNORED'),0), COUNT(i.sop_uid) "
                "FROM series s LEFT JOIN instances i USING (series_uid) GROUP BY s.series_uid"):
            if (w, i) != (cw, ci) or rc < cr:
                problems.append(f"series {uid}: counts written={w} ignored={i} received={rc}, "
                                f"instances written={cw} ignored={ci} total={cr}")
        for (uid,) in self._rows("SELECT DISTINCT series_uid FROM instances WHERE series_uid NOT IN "
                                 "(SELECT series_uid FROM series)"):
            problems.append(f"instances of unknown series {uid}")
        for (uid,) in self._rows("SELECT series_uid FROM series "
                                 "WHERE study_uid NOT IN (SELECT study_uid FROM studies)"):
            problems.append(f"series {uid} has no StudyNumber")
        return problems


class Project(_State):
    """A project folder and its state database; thread-safe (one connection, one lock)."""

    def __init__(self, root: Path, db: sqlite3.Connection):
        """Use Project.create or Project.open."""
        self.root = Path(root)
        self.images_dir = self.root / IMAGES
        self.private_dir = self.root / PRIVATE
        self._db = db
        self._lock = threading.RLock()
        self._depth = 0
        self._secret: bytes | None = None
        self._closed = False
        self._key_csv = _KeyCSV(self.key_csv_path, self._key_csv_rows)
        self._key_pixels_pending = False       # an image masked or dropped for its pixels, not yet in the CSV
        self._hold: ProjectLock | None = None
        #: set when this open took over a lock left by a process that is gone (say it to the user)
        self.lock_notice: str | None = None

    def _take_lock(self) -> None:
        """One project, one writer (mid/lock.py): ProjectError naming the holder otherwise."""
        try:
            self._hold = ProjectLock.acquire(self.private_dir)
        except ProjectLocked as e:
            raise ProjectError(str(e)[0].upper() + str(e)[1:]) from None
        self.lock_notice = self._hold.notice
        if self.lock_notice:
            log.warning("%s", self.lock_notice)

    # ----------------------------------------------------------------- opening

    @classmethod
    def create(cls, root: Path | str, settings: dict[str, Any] | None = None) -> "Project":
        """Make a new project in `root`, or open it when it already is one.

        A folder that exists, is not empty and is not a project is refused. `settings` are
        stored as project settings; on an existing project only keys not yet set are stored.
        """
        root = Path(root).expanduser()
        if is_project(root):
            proj = cls.open(root)
            for k, v in (settings or {}).items():
                if proj.get_setting(k) is None:
                    proj.set_setting(k, v)
            return proj
        if root.exists() and not root.is_dir():
            raise ProjectError(f"Project folder {root} is a file, not a folder. Choose another project folder.")
        if root.is_dir() and any(root.iterdir()):
            raise ProjectError(
                f"Folder {root} is not empty and is not a project (it has no {PRIVATE}/{DB_NAME}). "
                "Choose an empty or new folder for the project, or open an existing project folder.")
        try:
            (root / IMAGES).mkdir(parents=True, exist_ok=True)
            (root / PRIVATE).mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise ProjectError(f"Cannot create project folder {root}: {e.strerror or e}. "
                               "Choose a folder you can write to.") from e
        proj = cls(root, connect_db(root / PRIVATE / DB_NAME))
        try:
            proj._take_lock()
        except BaseException:
            proj.close()
            raise
        with proj._tx() as db:
            db.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('created', ?)",
                       (_dumps(time.strftime("%Y-%m-%dT%H:%M:%S")),))
            for k, v in (settings or {}).items():
                db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (f"setting.{k}", _dumps(v)))
        try:
            proj._load_secret()
        except BaseException:
            proj.close()
            raise
        log.info("created project %s", root)
        return proj

    @classmethod
    def open(cls, root: Path | str, *, lock: bool = True) -> "Project":
        """Open an existing project; refuses a folder that is not one, and one another process
        has open (lock=False only for this process's own helpers, e.g. its worker processes)."""
        root = Path(root).expanduser()
        if root.exists() and not root.is_dir():
            raise ProjectError(f"{root} is a file, not a project folder; give the folder that holds images/ "
                               f"and private/")
        if not root.is_dir():
            raise ProjectError(f"Project folder {root} does not exist. Check the path, or create a new project.")
        if not is_project(root):
            raise ProjectError(
                f"Folder {root} is not a project: it has no {PRIVATE}/{DB_NAME}. "
                "Choose the project's own folder (the one holding images/ and private/), or create a new project.")
        (root / IMAGES).mkdir(exist_ok=True)
        proj = cls(root, connect_db(root / PRIVATE / DB_NAME))
        try:
            if lock:
                proj._take_lock()
            proj._load_secret()
        except BaseException:
            proj.close()
            raise
        return proj

    @staticmethod
    def default_root(storage_root: Path | str, sheet_path: Path | str) -> Path:
        """<storage root>/<sheet name>, with " (2)", " (3)" ... when that folder is taken."""
        base = Path(storage_root).expanduser()
        stem = _safe_name(Path(sheet_path).stem)
        candidate = base / stem
        n = 2
        while candidate.exists():
            candidate = base / f"{stem} ({n})"
            n += 1
        return candidate

    def close(self) -> None:
        """Write any pending master-key change and close the database."""
        if self._closed:
            return
        self.flush_key()
        with self._lock:
            self._closed = True
            self._key_csv.closed = True
            self._db.close()
            if self._hold is not None:
                self._hold.release()
                self._hold = None

    def __enter__(self) -> "Project":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def name(self) -> str:
        """The project's name: its folder name; reports and the key CSV are named after it."""
        return self.root.name

    @property
    def db_path(self) -> Path:
        return self.private_dir / DB_NAME

    @property
    def key_csv_path(self) -> Path:
        """private/<name>_master_key.csv, refreshed during a run."""
        return self.private_dir / f"{self.name}_master_key.csv"

    # ------------------------------------------------------------------ secret

    def _load_secret(self) -> None:
        """Read private/secret.key, creating it the first time (see _read_or_make_secret)."""
        self._secret = _read_or_make_secret(self.private_dir / SECRET_NAME, self._has_pseudonyms)

    def _has_pseudonyms(self) -> bool:
        """True once anything was keyed with the secret (patients numbered, key rows, instances)."""
        return bool(self._rows("SELECT 1 FROM key UNION ALL SELECT 1 FROM instances LIMIT 1"))

    @property
    def secret(self) -> bytes:
        """32 random bytes, per project (the anonymizer's keyed hashes and date shifts use it)."""
        assert self._secret is not None
        return self._secret

    # ---------------------------------------------------------------- settings

    def get_setting(self, key: str, default: Any = None) -> Any:
        """A project setting (JSON value) such as "raw", "source", "method", "deid", "filters"."""
        rows = self._rows("SELECT value FROM meta WHERE key=?", (f"setting.{key}",))
        return json.loads(rows[0][0]) if rows else default

    def set_setting(self, key: str, value: Any) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (f"setting.{key}", _dumps(value)))

    def settings(self) -> dict[str, Any]:
        """Every project setting."""
        rows = self._rows("SELECT key, value FROM meta WHERE key LIKE 'setting.%'")
        return {k[len("setting."):]: json.loads(v) for k, v in rows}

    def check_mode(self, raw: bool) -> None:
        """Refuse to mix raw and anonymized images in one project; record the mode on first use."""
        raw = bool(raw)
        with self._tx() as db:
            row = db.execute("SELECT value FROM meta WHERE key='setting.raw'").fetchone()
            current = json.loads(row[0]) if row else None
            if current is not None and bool(current) != raw:
                has_images = db.execute("SELECT 1 FROM instances WHERE status='WRITTEN' LIMIT 1").fetchone()
                if has_images:
                    have, want = ("raw", "anonymized") if current else ("anonymized", "raw")
                    raise ProjectError(
                        f"Project {self.root} already holds {have} images; it cannot also hold {want} ones. "
                        f"Download {have} again into this project, or start a new project for {want} images.")
            db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('setting.raw', ?)", (_dumps(raw),))

    # ----------------------------------------------------------- Keys protocol

    def patient_number(self, patient_id: str) -> int:
        """1, 2, ... per PatientID, stable for the life of the project."""
        pid = _text(patient_id)
        with self._tx() as db:
            row = db.execute("SELECT number FROM patients WHERE patient_id=?", (pid,)).fetchone()
            if row:
                return row[0]
            n = db.execute("SELECT COALESCE(MAX(number), 0) + 1 FROM patients").fetchone()[0]
            db.execute("INSERT INTO patients(patient_id, number) VALUES (?, ?)", (pid, n))
            return n

    def study_number(self, study_uid: str) -> str:
        """"0001", "0002", ... per StudyInstanceUID; new studies are numbered on from the highest."""
        uid = _text(study_uid).strip()
        if not uid:
            raise ProjectError("A study without a StudyInstanceUID cannot be given a StudyNumber.")
        with self._tx() as db:
            return format_study_number(self._study_number_tx(db, uid))

    def studies(self) -> dict[str, str]:
        """StudyInstanceUID -> StudyNumber for every numbered study."""
        return {uid: format_study_number(n) for uid, n in self._rows("SELECT study_uid, number FROM studies")}



def _read_or_make_secret(path: Path, keyed: Callable[[], bool]) -> bytes:
    """private/secret.key, created (32 random bytes, mode 0600) when absent and nothing was keyed yet.

    The file appears whole or not at all (written aside, then linked into place), so a kill
    during creation cannot leave a short secret behind; it never replaces a secret another
    process just wrote (an empty leftover is replaced: nothing was ever keyed with it).
    """
    data = path.read_bytes() if path.exists() else b""
    if not data and not keyed():
        empty_leftover = path.exists() and path.stat().st_size == 0
        write_atomic(path, secrets.token_bytes(32), fsync=True, mode=0o600, replace=empty_leftover)
        data = path.read_bytes()
    if len(data) != 32:
        raise ProjectError(f"{path} is damaged ({len(data)} bytes, 32 expected). Restore it from a backup: "
                           "without it, new images would get pseudonyms that do not match the old ones.")
    return data


_KEY_SELECT = f"SELECT {', '.join(KEY_FIELDS)} FROM key ORDER BY study_number, series_uid"


class _KeyCSV:
    """private/<name>_master_key.csv, kept usable during a long run: rewritten at once for a new
    series (at most once per KEY_CSV_MIN_INTERVAL), otherwise within KEY_CSV_MAX_DELAY."""

    def __init__(self, path: Path, rows: Callable[[], list[tuple]]):
        self.path = path
        self._rows = rows
        self._lock = threading.Lock()
        self._dirty = False
        self._written_at = 0.0
        self._timer: threading.Timer | None = None
        self.closed = False

    def changed(self, urgent: bool) -> None:
        """Rewrite the CSV now (a new series, not too soon) or schedule it for a little later."""
        with self._lock:
            self._dirty = True
            since = time.monotonic() - self._written_at
            write_now = urgent and since >= KEY_CSV_MIN_INTERVAL
            if not write_now and self._timer is None and not self.closed:
                delay = max(0.05, (KEY_CSV_MIN_INTERVAL if urgent else KEY_CSV_MAX_DELAY) - since)
                self._timer = threading.Timer(delay, self._timer_flush)
                self._timer.daemon = True
                self._timer.start()
        if write_now:
            self.flush()

    def _timer_flush(self) -> None:
        with self._lock:
            self._timer = None
        try:
            self.flush()
        except ProjectError:
            pass          # closed meanwhile; close() flushed

    def flush(self) -> Path | None:
        """Write the CSV now if anything changed; returns its path when written."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if not self._dirty:
                return None
            buf = io.StringIO()
            w = csv.writer(buf)
            w.writerow(KEY_FIELDS + (KEY_CSV_PIXELS,))
            w.writerows(["" if v is None else v for v in r] for r in self._rows())
            try:
                write_atomic(self.path, buf.getvalue().encode("utf-8-sig"))
            except OSError as e:
                log.warning("could not refresh the master key %s (%s); will try again. "
                            "Close it if it is open in another program.", self.path, e.strerror or e)
                return None
            self._dirty = False
            self._written_at = time.monotonic()
            return self.path


def _series_number_key(tags: dict) -> tuple:
    n = _int_or_none(tags.get("SeriesNumber"))
    return (0, n) if n is not None else (1, 0)


def is_project(root: Path | str) -> bool:
    """True when `root` holds a project state database."""
    return (Path(root) / PRIVATE / DB_NAME).is_file()
