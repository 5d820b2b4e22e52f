"""DICOM over TLS against a real Orthanc 1.10 with DicomTlsEnabled, and against our own receiver.

The certificates are made by /usr/bin/openssl for the session (peers.make_test_certs), never
committed: a CA that signed Orthanc's and our certificates (each naming IP 127.0.0.1), an
unrelated CA, an expired certificate and a password-protected copy of our key. Orthanc requires
a client certificate and reaches our receiver (MID_SCU) over TLS ("UseDicomTls"), so a C-MOVE
sends its C-STORE sub-operations to us over TLS, with Orthanc's certificate checked by us.
"""
from __future__ import annotations

import logging
import socket
from dataclasses import replace

import pytest

import pacs
import peers
from mid.peerconfig import TlsConfig
from mid.vocab import ExitCode
from test_gui import gui_env  # noqa: F401  (fixture)

pytestmark = pytest.mark.peers

HOST = peers.HOST
ME = peers.SELF_AET
TIMEOUTS = pacs.Timeouts(connect=5, acse=20, dimse=30, network=60)


@pytest.fixture(scope="session")
def certs(tmp_path_factory) -> peers.TestCerts:
    peers.require_tools(peers.OPENSSL_TOOLS)
    return peers.make_test_certs(tmp_path_factory.mktemp("tls_certs"))


@pytest.fixture(scope="module")
def orthanc_tls(tmp_path_factory, certs, synthetic_study_files):
    """An Orthanc whose DICOM port speaks TLS only and requires our certificate, holding the small set."""
    peers.require_tools(peers.ORTHANC_TOOLS)
    self_port = peers.free_port()
    server = peers.OrthancServer(tmp_path_factory.mktemp("orthanc_tls"), self_port=self_port,
                                 config=peers.orthanc_tls_config(certs, self_port))
    server.start()
    try:
        server.upload(synthetic_study_files.paths)
        yield server
    finally:
        server.stop()


def ours(certs, **changes) -> TlsConfig:
    """Our TLS block: trust the test CA, present our certificate."""
    return replace(TlsConfig(str(certs.ca), str(certs.mid_cert), str(certs.mid_key)), **changes)


def tls_peer(server, tls, **changes):
    return replace(server.peer, tls=tls, **changes)


def failure(peer) -> pacs.NetError:
    with pytest.raises(pacs.NetError) as caught:
        pacs.echo(ME, peer, TIMEOUTS)
    return caught.value


class Received:
    def __init__(self):
        self.uids: set[str] = set()

    def __call__(self, request: pacs.StoreRequest) -> int:
        self.uids.add(request.dataset.SOPInstanceUID)
        return pacs.STATUS_SUCCESS


@pytest.fixture
def tls_receiver(certs):
    """make(**TlsConfig changes, host=, allowed=) -> our StorageSCP listening over TLS."""
    started = []

    def make(host=HOST, port=0, allowed=("ORTHANC", ME), **changes):
        received = Received()
        scp = pacs.StorageSCP(ME, host, port, set(allowed), received, TIMEOUTS, tls=ours(certs, **changes))
        scp.start()
        started.append(scp)
        return scp, received

    yield make
    for scp in started:
        scp.stop()


def receiver_peer(scp, host=HOST, **tls_changes):
    return peers.make_peer("US", ME, host, scp.port, tls=TlsConfig(**tls_changes))


# ------------------------------------------------------------------ against Orthanc: what works

def test_echo_over_tls_with_our_certificate(orthanc_tls, certs):
    seconds = pacs.echo(ME, tls_peer(orthanc_tls, ours(certs)), TIMEOUTS)
    assert 0 < seconds < TIMEOUTS.acse


def test_find_over_tls_returns_every_study(orthanc_tls, certs, synthetic_study_files):
    with pacs.QuerySession(ME, tls_peer(orthanc_tls, ours(certs)), TIMEOUTS) as session:
        studies = session.find("STUDY", {"StudyInstanceUID": "", "PatientID": ""})
        series = session.find("SERIES", {"StudyInstanceUID": studies[0].StudyInstanceUID, "SeriesInstanceUID": ""})
    wanted = {st.study_uid for _, st in synthetic_study_files.desc.studies()}
    assert {ds.StudyInstanceUID for ds in studies} == wanted
    _, study = synthetic_study_files.desc.find_study(studies[0].StudyInstanceUID)
    assert {ds.SeriesInstanceUID for ds in series} == {se.series_uid for se in study.series}
    assert session.associations_opened == 1


