"""A demo PACS: an in-process pynetdicom Query/Retrieve SCP serving synthetic fake-name studies.

It lets anyone try the whole path (search, retrieve, de-identify, reports) without a hospital
PACS. The data are made by `synthdata` on first use and cached on disk.

Simplest use (what `python main.py demo` builds on)::

    with demo.running(config_dir, storage_root, port=0) as d:
        d.peer_name     # "DEMO PACS", saved in config_dir/peers.json with the real port
        d.sheet_path    # an xlsx query sheet matching the demo data (one row is MISSING)
        d.port, d.aet   # where the demo PACS listens (127.0.0.1)
        ...             # run search/download against settings.load_settings(config_dir)

`DemoPACS(port=0, config_dir=config_dir)` does the same as a plain object (attributes
`peer_name`, `sample_sheet_path`, `host`, `port`); `running()` wraps it.

`running()` generates the sample set under <storage_root>/demo/pacs (once), writes the sheet,
starts the SCP, registers "DEMO PACS" through settings.save_peers, and accepts and moves to the
AE titles in peers.json, <SELF> included (re-read at each use, so edits apply at once).

Lower level::

    pacs = DemoPACS(data_dir, port=0, aet="DEMO_PACS", allowed={"MID_SCU"})
    pacs.register_destination("MID_SCU", "127.0.0.1", 11112)
    with pacs:            # start() / stop(); start() never blocks
        pacs.port

What it answers:
- C-ECHO;
- C-FIND, Study Root (STUDY/SERIES/IMAGE) and Patient Root (PATIENT/STUDY/SERIES/IMAGE):
  `*` and `?` wildcards (text matching ignores case), date and time ranges (`A-B`, `A-`, `-B`),
  lists of UIDs (`uid1\\uid2`), and the counts NumberOfStudyRelatedSeries/-Instances,
  NumberOfSeriesRelatedInstances, NumberOfPatientRelated*, ModalitiesInStudy. Keys it does not
  hold are returned empty and do not filter;
- C-MOVE to destinations registered with `register_destination` (with `config_dir`, also to
  any peer in peers.json); C-GET.
Calling AE titles not accepted by `allowed` are rejected ("calling AE title not recognised").
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import socket
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Collection, Iterator

from pydicom import dcmread
from pydicom.datadict import dictionary_VR
from pydicom.dataset import Dataset
from pydicom.multival import MultiValue
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian, UID
from pynetdicom import AE, ALL_TRANSFER_SYNTAXES, AllStoragePresentationContexts, build_context, evt
from pynetdicom.sop_class import (
    PatientRootQueryRetrieveInformationModelFind, PatientRootQueryRetrieveInformationModelGet,
    PatientRootQueryRetrieveInformationModelMove, StudyRootQueryRetrieveInformationModelFind,
    StudyRootQueryRetrieveInformationModelGet, StudyRootQueryRetrieveInformationModelMove,
    Verification)

from mid import synthdata

log = logging.getLogger("mid.demo")

DEMO_PEER_NAME = "DEMO PACS"
DEMO_AET = "DEMO_PACS"

# DIMSE statuses (PS3.4 C.4)
STATUS_SUCCESS = 0x0000
STATUS_PENDING = 0xFF00
STATUS_CANCEL = 0xFE00
STATUS_IDENTIFIER_MISMATCH = 0xA900     # identifier does not match SOP class
STATUS_UNABLE_TO_PROCESS = 0xC000
# A-ASSOCIATE-RJ: rejected permanent, by the service user, calling AE title not recognised
REJECT_CALLING_AET = (0x01, 0x01, 0x03)

LEVELS = ("PATIENT", "STUDY", "SERIES", "IMAGE")
UNIQUE_KEY = {"PATIENT": "PatientID", "STUDY": "StudyInstanceUID",
              "SERIES": "SeriesInstanceUID", "IMAGE": "SOPInstanceUID"}
LEVEL_KEYS = {
    "PATIENT": ("PatientName", "PatientID", "IssuerOfPatientID", "PatientBirthDate", "PatientSex"),
    "STUDY": ("StudyInstanceUID", "StudyDate", "StudyTime", "AccessionNumber", "StudyDescription",
              "StudyID", "ReferringPhysicianName", "PatientAge"),
    "SERIES": ("SeriesInstanceUID", "Modality", "SeriesNumber", "SeriesDescription", "SeriesDate",
               "SeriesTime"),
    "IMAGE": ("SOPInstanceUID", "SOPClassUID", "InstanceNumber", "ContentDate", "ContentTime"),
}
STUDY_ROOT_LEVELS = ("STUDY", "SERIES", "IMAGE")
MODELS = {
    StudyRootQueryRetrieveInformationModelFind: STUDY_ROOT_LEVELS,
    StudyRootQueryRetrieveInformationModelMove: STUDY_ROOT_LEVELS,
    StudyRootQueryRetrieveInformationModelGet: STUDY_ROOT_LEVELS,
    PatientRootQueryRetrieveInformationModelFind: LEVELS,
    PatientRootQueryRetrieveInformationModelMove: LEVELS,
    PatientRootQueryRetrieveInformationModelGet: LEVELS,
}
NOT_MATCHED = {"QueryRetrieveLevel", "SpecificCharacterSet", "RetrieveAETitle"}
UNCOMPRESSED = (ExplicitVRLittleEndian, ImplicitVRLittleEndian)


class DemoError(Exception):
    """The demo cannot run as asked; str() says what and what to do."""


# ----------------------------------------------------------------------------- the index

@dataclass(frozen=True)
class IndexedInstance:
    """One file the demo serves, with the header values used for matching."""
    path: Path
    sop_class: str
    transfer_syntax: str
    attrs: dict[str, str]


@dataclass
class Entity:
    """A patient, study, series or image: its matchable values and the instances under it."""
    attrs: dict[str, str | list[str]]
    instances: list[IndexedInstance] = field(default_factory=list)


def _read_instance(path: Path) -> IndexedInstance:
    """The index entry for one DICOM file (header only)."""
    keys = [k for level in LEVELS for k in LEVEL_KEYS[level]]
    ds = dcmread(path, stop_before_pixels=True, specific_tags=keys)
    attrs = {k: "" if ds.get(k) is None else str(ds.get(k)) for k in keys}
    meta = ds.file_meta
    return IndexedInstance(path=path, sop_class=str(meta.MediaStorageSOPClassUID),
                           transfer_syntax=str(meta.TransferSyntaxUID), attrs=attrs)


class DemoIndex:
    """The served instances grouped per level; built once, read-only afterwards."""

    def __init__(self, instances: list[IndexedInstance]):
        self.instances = instances
        self.entities = {level: self._group(level) for level in LEVELS}

    @classmethod
    def from_folder(cls, folder: Path) -> "DemoIndex":
        """Index every .dcm file under `folder`."""
        paths = sorted(Path(folder).rglob("*.dcm"))
        return cls([_read_instance(p) for p in paths])

    def _group(self, level: str) -> list[Entity]:
        """One Entity per distinct unique key at `level`, with the keys of the levels above."""
        depth = LEVELS.index(level)
        groups: dict[str, Entity] = {}
        for inst in self.instances:
            key = inst.attrs[UNIQUE_KEY[level]]
            if key not in groups:
                attrs = {k: inst.attrs[k] for lv in LEVELS[:depth + 1] for k in LEVEL_KEYS[lv]}
                groups[key] = Entity(attrs=attrs)
            groups[key].instances.append(inst)
        for entity in groups.values():
            entity.attrs.update(_counts(level, entity.instances))
        return list(groups.values())

    def match(self, level: str, identifier: Dataset) -> list[Entity]:
        """The entities at `level` that every key of `identifier` matches."""
        keys = _query_keys(identifier)
        return [e for e in self.entities[level] if all(_matches(e.attrs.get(k), v, vr)
                                                       for k, v, vr in keys)]


def _counts(level: str, instances: list[IndexedInstance]) -> dict[str, str | list[str]]:
    """The computed "related" attributes of an entity."""
    n = str(len(instances))
    series = {i.attrs["SeriesInstanceUID"] for i in instances}
    if level == "SERIES":
        return {"NumberOfSeriesRelatedInstances": n}
    if level == "STUDY":
        modalities = sorted({i.attrs["Modality"] for i in instances if i.attrs["Modality"]})
        return {"NumberOfStudyRelatedInstances": n, "NumberOfStudyRelatedSeries": str(len(series)),
                "ModalitiesInStudy": modalities,
                "SOPClassesInStudy": sorted({i.sop_class for i in instances})}
    if level == "PATIENT":
        studies = {i.attrs["StudyInstanceUID"] for i in instances}
        return {"NumberOfPatientRelatedInstances": n, "NumberOfPatientRelatedSeries": str(len(series)),
                "NumberOfPatientRelatedStudies": str(len(studies))}
    return {}


# ----------------------------------------------------------------------------- matching

def _query_keys(identifier: Dataset) -> list[tuple[str, list[str], str]]:
    """(keyword, values, VR) for each non-empty matching key of a C-FIND/MOVE identifier."""
    out = []
    for elem in identifier:
        kw = elem.keyword
        if not kw or kw in NOT_MATCHED or elem.VR == "SQ" or elem.value in (None, "", b""):
            continue
        values = [str(v) for v in elem.value] if isinstance(elem.value, MultiValue) else [str(elem.value)]
        out.append((kw, values, elem.VR))
    return out


def _matches(have: str | list[str] | None, want: list[str], vr: str) -> bool:
    """Whether a held value matches a query value (PS3.4 C.2.2.2, text ignoring case)."""
    if have is None:                              # a key we do not hold never filters
        return True
    held = have if isinstance(have, list) else [have]
    if vr == "UI":                                # list of UID matching
        return any(h in want for h in held)
    return any(_match_one(h, w, vr) for h in held for w in want)


def _match_one(have: str, want: str, vr: str) -> bool:
    """Single value, wildcard or range matching."""
    want = want.strip()
    if want in ("", "*"):
        return True
    if vr in ("DA", "TM", "DT") and "-" in want:
        return _in_range(have, want, vr)
    if vr in ("DA", "TM"):
        return _norm_time(have, "0") == _norm_time(want, "0") if vr == "TM" else have == want
    if "*" in want or "?" in want:
        pattern = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in want)
        return re.fullmatch(pattern, have.strip(), re.IGNORECASE | re.DOTALL) is not None
    return have.strip().casefold() == want.casefold()


def _norm_time(value: str, pad: str) -> str:
    """HHMMSS from a DICOM TM (colons and fractions dropped), padded with `pad`."""
    return value.replace(":", "").split(".")[0].ljust(6, pad)


def _in_range(have: str, want: str, vr: str) -> bool:
    """Range matching for DA/TM/DT values `A-B`, `A-`, `-B`."""
    if not have:
        return False
    low, high = (part.strip() for part in want.split("-", 1))
    if vr == "TM":
        have, low, high = _norm_time(have, "0"), low and _norm_time(low, "0"), high and _norm_time(high, "9")
    return (not low or have >= low) and (not high or have[:len(high)] <= high)


def _response(level: str, identifier: Dataset, entity: Entity, aet: str) -> Dataset:
    """A C-FIND answer holding every requested key, valued from `entity`."""
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.QueryRetrieveLevel = level
    for elem in identifier:
        kw = elem.keyword
        if not kw or kw in NOT_MATCHED:
            continue
        value = entity.attrs.get(kw) if elem.VR != "SQ" else None
        ds.add_new(elem.tag, elem.VR, value if value not in ("", []) else None)
    key = UNIQUE_KEY[level]
    if key not in ds:
        ds.add_new(key, dictionary_VR(key), entity.attrs[key])
    ds.RetrieveAETitle = aet
    return ds


def _level_of(event, kind: str) -> str | Exception:
    """The request's QueryRetrieveLevel when valid for its model, else the reason it is not."""
    identifier = event.identifier
    level = str(identifier.get("QueryRetrieveLevel", "")).strip().upper()
    allowed = MODELS.get(UID(str(event.request.AffectedSOPClassUID)), ())
    if level not in allowed:
        return ValueError(f"{kind}: QueryRetrieveLevel {level!r} not one of {allowed}")
    return level


