"""BadPACS (tests/badpacs.py) really misbehaves as told.

Each behaviour is checked against plain pynetdicom peers written here (a Storage SCP that keeps
the raw bytes of what it receives, and a Find/Move/Get SCU), not against the program's code.
"""
from __future__ import annotations

import io
import threading
import time

import pytest
from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian, RLELossless
from pynetdicom import AE, build_role, evt
from pynetdicom.dsutils import decode
from pynetdicom.sop_class import (
    CTImageStorage,
    StudyRootQueryRetrieveInformationModelFind as FIND,
    StudyRootQueryRetrieveInformationModelGet as GET,
    StudyRootQueryRetrieveInformationModelMove as MOVE,
)

import peers
from badpacs import BadPACS, Behaviour
from mid import synthdata

HOST = peers.HOST
ME = "MID_SCU"
SYNTAXES = [ExplicitVRLittleEndian, ImplicitVRLittleEndian, RLELossless]
SEQUENCE_DELIMITER = b"\xfe\xff\xdd\xe0\x00\x00\x00\x00"
ITEM = b"\xfe\xff\x00\xe0"


# ----------------------------------------------------------------------------- helpers

@pytest.fixture(scope="module")
def study():
    """One fake CT study: series "AX 5MM" (6 instances, index 0-5) and "COR" (4, index 6-9)."""
    desc = synthdata.generate_set(seed=7, n_patients=1, studies_per_patient=1,
                                  series_spec=[synthdata.SeriesSpec("CT", "AX 5MM", 6),
                                               synthdata.SeriesSpec("CT", "COR", 4)])
    return list(synthdata.iter_datasets(desc))


class Received:
    """What a Storage SCP got: per C-STORE the command's UID, the transfer syntax and the raw bytes."""

    def __init__(self) -> None:
        self.items: list[dict] = []
        self.lock = threading.Lock()

    def handler(self, event) -> int:
        with self.lock:
            self.items.append({"uid": str(event.request.AffectedSOPInstanceUID),
                               "ts": str(event.context.transfer_syntax),
                               "raw": event.request.DataSet.getvalue()})
        return 0x0000

    def dataset(self, k: int) -> Dataset:
        item = self.items[k]
        return decode(io.BytesIO(item["raw"]), item["ts"] == ImplicitVRLittleEndian, True)

    def __len__(self) -> int:
        return len(self.items)


@pytest.fixture
def store_scp():
    """A plain pynetdicom Storage SCP on loopback: (port, Received)."""
    received = Received()
    ae = AE(ME)
    ae.add_supported_context(CTImageStorage, SYNTAXES)
    server = ae.start_server((HOST, 0), block=False, evt_handlers=[(evt.EVT_C_STORE, received.handler)])
    yield server.server_address[1], received
    server.shutdown()


def bad_pacs(datasets, behaviour: Behaviour | None = None, scp_port: int | None = None) -> BadPACS:
    dest = {ME: (HOST, scp_port)} if scp_port else {}
    return BadPACS(datasets, behaviour or Behaviour(), allowed_move_destinations=dest)


def associate(pacs: BadPACS, *contexts, **kwargs):
    ae = AE(ME)
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 30
    for cx in contexts:
        ae.add_requested_context(cx)
    assoc = ae.associate(HOST, pacs.port, ae_title=pacs.aet, **kwargs)
    assert assoc.is_established, "could not associate with the BadPACS"
    return assoc


def query(level: str, **keys) -> Dataset:
    ds = Dataset()
    ds.QueryRetrieveLevel = level
    for k, v in keys.items():
        setattr(ds, k, v)
    return ds


def move(pacs: BadPACS, ident: Dataset, destination: str = ME) -> tuple[list[int], object]:
    """A C-MOVE; the statuses of every response (None for a missing one) and the association."""
    assoc = associate(pacs, MOVE)
    statuses = [st.get("Status") for st, _ in assoc.send_c_move(ident, destination, MOVE)]
    if assoc.is_established:
        assoc.release()
    return statuses, assoc