def test_move_sends_the_series_into_our_tls_receiver(orthanc_tls, certs, synthetic_study_files, tls_receiver):
    _, study, series = next(x for x in synthetic_study_files.desc.all_series() if x[2].count > 1)
    scp, received = tls_receiver(port=orthanc_tls.self_port)
    result = pacs.move(ME, tls_peer(orthanc_tls, ours(certs)), ME, "SERIES",
                       {"StudyInstanceUID": study.study_uid, "SeriesInstanceUID": series.series_uid}, TIMEOUTS)
    assert result.status == pacs.STATUS_SUCCESS
    assert result.completed == series.count and result.failed == 0
    assert received.uids == {series.sop_uid(i) for i in range(series.count)}


def test_get_brings_the_series_back_on_our_tls_association(orthanc_tls, certs, synthetic_study_files):
    _, study, series = next(x for x in synthetic_study_files.desc.all_series() if x[2].count > 1)
    received = Received()
    result = pacs.get(ME, tls_peer(orthanc_tls, ours(certs)), "SERIES",
                      {"StudyInstanceUID": study.study_uid, "SeriesInstanceUID": series.series_uid}, TIMEOUTS,
                      received, sop_classes=[series.sop_class_uid])
    assert result.completed == series.count and result.failed == 0
    assert received.uids == {series.sop_uid(i) for i in range(series.count)}


def test_our_receiver_refuses_orthanc_when_its_certificate_is_not_trusted(orthanc_tls, certs, synthetic_study_files,
                                                                        tls_receiver, caplog):
    _, study, series = next(x for x in synthetic_study_files.desc.all_series() if x[2].count > 1)
    scp, received = tls_receiver(port=orthanc_tls.self_port, ca_file=str(certs.other_ca))
    with caplog.at_level(logging.WARNING, logger="mid.tls"):
        try:
            result = pacs.move(ME, tls_peer(orthanc_tls, ours(certs)), ME, "SERIES",
                               {"StudyInstanceUID": study.study_uid, "SeriesInstanceUID": series.series_uid},
                               TIMEOUTS)
            assert result.completed == 0 and result.failed == series.count
        except pacs.NetError as e:
            assert e.result is None or e.result.completed == 0
    assert received.uids == set()
    assert any("refused a TLS connection" in r.getMessage() and "not trusted" in r.getMessage()
               for r in caplog.records)


def test_a_download_searches_and_retrieves_over_tls_into_a_tls_self(orthanc_tls, certs, synthetic_study_files,
                                                                    tmp_path):
    """The whole path: search and C-MOVE over TLS, Orthanc's C-STOREs into our TLS <SELF>,
    every image de-identified and written."""
    import json
    from mid import engine
    from mid import settings as settings_mod
    from test_engine import assert_complete_and_whole, peer_entry, searched_project, write_config
    block = {"ca_file": str(certs.ca), "cert_file": str(certs.mid_cert), "key_file": str(certs.mid_key)}
    cfg = write_config(tmp_path / "config", orthanc_tls.self_port, {"SECURE": peer_entry(orthanc_tls, tls=block)})
    entries = json.loads((cfg / "peers.json").read_text())
    entries["<SELF>"]["tls"] = block
    (cfg / "peers.json").write_text(json.dumps(entries))
    s = settings_mod.load_settings(cfg)
    assert s.self_peer.tls is not None and s.peers["SECURE"].tls is not None, s.notices
    proj = searched_project(tmp_path, s, "SECURE", synthetic_study_files.desc)
    engine.select(proj)
    fin = engine.download(s, proj, "SECURE")
    assert fin.error is None, fin.error
    assert_complete_and_whole(proj, synthetic_study_files.desc)


# ------------------------------------------------------------------ against Orthanc: what fails

def test_an_unrelated_ca_names_the_untrusted_certificate_and_our_ca_file(orthanc_tls, certs):
    e = failure(tls_peer(orthanc_tls, ours(certs, ca_file=str(certs.other_ca))))
    assert e.kind == "rejected" and not e.transient
    assert "not trusted" in e.detail and str(certs.other_ca) in e.hint


