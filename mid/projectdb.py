"""The project's state database (``private/state.sqlite``): its schema, and opening it.

Opening checks that the SQLite file is ours (its application id) and not of a newer version,
and brings an older project's schema up to date in one transaction. It runs in WAL mode, so a
crash or a kill never leaves it half-updated. mid.project holds what the tables mean.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

SCHEMA_VERSION = 2             # 2: key.descriptors_changed, instances.digest, file_problems
APPLICATION_ID = 0x4D494431          # "MID1": marks the SQLite file as ours


class ProjectError(Exception):
    """A project folder cannot be used as asked; str() says which folder, why and what to do."""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS queries (
    number   INTEGER PRIMARY KEY,
    query_id TEXT NOT NULL,
    batch    INTEGER NOT NULL,
    row      INTEGER NOT NULL,
    vals     TEXT NOT NULL,
    exact    INTEGER NOT NULL DEFAULT 0,
    status   TEXT NOT NULL DEFAULT 'PENDING',
    reason   TEXT,
    errors   TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS row_errors (
    id       INTEGER PRIMARY KEY,
    batch    INTEGER NOT NULL,
    row      INTEGER NOT NULL,
    col      TEXT NOT NULL,
    value    TEXT NOT NULL,
    message  TEXT NOT NULL,
    UNIQUE (row, col, value, message)
);
CREATE TABLE IF NOT EXISTS studies (
    study_uid TEXT PRIMARY KEY,
    number    INTEGER NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS patients (
    patient_id TEXT PRIMARY KEY,
    number     INTEGER NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS series (
    series_uid   TEXT PRIMARY KEY,
    study_uid    TEXT NOT NULL,
    query_number INTEGER,
    status       TEXT NOT NULL,
    reason       TEXT,
    expected     INTEGER,
    received     INTEGER NOT NULL DEFAULT 0,
    written      INTEGER NOT NULL DEFAULT 0,
    ignored      INTEGER NOT NULL DEFAULT 0,
    tags         TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS series_study ON series(study_uid);
CREATE INDEX IF NOT EXISTS series_status ON series(status);
CREATE TABLE IF NOT EXISTS instances (
    sop_uid     TEXT PRIMARY KEY,
    series_uid  TEXT NOT NULL,
    new_sop_uid TEXT,
    relpath     TEXT,
    nbytes      INTEGER NOT NULL DEFAULT 0,
    status      TEXT NOT NULL,
    reason      TEXT,
    digest      TEXT
);
CREATE INDEX IF NOT EXISTS instances_series ON instances(series_uid);
CREATE TABLE IF NOT EXISTS key (
    series_uid       TEXT PRIMARY KEY,
    patient_id       TEXT, patient_name TEXT, accession_number TEXT, study_date TEXT,
    study_uid        TEXT, study_description TEXT, series_description TEXT,
    new_patient_id   TEXT, new_patient_name TEXT, new_accession_number TEXT,
    new_study_uid    TEXT, new_series_uid TEXT, study_number TEXT, date_offset_days INTEGER,
    descriptors_changed TEXT
);
CREATE TABLE IF NOT EXISTS file_problems (
    path    TEXT PRIMARY KEY,
    problem TEXT NOT NULL
);
"""
#: columns later schema versions added to tables of version 1: (table, column, type)
_ADDED_COLUMNS = (("key", "descriptors_changed", "TEXT"), ("instances", "digest", "TEXT"))


def connect_db(path: Path) -> sqlite3.Connection:
    """Open the state database in WAL mode and bring its schema up to date."""
    try:
        db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        app_id = db.execute("PRAGMA application_id").fetchone()[0]
    except sqlite3.DatabaseError as e:
        raise ProjectError(f"Project database {path} cannot be read ({e}). "
                           "Restore it from a backup or start a new project.") from e
    if app_id not in (0, APPLICATION_ID):
        db.close()
        raise ProjectError(f"{path} is an SQLite file of another program, not a project database. "
                           "Choose another project folder.")
    if version > SCHEMA_VERSION:
        db.close()
        raise ProjectError(f"Project database {path} was written by a newer version of this program "
                           f"(schema {version}, this one knows {SCHEMA_VERSION}). Update the program.")
    if version < SCHEMA_VERSION:
        db.execute("BEGIN IMMEDIATE")
        try:
            for stmt in _SCHEMA.split(";"):
                if stmt.strip():
                    db.execute(stmt)
            for table, column, kind in _ADDED_COLUMNS:      # a project of an older version
                if column not in {r[1] for r in db.execute(f"PRAGMA table_info({table})")}:
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
            db.execute(f"PRAGMA application_id={APPLICATION_ID}")
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
    return db