def get(pacs: BadPACS, ident: Dataset, received: Received) -> tuple[list[int], object]:
    """A C-GET receiving into `received`; the response statuses and the association."""
    ae = AE(ME)
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 30
    ae.add_requested_context(GET)
    ae.add_requested_context(CTImageStorage, [ExplicitVRLittleEndian, ImplicitVRLittleEndian])
    ae.add_requested_context(CTImageStorage, RLELossless)          # a context of its own, else never chosen
    assoc = ae.associate(HOST, pacs.port, ae_title=pacs.aet, ext_neg=[build_role(CTImageStorage, scp_role=True)],
                         evt_handlers=[(evt.EVT_C_STORE, received.handler)])
    assert assoc.is_established
    statuses = [st.get("Status") for st, _ in assoc.send_c_get(ident, GET)]
    if assoc.is_established:
        assoc.release()
    return statuses, assoc


def study_level(ds: Dataset) -> Dataset:
    return query("STUDY", StudyInstanceUID=ds.StudyInstanceUID)


# ----------------------------------------------------------------------------- C-FIND

def test_find_answers_from_the_datasets_at_study_and_series_level(study):
    with bad_pacs(study) as pacs:
        assoc = associate(pacs, FIND)
        q = query("STUDY", PatientID=study[0].PatientID, StudyInstanceUID="", StudyDescription="",
                  AccessionNumber="", StudyDate="", NumberOfStudyRelatedInstances="", ModalitiesInStudy="")
        answers = [(st.Status, ident) for st, ident in assoc.send_c_find(q, FIND)]
        assert [s for s, _ in answers] == [0xFF00, 0x0000]
        a = answers[0][1]
        assert a.StudyInstanceUID == study[0].StudyInstanceUID
        assert a.StudyDescription == study[0].StudyDescription
        assert a.AccessionNumber == study[0].AccessionNumber
        assert a.StudyDate == study[0].StudyDate
        assert int(a.NumberOfStudyRelatedInstances) == 10
        assert a.ModalitiesInStudy == "CT"

        q = query("SERIES", StudyInstanceUID=study[0].StudyInstanceUID, SeriesInstanceUID="",
                  SeriesDescription="*COR*", Modality="", NumberOfSeriesRelatedInstances="")
        answers = [ident for st, ident in assoc.send_c_find(q, FIND) if st.Status == 0xFF00]
        assert [(a.SeriesDescription, a.Modality, int(a.NumberOfSeriesRelatedInstances)) for a in answers] \
            == [("COR", "CT", 4)]
        assert answers[0].SeriesInstanceUID == study[6].SeriesInstanceUID

        q = query("SERIES", StudyInstanceUID=study[0].StudyInstanceUID, SeriesInstanceUID="")
        assert sum(st.Status == 0xFF00 for st, _ in assoc.send_c_find(q, FIND)) == 2      # universal
        q = query("STUDY", PatientID="NOSUCHID", StudyInstanceUID="")
        assert [st.Status for st, _ in assoc.send_c_find(q, FIND)] == [0x0000]
        q = query("STUDY", StudyDate=f"{study[0].StudyDate}-", StudyInstanceUID="")      # open date range
        assert [st.Status for st, _ in assoc.send_c_find(q, FIND)] == [0xFF00, 0x0000]
        assoc.release()
        assert pacs.stats()["find_requests"] == 5


def test_find_status_and_synthetic_answers(study):
    with bad_pacs(study, Behaviour(find_status=0xC000, find_answers=0)) as pacs:
        assoc = associate(pacs, FIND)
        statuses = [st.Status for st, _ in assoc.send_c_find(query("STUDY", StudyInstanceUID=""), FIND)]
        assoc.release()
        assert statuses == [0xC000]
    with bad_pacs(study, Behaviour(find_answers=25, find_status=0xA700)) as pacs:
        assoc = associate(pacs, FIND)
        answers = list(assoc.send_c_find(query("STUDY", StudyInstanceUID="", PatientID=""), FIND))
        assoc.release()
        assert [st.Status for st, _ in answers] == [0xFF00] * 25 + [0xA700]
        assert len({ident.StudyInstanceUID for _, ident in answers[:-1]}) == 25
        assert pacs.stats()["find_answers_sent"] == 25


