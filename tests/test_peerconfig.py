"""peers.json's peer forms (DIMSE, DICOMweb, TLS, transfer limits) and the transfer windows."""
import datetime as dt
import json

import pytest

from mid import settings
from mid.peerconfig import PeerConfig, TlsConfig, peer_problems
from mid.schedule import Schedule, WindowError, parse_window

SELF_ENTRY = {"peer_name": "<SELF>", "peer_aet": "MID_SCU", "peer_ip": "0.0.0.0", "peer_port": 11112}


def write_peers(cfg, peers):
    cfg.mkdir(parents=True, exist_ok=True)
    (cfg / "peers.json").write_text(json.dumps({"<SELF>": SELF_ENTRY, **peers}))


def test_a_dicomweb_peer_needs_no_ae_title_and_does_not_break_the_file(tmp_path):
    write_peers(tmp_path, {"PACS WEB": {"protocol": "dicomweb", "url": "https://pacs.example.org/dicom-web/",
                                        "username": "reader", "password_env": "PACS_WEB_PASSWORD"}})
    s = settings.load_settings(tmp_path)
    assert not s.notices
    web = s.peers["PACS WEB"]
    assert web.is_dicomweb and web.url == "https://pacs.example.org/dicom-web"
    assert (web.username, web.password_env, web.token_env) == ("reader", "PACS_WEB_PASSWORD", None)
    assert not list(tmp_path.glob("peers.broken-*"))


def test_a_dimse_peer_still_needs_its_ae_title_address_and_port(tmp_path):
    write_peers(tmp_path, {"PACS": {"peer_ip": "10.0.0.5", "peer_port": 104}})
    s = settings.load_settings(tmp_path)
    assert "PACS" not in s.peers
    (n,) = s.notices
    assert "'peer_aet'" in n.message and "left out" in n.message and n.renamed_to is None
    # One peer short of a key no longer costs the user the whole file.
    assert not list(tmp_path.glob("peers.broken-*")) and "PACS" in (tmp_path / "peers.json").read_text()


@pytest.mark.parametrize("entry, words", [
    ({"protocol": "dicomweb"}, "'url'"),
    ({"protocol": "dicomweb", "url": "ftp://x/dicom-web"}, "http:// or https://"),
    ({"protocol": "dicomweb", "url": "https://u:secret@x/dicom-web"}, "password_env"),
    ({"protocol": "dicomweb", "url": "https://x/w", "password_env": "P"}, "needs a \"username\""),
    ({"protocol": "dicomweb", "url": "https://x/w", "username": "u", "password_env": "hunter2!"},
     "NAME of an environment"),
    ({"protocol": "dicomweb", "url": "https://x/w", "token_env": "T", "username": "u", "password_env": "P"},
     "not both"),
    ({"protocol": "hl7", "url": "https://x/w"}, "protocol 'hl7'"),
    ({"peer_aet": "A", "peer_ip": "10.0.0.1", "peer_port": 104, "tls": {"cert_file": "c.pem"}}, "ca_file"),
    ({"peer_aet": "A", "peer_ip": "10.0.0.1", "peer_port": 104, "tls": {"ca_file": "ca.pem", "cert_file": "c"}},
     "both \"cert_file\" and \"key_file\""),
    ({"peer_aet": "A", "peer_ip": "10.0.0.1", "peer_port": 104, "tls": {"ca_file": "ca", "verify": 1}}, "unknown keys"),
    ({"peer_aet": "A", "peer_ip": "10.0.0.1", "peer_port": 104, "transfer_windows": ["7pm-7am"]}, "7pm-7am"),
    ({"peer_aet": "A", "peer_ip": "10.0.0.1", "peer_port": 104, "max_mb_per_s": 0}, "above 0"),
    ({"peer_aet": "A", "peer_ip": "10.0.0.1", "peer_port": 104, "max_find_results": 0}, "1 or more"),
])
def test_a_bad_peer_is_left_out_with_a_message_naming_the_problem(tmp_path, entry, words):
    write_peers(tmp_path, {"X": entry})
    s = settings.load_settings(tmp_path)
    assert "X" not in s.peers
    assert any(words in n.message and "'X'" in n.message for n in s.notices), [n.message for n in s.notices]


def test_our_own_side_cannot_be_a_dicomweb_peer():
    assert "DIMSE only" in peer_problems("<SELF>", {**SELF_ENTRY, "protocol": "dicomweb"}, is_self=True)[0]


