"""The download's counters agree with each other and with the project (what the reports show):
an instance sent again on a retry is counted once, and "series N of M" counts finished series
only, so a cancelled or failed run never reads as complete."""
from __future__ import annotations

import pytest

import peers
from badpacs import BadPACS, Behaviour
from mid import synthdata
from mid.vocab import DOWNLOADED, FINISHED, DownloadFinished, DownloadProgress, ExitCode
from test_cli import mrn_sheet, run_main
from test_integrity import bad_config

pytestmark = pytest.mark.peers


@pytest.fixture(scope="module")
def study():
    desc = synthdata.generate_set(seed=23, n_patients=1, studies_per_patient=1,
                                  series_spec=[synthdata.SeriesSpec("CT", "AX", 6),
                                               synthdata.SeriesSpec("CT", "COR", 4)])
    return desc, list(synthdata.iter_datasets(desc))


def _events(monkeypatch):
    """Every engine event the download sends (cli's progress view is bypassed for none)."""
    from mid import cli
    seen: list = []
    real = cli.ProgressView.__call__

    def spy(self, ev):
        seen.append(ev)
        return real(self, ev)
    monkeypatch.setattr(cli.ProgressView, "__call__", spy)
    return seen


def test_an_instance_sent_again_on_a_retry_is_counted_once(monkeypatch, tmp_path, capsys, study, free_port):
    desc, datasets = study
    self_port = free_port()
    # the first retrieve is aborted after 3 stores; the retry sends all 10 again, 3 of them known
    with BadPACS(datasets, Behaviour(abort_after=3, bad_retrieves=1),
                 allowed_move_destinations={peers.SELF_AET: ("127.0.0.1", self_port)}) as bad:
        cfg = bad_config(tmp_path, bad, self_port, "move")
        seen = _events(monkeypatch)
        sheet = mrn_sheet(tmp_path / "s.csv", [desc.patients[0].patient_id])
        code = run_main(monkeypatch, cfg, "download", str(sheet), "--source", "BAD", "--project", str(tmp_path / "P"))
        stores = bad.stats()["stores_sent"]
    out = capsys.readouterr()
    assert code == ExitCode.OK, out.out + out.err
    assert stores > len(datasets)                       # some instances did come twice
    last = [e for e in seen if isinstance(e, DownloadProgress)][-1]
    assert (last.instances_done, last.instances_total) == (len(datasets), len(datasets)), last
    assert (last.series_done, last.series_total) == (2, 2), last
    fin = [e for e in seen if isinstance(e, DownloadFinished)][-1]
    assert fin.counts == {DOWNLOADED: 2}
    assert f"{len(datasets)}/{len(datasets)} instances" in out.err


def test_series_done_counts_only_finished_series_when_a_run_is_cut_short(monkeypatch, tmp_path, capsys, study,
                                                                         free_port):
    desc, datasets = study
    self_port = free_port()
    # every retrieve aborts after 2 stores: nothing completes, whatever the retries
    with BadPACS(datasets, Behaviour(abort_after=2),
                 allowed_move_destinations={peers.SELF_AET: ("127.0.0.1", self_port)}) as bad:
        cfg = bad_config(tmp_path, bad, self_port, "move")
        seen = _events(monkeypatch)
        sheet = mrn_sheet(tmp_path / "s.csv", [desc.patients[0].patient_id])
        code = run_main(monkeypatch, cfg, "download", str(sheet), "--source", "BAD", "--project", str(tmp_path / "P"))
    capsys.readouterr()
    assert code != ExitCode.OK
    fin = [e for e in seen if isinstance(e, DownloadFinished)][-1]
    finished = sum(n for st, n in fin.counts.items() if st in FINISHED)
    last = [e for e in seen if isinstance(e, DownloadProgress)][-1]
    assert last.series_done == finished < last.series_total, (last, fin.counts)
    assert last.instances_done < len(datasets)