# ----------------------------------------------------------------------------- data on disk

def _fingerprint(desc: synthdata.SynthSet) -> str:
    """A short stable name for a set (changes when its description or the generator changes)."""
    text = f"{synthdata.GENERATOR_VERSION}:{desc!r}"
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def ensure_data(data_dir: Path | str, desc: synthdata.SynthSet | None = None) -> Path:
    """The folder holding the set's files under `data_dir`, writing them only if missing."""
    desc = desc or synthdata.sample_set()
    folder = Path(data_dir) / f"synth-{_fingerprint(desc)}"
    marker = folder / "COMPLETE.json"
    if marker.is_file():
        return folder
    tmp = Path(data_dir) / f".synth-{_fingerprint(desc)}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    synthdata.write_set(desc, tmp)
    (tmp / "COMPLETE.json").write_text(json.dumps({"seed": desc.seed, "instances": desc.count}))
    if folder.exists():                   # an interrupted or foreign copy: replace it
        shutil.rmtree(folder)
    os.replace(tmp, folder)
    log.info("generated %d demo instances in %s", desc.count, folder)
    return folder


# ----------------------------------------------------------------------------- the SCP

def _no_delay(event) -> None:
    """Turn off Nagle on an association's socket: small DIMSE PDUs otherwise wait ~40 ms each."""
    sock = getattr(getattr(event.assoc.dul, "socket", None), "socket", None)
    if sock is not None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass


def _local(host: str) -> str:
    """A host to connect to: a wildcard listen address means this machine."""
    return "127.0.0.1" if host in ("0.0.0.0", "", "::") else host


class ConfigPeers:
    """The peers in a config's peers.json, re-read on every use so edits apply while running.

    The demo behaves like a PACS where every configured peer is a registered AE: it accepts
    their calls and can C-MOVE to them.
    """

    def __init__(self, config_dir: Path | str):
        self.path = Path(config_dir) / "peers.json"

    def _entries(self) -> list[dict]:
        """The peer entries; none when the file is missing or unreadable."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        return [e for e in data.values() if isinstance(e, dict)] if isinstance(data, dict) else []

    def allows(self, aet: str) -> bool:
        """Whether some configured peer has this AE title."""
        return any(str(e.get("peer_aet", "")).strip() == aet for e in self._entries())

    def address(self, aet: str) -> tuple[str, int] | None:
        """(host, port) of the configured peer with this AE title, or None."""
        for e in self._entries():
            if str(e.get("peer_aet", "")).strip() == aet:
                try:
                    return _local(str(e.get("peer_ip", ""))), int(e.get("peer_port"))
                except (TypeError, ValueError):
                    return None
        return None


def _allow_fn(allowed) -> Callable[[str], bool]:
    """A predicate from None (everyone), a collection of AE titles, or a callable."""
    if allowed is None:
        return lambda aet: True
    if callable(allowed):
        return allowed
    titles = {str(a).strip() for a in allowed}
    return lambda aet: aet in titles


class DemoPACS:
    """The demo Q/R SCP. `allowed`: None (any caller), AE titles, or a callable(aet) -> bool.

    Data: `data_dir` receives the generated set (`desc`, default synthdata.sample_set()), or
    `folder` names an existing folder of .dcm files to serve as is. With `config_dir` (and no
    data_dir/folder) it runs as the program's demo: data and sample sheet under
    <storage_root>/demo (storage_root defaults to user_defaults.json's), callers and move
    destination from the config's peers, and "DEMO PACS" saved to peers.json once listening;
    `peer_name` and `sample_sheet_path` then say what to use.
    """

    def __init__(self, data_dir: Path | str | None = None, port: int = 0, aet: str = DEMO_AET,
                 allowed: Callable[[str], bool] | Collection[str] | None = None, *,
                 host: str = "127.0.0.1", desc: synthdata.SynthSet | None = None,
                 folder: Path | str | None = None, config_dir: Path | str | None = None,
                 storage_root: Path | str | None = None):
        if data_dir is None and folder is None and config_dir is None:
            raise DemoError("DemoPACS needs data_dir (to generate the demo set), folder (to serve) "
                            "or config_dir (to run as the program's demo)")
        self.data_dir = Path(data_dir) if data_dir is not None else None
        self.folder = Path(folder) if folder is not None else None
        self.config_dir = Path(config_dir) if config_dir is not None else None
        self.storage_root = Path(storage_root) if storage_root is not None else None
        self.desc = desc
        self.host, self.aet = host, aet
        self.peer_name = DEMO_PEER_NAME
        self.sample_sheet_path: Path | None = None
        self._requested_port = int(port)
        self._allowed = _allow_fn(allowed)
        self._destinations: dict[str, tuple[str, int]] = {}
        self._config_peers: ConfigPeers | None = None
        self._lock = threading.Lock()
        self._server = None
        self.index: DemoIndex | None = None

    # lifecycle
    def start(self) -> "DemoPACS":
        """Generate/index the data and start listening; returns at once."""
        if self._server is not None:
            return self
        program_demo = self.config_dir is not None and self.data_dir is None and self.folder is None
        if program_demo:
            self._prepare_program_demo()
        folder = self.folder or ensure_data(self.data_dir, self.desc)
        self.index = DemoIndex.from_folder(folder)
        ae = self._make_ae()
        handlers = [(evt.EVT_CONN_OPEN, _no_delay), (evt.EVT_REQUESTED, self._on_requested),
                    (evt.EVT_C_ECHO, lambda e: STATUS_SUCCESS),
                    (evt.EVT_C_FIND, self._on_find), (evt.EVT_C_MOVE, self._on_move),
                    (evt.EVT_C_GET, self._on_get)]
        try:
            self._server = ae.start_server((self.host, self._requested_port), block=False,
                                           evt_handlers=handlers)
        except OSError as exc:
            raise DemoError(f"demo PACS cannot listen on {self.host}:{self._requested_port}: {exc}. "
                            "Choose another port (--port) or stop what uses it.") from exc
        log.info("demo PACS %s listening on %s:%d with %d instances",
                 self.aet, self.host, self.port, len(self.index.instances))
        if program_demo:
            from mid import settings
            self._previous_peer = settings.load_settings(Path(self.config_dir)).peers.get(self.peer_name)
            register_peer(self.config_dir, self.port, aet=self.aet, host=self.host, name=self.peer_name)
            self._registered_port = self.port
        return self

    def _prepare_program_demo(self) -> None:
        """Sample data and sheet under the storage root; callers and destination from config."""
        from mid import settings
        if self.storage_root is None:
            self.storage_root = settings.load_settings(self.config_dir).defaults.storage_root_path()
        files = prepare_files(self.storage_root, self.desc)
        self.data_dir, self.desc, self.sample_sheet_path = files.data_dir, files.desc, files.sheet_path
        self.use_config_peers(self.config_dir)

    def stop(self) -> None:
        """Stop listening and close open associations. The program's demo also takes "DEMO PACS"
        out of peers.json again, or puts back the entry it replaced (unless the user changed it
        meanwhile): config/ is left as the demo found it, with no peer on a port nobody serves."""
        if self._server is not None:
            self._server.shutdown()
            self._server = None
        port, self._registered_port = getattr(self, "_registered_port", None), None
        if port is not None and self.config_dir is not None:
            try:
                unregister_peer(self.config_dir, port, name=self.peer_name,
                                restore=getattr(self, "_previous_peer", None))
            except Exception:                # never fail a shutdown over it; say so in the log
                log.warning("could not remove %s from peers.json", self.peer_name, exc_info=True)

    def __enter__(self) -> "DemoPACS":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port it listens on (the real one when started with port 0)."""
        if self._server is None:
            return self._requested_port
        return int(self._server.server_address[1])

    def register_destination(self, aet: str, host: str, port: int) -> None:
        """Let C-MOVE send to `aet` at host:port (0.0.0.0 means this machine)."""
        with self._lock:
            self._destinations[aet.strip()] = (_local(host), int(port))

    def destination(self, aet: str) -> tuple[str, int] | None:
        """(host, port) for a move destination: registered, else from the config's peers."""
        aet = aet.strip()
        with self._lock:
            found = self._destinations.get(aet)
            config_peers = self._config_peers
        if found is None and config_peers is not None:
            found = config_peers.address(aet)
        return found

    def use_config_peers(self, config_dir: Path | str) -> None:
        """Accept, and move to, every peer in config_dir/peers.json (read at each use)."""
        config_peers = ConfigPeers(config_dir)
        with self._lock:
            self._config_peers = config_peers
        self._allowed = config_peers.allows

    def set_allowed(self, allowed) -> None:
        """Replace the calling-AE rule (None, AE titles, or callable)."""
        self._allowed = _allow_fn(allowed)

    def _make_ae(self) -> AE:
        """The AE with every context the demo serves."""
        ae = AE(ae_title=self.aet)
        ae.maximum_associations = 32
        ae.network_timeout = ae.dimse_timeout = 60
        ae.add_supported_context(Verification, ALL_TRANSFER_SYNTAXES)
        for model in MODELS:
            ae.add_supported_context(model)
        for cx in AllStoragePresentationContexts:     # C-GET: the caller stores what we send
            ae.add_supported_context(cx.abstract_syntax, ALL_TRANSFER_SYNTAXES,
                                     scp_role=True, scu_role=False)
        return ae

    # handlers (each runs on the association's thread)
    def _on_requested(self, event) -> None:
        """Reject callers whose AE title is not allowed."""
        calling = str(event.assoc.requestor.primitive.calling_ae_title).strip()
        if not self._allowed(calling):
            log.warning("demo PACS rejected calling AE %r", calling)
            event.assoc.acse.send_reject(*REJECT_CALLING_AET)
            event.assoc.kill()          # as pynetdicom does: waits until the reject is sent

    def _on_find(self, event) -> Iterator:
        """C-FIND: one pending answer per matching entity."""
        level = _level_of(event, "C-FIND")
        if isinstance(level, Exception):
            log.warning("%s", level)
            yield STATUS_IDENTIFIER_MISMATCH, None
            return
        for entity in self.index.match(level, event.identifier):
            if event.is_cancelled:
                yield STATUS_CANCEL, None
                return
            yield STATUS_PENDING, _response(level, event.identifier, entity, self.aet)

    def _matching_instances(self, event, kind: str) -> list[IndexedInstance] | Exception:
        """The instances under every entity a MOVE/GET identifier matches."""
        level = _level_of(event, kind)
        if isinstance(level, Exception):
            return level
        return [i for e in self.index.match(level, event.identifier) for i in e.instances]

    def _contexts(self, instances: list[IndexedInstance]) -> list:
        """Presentation contexts to propose to a move destination for these instances."""
        syntaxes: dict[str, list[str]] = {}
        for inst in instances:
            wanted = [inst.transfer_syntax] + ([] if inst.transfer_syntax not in UNCOMPRESSED
                                               else [ts for ts in UNCOMPRESSED])
            have = syntaxes.setdefault(inst.sop_class, [])
            have.extend(ts for ts in wanted if ts not in have)
        return [build_context(sop, ts) for sop, ts in syntaxes.items()][:128]

    def _send(self, event, instances: list[IndexedInstance]) -> Iterator:
        """Yield each instance read lazily from disk, stopping on cancel."""
        yield len(instances)
        for inst in instances:
            if event.is_cancelled:
                yield STATUS_CANCEL, None
                return
            yield STATUS_PENDING, dcmread(inst.path)

    def _on_move(self, event) -> Iterator:
        """C-MOVE to a registered destination."""
        dest = self.destination(str(event.move_destination))
        if dest is None:
            log.warning("demo PACS: unknown move destination %r", event.move_destination)
            yield None, None
            return
        instances = self._matching_instances(event, "C-MOVE")
        if isinstance(instances, Exception):
            log.warning("%s", instances)
            yield STATUS_IDENTIFIER_MISMATCH, None
            return
        yield dest[0], dest[1], {"contexts": self._contexts(instances) or [build_context(Verification)],
                                 "evt_handlers": [(evt.EVT_CONN_OPEN, _no_delay)]}
        yield from self._send(event, instances)

    def _on_get(self, event) -> Iterator:
        """C-GET over the caller's own association."""
        instances = self._matching_instances(event, "C-GET")
        if isinstance(instances, Exception):
            log.warning("%s", instances)
            yield STATUS_IDENTIFIER_MISMATCH, None
            return
        yield from self._send(event, instances)


# ----------------------------------------------------------------------------- program glue

@dataclass
class DemoRun:
    """What `running()` hands back: where the demo is and what to load."""
    pacs: DemoPACS
    config_dir: Path
    storage_root: Path
    sheet_path: Path
    data_dir: Path
    desc: synthdata.SynthSet
    peer_name: str = DEMO_PEER_NAME

    @property
    def port(self) -> int:
        """The demo PACS port."""
        return self.pacs.port

    @property
    def aet(self) -> str:
        """The demo PACS AE title."""
        return self.pacs.aet

    def refresh(self) -> None:
        """Nothing to do: peers.json is re-read at each association and move (kept for callers)."""


@dataclass(frozen=True)
class DemoFiles:
    """The demo's data folder, sample sheet and set description."""
    data_dir: Path
    sheet_path: Path
    desc: synthdata.SynthSet


def demo_paths(storage_root: Path | str) -> tuple[Path, Path]:
    """(data folder, sample sheet path) for the demo under a storage root."""
    base = Path(storage_root).expanduser() / "demo"
    return base / "pacs", base / "demo_queries.xlsx"


def prepare_files(storage_root: Path | str, desc: synthdata.SynthSet | None = None) -> DemoFiles:
    """Generate the sample set (once) and (re)write its matching query sheet."""
    desc = desc or synthdata.sample_set()
    data_dir, sheet = demo_paths(storage_root)
    ensure_data(data_dir, desc)
    synthdata.sample_sheet(desc, sheet)
    return DemoFiles(data_dir=data_dir, sheet_path=sheet, desc=desc)


def register_peer(config_dir: Path | str, port: int, *, aet: str = DEMO_AET,
                  host: str = "127.0.0.1", name: str = DEMO_PEER_NAME) -> None:
    """Save the demo PACS as peer `name` in config_dir/peers.json (other peers kept)."""
    from mid import settings
    current = settings.load_settings(Path(config_dir))
    peers = dict(current.peers)
    peers[name] = settings.PeerConfig(name=name, aet=aet, host=host, port=int(port))
    settings.save_peers(Path(config_dir), peers)


def unregister_peer(config_dir: Path | str, port: int, *, name: str = DEMO_PEER_NAME, restore=None) -> bool:
    """Take the demo's entry `name` (at `port`) out of config_dir/peers.json, putting back
    `restore` (the settings.PeerConfig it replaced) when there was one. An entry the user has
    edited since is left alone. True when the file was changed."""
    from mid import settings
    current = settings.load_settings(Path(config_dir))
    peer = current.peers.get(name)
    if peer is None or int(peer.port) != int(port):
        return False
    peers = {k: v for k, v in current.peers.items() if k != name}
    if restore is not None:
        peers[name] = restore
    settings.save_peers(Path(config_dir), peers)
    return True


def accept_self(pacs: DemoPACS, config_dir: Path | str) -> None:
    """Accept calls from, and move to, every peer of the config (<SELF> included)."""
    pacs.use_config_peers(config_dir)


def ensure_demo(config_dir: Path | str, storage_root: Path | str, port: int,
                desc: synthdata.SynthSet | None = None) -> DemoFiles:
    """Sample set + sheet on disk, and "DEMO PACS" registered at 127.0.0.1:`port`."""
    files = prepare_files(storage_root, desc)
    register_peer(config_dir, port)
    return files


@contextmanager
def running(config_dir: Path | str, storage_root: Path | str | None = None, port: int = 0,
            desc: synthdata.SynthSet | None = None) -> Iterator[DemoRun]:
    """Run the demo PACS for the duration of a `with` block (see the module docstring).

    `storage_root` None means the one in user_defaults.json. `port` 0 picks a free port.
    """
    pacs = DemoPACS(port=port, desc=desc, config_dir=config_dir, storage_root=storage_root)
    with pacs:
        yield DemoRun(pacs=pacs, config_dir=pacs.config_dir, storage_root=pacs.storage_root,
                      sheet_path=pacs.sample_sheet_path, data_dir=pacs.data_dir, desc=pacs.desc)