def test_tls_windows_and_limits_are_read_and_saved_back(tmp_path):
    write_peers(tmp_path, {"SECURE": {"peer_aet": "SEC", "peer_ip": "10.0.0.9", "peer_port": 2762,
                                      "tls": {"ca_file": "/etc/ca.pem", "cert_file": "me.pem", "key_file": "me.key",
                                              "check_hostname": False, "key_password_env": "KEY_PW"},
                                      "transfer_windows": ["Mon-Fri 19:00-07:00", "Sat-Sun"],
                                      "max_instances_per_s": 50, "max_mb_per_s": 12.5, "max_find_results": 500,
                                      "note": "kept"}})
    s = settings.load_settings(tmp_path)
    p = s.peers["SECURE"]
    assert p.tls == TlsConfig("/etc/ca.pem", "me.pem", "me.key", False, "KEY_PW")
    assert p.transfer_windows == ("Mon-Fri 19:00-07:00", "Sat-Sun")
    assert (p.max_instances_per_s, p.max_mb_per_s, p.max_find_results) == (50, 12.5, 500)
    # Saving without TLS drops the block but keeps the user's own key.
    from dataclasses import replace
    settings.save_peers(tmp_path, {**s.peers, "SECURE": replace(p, tls=None)})
    saved = json.loads((tmp_path / "peers.json").read_text())["SECURE"]
    assert "tls" not in saved and saved["note"] == "kept" and saved["max_find_results"] == 500
    again = settings.load_settings(tmp_path).peers["SECURE"]
    assert again == replace(p, tls=None)


def test_a_saved_dicomweb_peer_loads_back_the_same(tmp_path):
    write_peers(tmp_path, {})
    s = settings.load_settings(tmp_path)
    web = PeerConfig("WEB", "", "pacs.example.org", 0, protocol="dicomweb", url="https://pacs.example.org/dicom-web",
                     token_env="PACS_TOKEN")
    settings.save_peers(tmp_path, {**s.peers, "WEB": web})
    saved = json.loads((tmp_path / "peers.json").read_text())["WEB"]
    assert "peer_port" not in saved and saved["token_env"] == "PACS_TOKEN"
    assert settings.load_settings(tmp_path).peers["WEB"] == web


# --- transfer windows ----------------------------------------------------------------------------

MONDAY = dt.datetime(2031, 6, 2)      # a Monday


def at(day_offset, hh, mm=0):
    return MONDAY + dt.timedelta(days=day_offset, hours=hh, minutes=mm)


def test_a_night_window_runs_past_midnight_and_closes_in_the_morning():
    night = Schedule.from_texts(["19:00-07:00"])
    assert not night.open_at(at(0, 12))
    assert night.open_at(at(0, 19)) and night.open_at(at(1, 6, 59)) and not night.open_at(at(1, 7))
    assert night.next_open(at(0, 12)) == at(0, 19)
    assert night.closes_at(at(0, 23)) == at(1, 7)


def test_weekday_nights_and_weekends_join_into_one_long_window():
    s = Schedule.from_texts(["Mon-Fri 19:00-07:00", "Sat-Sun"])
    assert not s.open_at(at(2, 10))                     # Wednesday 10:00
    assert s.open_at(at(5, 10))                         # Saturday
    # Friday 19:00 runs into Saturday, Saturday and Sunday whole, Monday until 07:00 (Sunday night's
    # window does not exist: Sun is whole-day, Monday morning comes from nothing) -> ends Monday 00:00.
    assert s.closes_at(at(4, 20)) == at(7, 0)
    assert s.next_open(at(2, 10)) == at(2, 19)


def test_no_windows_means_any_time():
    s = Schedule.from_texts([])
    assert s.always and s.open_at(at(0, 3)) and s.closes_at(at(0, 3)) is None and s.describe() == "any time"


@pytest.mark.parametrize("text, words", [
    ("25:00-07:00", "25:00"), ("19:00-19:00", "same time"), ("Funday 10:00-11:00", "'Funday' is not a day"),
    ("7pm", "neither"), ("", "must be text"), ("Mon 7-8", "not a time range"),
])
def test_a_window_that_cannot_be_read_says_why(text, words):
    with pytest.raises(WindowError, match=words):
        parse_window(text)


def test_day_names_may_be_written_out_and_ranges_wrap_the_week():
    w = parse_window("Friday-Monday 08:00-09:00")
    assert w.days == frozenset({4, 5, 6, 0})