def test_a_slow_5000_answer_find_stops_on_c_cancel(study):
    with bad_pacs(study, Behaviour(find_answers=5000, find_delay=0.01)) as pacs:
        assoc = associate(pacs, FIND)
        responses = assoc.send_c_find(query("STUDY", StudyInstanceUID=""), FIND, msg_id=7)
        statuses = []
        for st, _ in responses:
            statuses.append(st.Status)
            if len(statuses) == 20:
                cancelled_at = time.monotonic()
                assoc.send_c_cancel(7, query_model=FIND)
        took = time.monotonic() - cancelled_at
        assoc.release()
        stats = pacs.stats()
    assert statuses[-1] == 0xFE00, "the find was not answered Cancel"
    assert set(statuses[:-1]) == {0xFF00}
    assert len(statuses) - 1 < 1000, f"{len(statuses) - 1} answers: the C-CANCEL did not stop the find"
    assert stats["cancels_received"] == 1 and stats["find_cancelled"] == 1
    assert stats["find_final_status"] == 0xFE00
    assert stats["cancel_seen_after"] is not None
    print(f"cancel answered after {took:.3f} s, {len(statuses) - 21} answers after it; "
          f"SCP saw it {stats['cancel_seen_after']} s after it arrived")


# ----------------------------------------------------------------------------- associations

def test_refuse_association_rejects(study):
    with bad_pacs(study, Behaviour(refuse_association=True)) as pacs:
        ae = AE(ME)
        ae.add_requested_context(FIND)
        assoc = ae.associate(HOST, pacs.port, ae_title=pacs.aet)
        assert assoc.is_rejected and not assoc.is_established
        assert pacs.wait_for(lambda s: s["rejected"] == 1)["associations"] == 0


# ----------------------------------------------------------------------------- retrieves

def test_move_and_get_deliver_what_matches(study, store_scp, tmp_path):
    port, received = store_scp
    paths = []
    for k, ds in enumerate(study[6:]):          # files on disk serve as well as datasets
        paths.append(tmp_path / f"{k}.dcm")
        ds.save_as(paths[-1], enforce_file_format=True)
    with bad_pacs(study[:6] + paths, scp_port=port) as pacs:
        statuses, _ = move(pacs, query("SERIES", StudyInstanceUID=study[0].StudyInstanceUID,
                                       SeriesInstanceUID=study[6].SeriesInstanceUID))
        assert statuses == [0xFF00] * 4 + [0x0000]
        assert [i["uid"] for i in received.items] == [str(d.SOPInstanceUID) for d in study[6:]]
        statuses, _ = move(pacs, study_level(study[0]), destination="NOBODY")
        assert statuses == [0xA801]

        got = Received()
        statuses, _ = get(pacs, study_level(study[0]), got)
        assert statuses[-1] == 0x0000
        assert sorted(i["uid"] for i in got.items) == sorted(str(d.SOPInstanceUID) for d in study)
        stats = pacs.stats()
    assert stats["stores_sent"] == stats["stores_answered"] == 14
    assert stats["unknown_destinations"] == 1 and stats["move_requests"] == 2 and stats["get_requests"] == 1