def test_no_client_certificate_says_the_pacs_requires_one(orthanc_tls, certs):
    e = failure(tls_peer(orthanc_tls, TlsConfig(str(certs.ca))))
    assert e.kind == "rejected"
    assert "requires a client certificate" in e.detail and "cert_file" in e.hint


def test_our_certificate_from_an_unrelated_ca_is_refused_by_the_pacs(orthanc_tls, certs):
    e = failure(tls_peer(orthanc_tls, ours(certs, cert_file=str(certs.other_mid_cert))))
    assert "does not trust our TLS certificate" in e.detail


def test_a_plain_connection_to_the_tls_port_says_the_port_expects_tls(orthanc_tls):
    e = failure(orthanc_tls.peer)
    assert e.kind == "rejected"
    assert "expects DICOM over TLS" in e.detail and "tls" in e.hint


def test_tls_to_a_plain_port_says_the_port_speaks_plain_dicom(orthanc, certs):
    e = failure(tls_peer(orthanc, ours(certs)))
    assert e.kind == "rejected"
    assert "plain DICOM" in e.detail


def test_the_echo_command_exits_3_with_the_certificate_problem_and_no_traceback(orthanc_tls, certs, tmp_path,
                                                                               monkeypatch, capsys):
    import main
    from test_engine import peer_entry, write_config
    tls = {"ca_file": str(certs.other_ca), "cert_file": str(certs.mid_cert), "key_file": str(certs.mid_key)}
    cfg = write_config(tmp_path / "config", orthanc_tls.self_port, {"SECURE": peer_entry(orthanc_tls, tls=tls)})
    monkeypatch.setenv("MID_CONFIG_DIR", str(cfg))
    assert main.main(["--config-dir", str(cfg), "echo", "SECURE"]) == ExitCode.NETWORK
    err = capsys.readouterr().err
    assert "not trusted" in err and str(certs.other_ca) in err
    assert "Traceback" not in err


# ------------------------------------------------------------------ certificates: our own TLS receiver as peer

def test_an_expired_certificate_is_named_expired(certs, tls_receiver):
    scp, _ = tls_receiver(cert_file=str(certs.expired_cert), key_file=str(certs.orthanc_key))
    e = failure(receiver_peer(scp, ca_file=str(certs.ca), cert_file=str(certs.mid_cert), key_file=str(certs.mid_key)))
    assert "expired" in e.detail and "date and time" in e.hint


def test_a_certificate_for_another_address_is_a_hostname_mismatch_unless_not_checked(certs, tls_receiver):
    scp, _ = tls_receiver(host="127.0.0.2")              # our certificate names 127.0.0.1 only
    mine = {"ca_file": str(certs.ca), "cert_file": str(certs.mid_cert), "key_file": str(certs.mid_key)}
    e = failure(receiver_peer(scp, host="127.0.0.2", **mine))
    assert "does not name the host" in e.detail and "127.0.0.2" in e.detail
    assert "check_hostname" in e.hint
    assert pacs.echo(ME, receiver_peer(scp, host="127.0.0.2", check_hostname=False, **mine), TIMEOUTS) > 0


def test_our_receiver_requires_a_client_certificate(certs, tls_receiver, caplog):
    scp, _ = tls_receiver()
    with caplog.at_level(logging.WARNING, logger="mid.tls"):
        e = failure(receiver_peer(scp, ca_file=str(certs.ca)))
    assert "requires a client certificate" in e.detail
    assert any("refused a TLS connection" in r.getMessage() and "no client certificate" in r.getMessage()
               for r in caplog.records)
    ok = receiver_peer(scp, ca_file=str(certs.ca), cert_file=str(certs.mid_cert), key_file=str(certs.mid_key))
    assert pacs.echo(ME, ok, TIMEOUTS) > 0


