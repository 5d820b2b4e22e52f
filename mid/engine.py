"""The engine's front door: what the window (mid/app.py) and the headless commands (mid/cli.py)
call to search, select, download and de-identify files on disk.

The work itself lives in one module per step of the flow, to be read in this order:

    mid/search.py      C-FIND jobs: one STUDY query per sheet row, one SERIES query per study found
    mid/selection.py   which found series to retrieve (QUEUED) and which not (EXCLUDED)
    mid/retrieve.py    the download run: C-MOVE/C-GET on workers, completeness, retries, cancel, resume
    mid/store.py       where an image is written: validate → drop rules → anonymize → place →
                       encode → atomic write → record → key, for every protocol and for files on disk
    mid/jobs.py        what they share: Job (a worker thread), the event emitter, EngineError, peers

Jobs report progress as the frozen event dataclasses of mid/vocab.py, passed to `on_event`
from worker threads; the caller decides how to show them (the window forwards them to itself).
"""
from __future__ import annotations

from mid.atomic import remove_stale_temp_files, write_atomic
from mid.jobs import EngineError, Job, peer_for, timeouts_for
from mid.retrieve import download, effective_workers
from mid.search import capped_row, element_text, search, series_matches, study_key_sets, study_matches
from mid.selection import select
from mid.store import (AnonymizeSummary, ImageStore, anonymize_files, anonymized_relpath, encode_dataset,
                       raw_relpath, validate, with_project_deid_options)
from mid.vocab import (CANCELLED, DOWNLOADED, DOWNLOADING, EXCLUDED, FAILED, FINISHED, FOUND, IGNORED, MISSING,
                       PARTIAL, QUEUED, SEARCHABLE_QUERY, SELF, TO_RETRIEVE, DownloadFinished, DownloadProgress,
                       Message, SearchFinished, SearchProgress, SeriesUpdate)

__all__ = [
    # the jobs and what starts them
    "Job", "EngineError", "peer_for", "timeouts_for", "search", "select", "download", "anonymize_files",
    "AnonymizeSummary", "effective_workers", "with_project_deid_options",
    # helpers of the steps, public in their own modules
    "capped_row", "element_text", "study_key_sets", "study_matches", "series_matches", "ImageStore", "validate",
    "anonymized_relpath", "raw_relpath", "encode_dataset", "write_atomic", "remove_stale_temp_files",
    # the shared words (mid.vocab)
    "CANCELLED", "DOWNLOADED", "DOWNLOADING", "EXCLUDED", "FAILED", "FINISHED", "FOUND", "IGNORED", "MISSING",
    "PARTIAL", "QUEUED", "SEARCHABLE_QUERY", "SELF", "TO_RETRIEVE", "DownloadFinished", "DownloadProgress",
    "Message", "SearchFinished", "SearchProgress", "SeriesUpdate",
]
