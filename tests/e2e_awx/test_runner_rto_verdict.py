"""A drill under ansible-runner (as AWX runs it) yields PASS or FAIL against its RTO target, in set_stats and the report."""

from __future__ import annotations

import json
import os

import ansible_runner
import pytest

from lab.ansible_env import BIN, ansible_env
from lab.testing import store_reviewed_pairs


def _drill(lab, tmp_path, rto_minutes):
    """Drill the wave-1 servers whose target matches exactly (a clean wave), under ansible-runner."""
    servers = [s["source_server_id"] for s in lab.truth()["servers"] if s["wave"] == 1 and s["expect"] == "exact"]
    store_reviewed_pairs(lab, tmp_path / "pairing")
    pdd = tmp_path / "pdd"
    (pdd / "env").mkdir(parents=True)
    env = ansible_env(lab)
    envvars = {k: v for k, v in env.items() if k.startswith(("AWS_", "ANSIBLE_"))}
    envvars["PATH"] = str(BIN) + os.pathsep + os.environ.get("PATH", "")
    (pdd / "env" / "envvars").write_text(json.dumps(envvars))
    (pdd / "env" / "extravars").write_text(json.dumps({
        "dr_region": "us-west-2", "dr_poll_interval": 1, "dr_progress_interval": 3, "dr_report_root": str(tmp_path / "reports"),
        "dr_run_id": f"rto-{rto_minutes}", "dr_source_server_ids": servers, "dr_rto_target_minutes": rto_minutes}))
    result = ansible_runner.run(private_data_dir=str(pdd), playbook="elastic_dr.orchestrator.drill", quiet=True)
    stats = [e for e in result.events if e.get("event") == "playbook_on_stats"]
    assert stats, result.stdout.read()[-3000:]
    run = json.loads((tmp_path / "reports" / f"rto-{rto_minutes}" / "run.json").read_text())
    report = (tmp_path / "reports" / f"rto-{rto_minutes}" / "report.html").read_text()
    return result, stats[-1]["event_data"]["artifact_data"], run, report


# One drill: the FAIL side (a PASS under ansible-runner, with its set_stats, is checked by test_runner_chain.py).
@pytest.mark.parametrize("rto_minutes, verdict", [(1, "FAIL")])
def test_drill_verdict_against_the_rto_target(lab, tmp_path, rto_minutes, verdict):
    result, artifacts, run, report = _drill(lab, tmp_path, rto_minutes)
    assert artifacts["dr_verdict"] == verdict == run["verdict"]["verdict"], run["verdict"]
    assert artifacts["dr_rto_met"] is (verdict == "PASS") and run["summary"]["rto_met"] is (verdict == "PASS")
    assert run["summary"]["launched"] == run["summary"]["planned"] > 0
    assert (result.rc == 0) is (verdict == "PASS")  # a FAIL verdict fails the job, so AWX marks it failed
    if verdict == "FAIL":
        assert any("RTO" in r for r in run["verdict"]["reasons"]) and "RTO" in report