def test_damaged_instances_arrive_damaged(study, store_scp):
    port, received = store_scp
    behaviour = Behaviour(short_pixel_data={0}, no_sop_uid={1}, unterminated_encapsulated={2, 3})
    behaviour.cut_last_fragment = True
    with bad_pacs(study, behaviour, scp_port=port) as pacs:
        statuses, _ = move(pacs, study_level(study[0]))
        assert statuses[-1] == 0x0000 and len(received) == 10
        stats = pacs.stats()
        got = Received()
        get(pacs, query("SERIES", StudyInstanceUID=study[0].StudyInstanceUID,
                        SeriesInstanceUID=study[0].SeriesInstanceUID), got)

    for r in (received, got):       # the same damage by C-MOVE and by C-GET
        # short pixel data: half the bytes, the rest of the dataset valid and unchanged
        short = r.dataset(0)
        assert len(short.PixelData) == len(study[0].PixelData) // 2
        assert short.PixelData == study[0].PixelData[: len(study[0].PixelData) // 2]
        assert short.SOPInstanceUID == study[0].SOPInstanceUID and short.Rows == study[0].Rows

        # no SOPInstanceUID in the dataset; the command carries a made-up one
        no_uid = r.dataset(1)
        assert "SOPInstanceUID" not in no_uid
        assert no_uid.SeriesInstanceUID == study[1].SeriesInstanceUID
        assert r.items[1]["uid"] != str(study[1].SOPInstanceUID)

        # encapsulated pixel data, no sequence delimiter, last fragment shorter than its header says
        raw = r.items[2]["raw"]
        assert r.items[2]["ts"] == RLELossless
        assert SEQUENCE_DELIMITER not in raw[-64:]
        last = raw.rfind(ITEM)
        announced = int.from_bytes(raw[last + 4:last + 8], "little")
        assert 0 < len(raw) - last - 8 < announced

        # the others intact
        intact = r.dataset(4)
        assert intact.PixelData == study[4].PixelData and intact.SOPInstanceUID == study[4].SOPInstanceUID
    assert [e["damage"] for e in stats["sent"][:5]] == [["short_pixel_data"], ["no_sop_uid"],
                                                       ["unterminated_encapsulated"],
                                                       ["unterminated_encapsulated"], []]
    assert stats["sent"][1]["sop_uid"] == received.items[1]["uid"]


def test_unterminated_without_cut_keeps_whole_fragments(study, store_scp):
    port, received = store_scp
    with bad_pacs(study, Behaviour(unterminated_encapsulated={0}, cut_last_fragment=False), scp_port=port) as pacs:
        move(pacs, query("IMAGE", StudyInstanceUID=study[0].StudyInstanceUID,
                         SeriesInstanceUID=study[0].SeriesInstanceUID, SOPInstanceUID=study[0].SOPInstanceUID))
    raw = received.items[0]["raw"]
    assert len(received) == 1 and SEQUENCE_DELIMITER not in raw[-64:]
    last = raw.rfind(ITEM)
    assert len(raw) - last - 8 == int.from_bytes(raw[last + 4:last + 8], "little")


@pytest.mark.parametrize("kind", ["move", "get"])
def test_abort_after_n_stores(study, store_scp, kind):
    port, received = store_scp
    with bad_pacs(study, Behaviour(abort_after=3), scp_port=port) as pacs:
        if kind == "move":
            statuses, assoc = move(pacs, study_level(study[0]))
        else:
            received = Received()
            statuses, assoc = get(pacs, study_level(study[0]), received)
        stats = pacs.wait_for(lambda s: s["aborts_sent"] == 1)
    assert assoc.is_aborted, "the retrieve's association was not aborted"
    assert [s for s in statuses if s is not None] == [0xFF00] * 3, "more than 3 stores, or a final status"
    assert len(received) == 3 and stats["stores_sent"] == 3
    assert stats["last_retrieve"]["outcome"] == "aborted"


def test_only_the_first_retrieves_misbehave(study, store_scp):
    port, received = store_scp
    with bad_pacs(study, Behaviour(abort_after=1, bad_retrieves=1), scp_port=port) as pacs:
        _, first = move(pacs, study_level(study[0]))
        statuses, second = move(pacs, study_level(study[0]))
    assert first.is_aborted and not second.is_aborted
    assert statuses[-1] == 0x0000 and len(received) == 1 + 10


@pytest.mark.parametrize("status", [0xA701, 0xC000])
def test_final_status_replaces_the_real_one(study, store_scp, status):
    port, received = store_scp
    with bad_pacs(study, Behaviour(final_status=status), scp_port=port) as pacs:
        assoc = associate(pacs, MOVE)
        responses = list(assoc.send_c_move(study_level(study[0]), ME, MOVE))
        assoc.release()
        assert pacs.stats()["final_status_sent"] == status
    final, ident = responses[-1]
    assert final.Status == status and len(received) == 10
    assert final.NumberOfCompletedSuboperations == 10
    assert ident is not None and "FailedSOPInstanceUIDList" in ident


def test_c_cancel_stops_a_slow_move(study, store_scp):
    port, received = store_scp
    with bad_pacs(study, Behaviour(store_delay=0.3), scp_port=port) as pacs:
        assoc = associate(pacs, MOVE)
        statuses = []
        for st, _ in assoc.send_c_move(study_level(study[0]), ME, MOVE, msg_id=9):
            statuses.append(st.Status)
            if len(statuses) == 2:
                assoc.send_c_cancel(9, query_model=MOVE)
        assoc.release()
        stats = pacs.stats()
    assert statuses[-1] == 0xFE00 and set(statuses[:-1]) == {0xFF00}
    assert len(received) < 10 and stats["stores_sent"] == len(received)
    assert stats["cancels_received"] == 1 and stats["retrieve_cancelled"] == 1
    assert stats["last_retrieve"]["outcome"].startswith("cancelled")


def test_stall_before_store_delays_the_first_store(study, store_scp):
    port, received = store_scp
    with bad_pacs(study, Behaviour(stall_before_store=1.5), scp_port=port) as pacs:
        started = time.monotonic()
        statuses, _ = move(pacs, query("SERIES", StudyInstanceUID=study[0].StudyInstanceUID,
                                       SeriesInstanceUID=study[6].SeriesInstanceUID))
        took = time.monotonic() - started
    assert statuses[-1] == 0x0000 and len(received) == 4
    assert took >= 1.5, f"the move took {took:.2f} s, less than the stall"


def test_stall_forever_leaves_the_mover_hanging_until_it_aborts(study, store_scp):
    port, received = store_scp
    with bad_pacs(study, Behaviour(stall_forever_after=2), scp_port=port) as pacs:
        assoc = associate(pacs, MOVE)
        assoc.dimse_timeout = 6           # pynetdicom's SCU notices its own abort only when this runs out
        statuses: list = []
        mover = threading.Thread(target=lambda: statuses.extend(
            st.get("Status") for st, _ in assoc.send_c_move(study_level(study[0]), ME, MOVE)), daemon=True)
        mover.start()
        stats = pacs.wait_for(lambda s: s["stalls"] == 1)
        assert stats["stores_sent"] == 2
        mover.join(2.0)
        assert mover.is_alive(), "the move ended although the SCP stalled"
        assert 0x0000 not in statuses and len(received) == 2
        assoc.abort()
        stats = pacs.wait_for(lambda s: s["stalls_ended"] == 1)
        mover.join(15)
        assert not mover.is_alive()
        assert stats["stores_sent"] == 2 and stats["last_retrieve"]["outcome"] == "stalled, then ended by the peer"
        # the BadPACS still serves after that
        assoc = associate(pacs, FIND)
        assert [st.Status for st, _ in assoc.send_c_find(query("STUDY", StudyInstanceUID=""), FIND)][-1] == 0
        assoc.release()


def test_stop_ends_a_stalled_bad_pacs(study, store_scp):
    port, _ = store_scp
    pacs = bad_pacs(study, Behaviour(stall_forever_after=0), scp_port=port).start()
    assoc = associate(pacs, MOVE)
    mover = threading.Thread(target=lambda: list(assoc.send_c_move(study_level(study[0]), ME, MOVE)), daemon=True)
    mover.start()
    pacs.wait_for(lambda s: s["stalls"] == 1)
    pacs.stop()
    assert not pacs.alive
    mover.join(15)
    assert not mover.is_alive(), "the mover still hangs after the BadPACS stopped"