def test_a_password_protected_key_is_opened_with_the_password_from_the_environment(certs, tls_receiver, monkeypatch):
    scp, _ = tls_receiver()
    block = {"ca_file": str(certs.ca), "cert_file": str(certs.mid_cert), "key_file": str(certs.mid_key_encrypted),
             "key_password_env": "MID_TEST_KEY_PW"}
    monkeypatch.delenv("MID_TEST_KEY_PW", raising=False)
    e = failure(receiver_peer(scp, **block))
    assert e.kind == "failed" and "MID_TEST_KEY_PW" in e.detail and "not set" in e.detail
    monkeypatch.setenv("MID_TEST_KEY_PW", "wrong")
    assert "cannot be decrypted" in failure(receiver_peer(scp, **block)).detail
    monkeypatch.setenv("MID_TEST_KEY_PW", certs.key_password)
    assert pacs.echo(ME, receiver_peer(scp, **block), TIMEOUTS) > 0


def test_a_missing_certificate_file_is_named_before_any_connection(certs, tmp_path):
    missing = tmp_path / "nowhere" / "mid.pem"
    with socket.socket() as listener:
        listener.bind((HOST, 0))
        listener.listen(4)
        listener.setblocking(False)
        port = listener.getsockname()[1]
        e = failure(peers.make_peer("X", "X", HOST, port, tls=ours(certs, cert_file=str(missing))))
        with pytest.raises(BlockingIOError):
            listener.accept()                         # nobody connected
    assert e.kind == "failed" and str(missing) in e.detail and "does not exist" in e.detail


def test_a_receiver_without_its_own_certificate_does_not_start(certs):
    scp = pacs.StorageSCP(ME, HOST, 0, {ME}, Received(), TIMEOUTS, tls=TlsConfig(str(certs.ca)))
    with pytest.raises(pacs.NetError) as caught:
        scp.start()
    assert not scp.running
    assert "cert_file" in str(caught.value) and "key_file" in str(caught.value)


# ------------------------------------------------------------------ the Settings tab's TLS fields

@pytest.mark.gui
def test_the_peer_editor_shows_edits_and_saves_a_peers_tls_files(tmp_path, gui_env, free_port, certs):  # noqa: F811
    from mid import settings as settings_mod
    from mygui import Key
    from test_gui import add_peer_keys, click, last, make_config, show_peer
    cfg = make_config(tmp_path / "config", free_port(), {"SECURE": ("SPACS", free_port())})
    add_peer_keys(cfg, "SECURE", tls={"ca_file": str(certs.ca), "key_password_env": "MID_KEY_PW"})
    a = gui_env(settings_mod.load_settings(cfg))
    w = a.window
    row = show_peer(a, "SECURE")
    assert a.run_until(lambda: w[Key.P_TLS_CA].get() == str(certs.ca), 5)
    assert w[Key.P_TLS_CERT].get() == "" and w[Key.P_TLS_HOSTNAME].get() is True
    # a certificate without its key is marked and not saved
    w[Key.P_TLS_CERT].update(str(certs.mid_cert))
    w.write_event_value(Key.P_TLS_CERT, "x")
    assert a.run_until(lambda: "both" in w[Key.err(Key.P_TLS_CA)].get(), 5)
    click(a, Key.P_SAVE)
    assert a.run_until(lambda: "not saved" in last(a), 5)
    w[Key.P_TLS_KEY].update(str(certs.mid_key))
    w[Key.P_TLS_HOSTNAME].update(False)
    w.write_event_value(Key.P_TLS_KEY, "x")
    assert a.run_until(lambda: w[Key.err(Key.P_TLS_CA)].get() == "", 5)
    click(a, Key.P_SAVE)
    want = TlsConfig(str(certs.ca), str(certs.mid_cert), str(certs.mid_key), False, "MID_KEY_PW")
    assert a.run_until(lambda: settings_mod.load_settings(cfg).peers["SECURE"].tls == want, 5), a.ctx.messages
    # emptying the CA file makes it a plain DICOM peer again
    click(a, Key.P_CLEAR)
    assert a.run_until(lambda: w[Key.P_TLS_CA].get() == "" and w[Key.P_TLS_HOSTNAME].get() is True, 5)
    w.write_event_value(Key.PEERS, [row])
    assert a.run_until(lambda: w[Key.P_TLS_CERT].get() == str(certs.mid_cert), 5)
    for k in (Key.P_TLS_CA, Key.P_TLS_CERT, Key.P_TLS_KEY):
        w[k].update("")
    click(a, Key.P_SAVE)
    assert a.run_until(lambda: settings_mod.load_settings(cfg).peers["SECURE"].tls is None, 5), a.ctx.messages
