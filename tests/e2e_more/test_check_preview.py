"""--check on the drill, failover and failback playbooks: a preview per wave, 0 mutating calls, rc 0 when clean.

Issue 12 items 9 and 20: `drill --check` and `failover --check` ended FAIL rc 2 (start refused every server because the
launch-into configuration the run writes first is not written in check mode), failback --check crashed, and the
report the run pointed to was never written.
"""

from __future__ import annotations

import json

from more_helpers import aws_client, aws_calls, record, run_playbook, tail
from test_start_faults import _estate


def _preview(report_root, run_id):
    return json.loads((report_root / run_id / "preview.json").read_text())


def _mutations(lab, since):
    return [c["operation"] for c in aws_calls(lab, since) if c["mutating"]]


def _would(preview):
    return {s["source_server_id"]: s for w in preview["waves"] for s in w["servers"]}


def test_drill_check_previews_every_wave_with_no_change(demo_lab, tmp_path):
    demo_lab.reset(estate=_estate(tmp_path), time_scale=2000)
    truth = {s["source_server_id"]: s for s in demo_lab.truth()["servers"]}
    seq = demo_lab.last_seq()
    proc = run_playbook(demo_lab, "drill", tmp_path, dr_run_id="chk-1", dr_pairing="match", run_args=["--check"])
    assert proc.returncode == 0, tail(proc)
    assert _mutations(demo_lab, seq) == []
    preview = _preview(tmp_path, "chk-1")
    assert preview["verdict"]["verdict"] == "PREVIEW" and preview["verdict"]["clean"] is True, preview["verdict"]
    assert [(w["name"], w["status"], w["reason"]) for w in preview["waves"]] == [
        ("wave_01", "preview", "would start 3 of 3 planned servers"), ("wave_02", "preview", "would start 3 of 3 planned servers")]
    would = _would(preview)
    assert sorted(would) == sorted(truth)
    for sid, server in would.items():
        assert server["status"] == "would_start" and server["target_instance_id"] == truth[sid]["target_instance_id"], server
    assert "6/6 servers would start" in proc.stdout and "preview.html" in proc.stdout
    assert "wave_01 (wave 1 of 2) PREVIEW: check mode, nothing changed: would start 3 of 3 planned servers; 0 problems." in proc.stdout
    assert not (tmp_path / "chk-1" / "run.json").exists() and (tmp_path / "chk-1" / "preview.html").exists()


def test_failover_check_that_would_not_recover_everything_fails_the_job(demo_lab, tmp_path):
    demo_lab.reset(estate=_estate(tmp_path), time_scale=2000)
    truth = {s["name"]: s for s in demo_lab.truth()["servers"]}
    running = truth["pay-app-02"]["target_instance_id"]
    aws_client(demo_lab, "ec2", "us-west-2").start_instances(InstanceIds=[running])  # someone started the DR target
    seq = demo_lab.last_seq()
    proc = run_playbook(demo_lab, "failover", tmp_path, dr_mode="recovery", dr_run_id="chk-2", dr_pairing="match",
                        dr_failure_policy="continue", run_args=["--check"])
    assert proc.returncode == 2, tail(proc)
    assert _mutations(demo_lab, seq) == []
    preview = _preview(tmp_path, "chk-2")
    assert preview["verdict"]["verdict"] == "PREVIEW" and preview["verdict"]["clean"] is False
    assert truth["pay-app-02"]["source_server_id"] not in _would(preview)
    assert any("pay-app-02" in r for r in preview["verdict"]["reasons"]), preview["verdict"]["reasons"]
    assert "would not recover everything" in proc.stdout


def test_failback_check_previews_the_originals_with_no_change(demo_lab, tmp_path):
    demo_lab.reset(estate=_estate(tmp_path), time_scale=2000)
    truth = {s["source_server_id"]: s for s in demo_lab.truth()["servers"]}
    failover = run_playbook(demo_lab, "failover", tmp_path, dr_mode="recovery", dr_run_id="fo-1", dr_pairing="match")
    assert failover.returncode == 0 and record(tmp_path, "fo-1")["verdict"]["verdict"] == "PASS", tail(failover)
    seq = demo_lab.last_seq()
    proc = run_playbook(demo_lab, "failback", tmp_path, dr_failover_run_id="fo-1", dr_run_id="fb-chk", dr_origin_region="us-east-1",
                        dr_stop_originals=True, run_args=["--check"])
    assert proc.returncode == 0, tail(proc)
    assert _mutations(demo_lab, seq) == []
    preview = _preview(tmp_path, "fb-chk")
    assert preview["verdict"]["verdict"] == "PREVIEW" and preview["verdict"]["clean"] is True, preview["verdict"]
    would = _would(preview)
    assert sorted(would) == sorted(truth)
    for sid, server in would.items():
        assert server["target_instance_id"] == truth[sid]["origin_instance_id"], server


def test_readiness_check_reports_like_readiness_and_changes_nothing(demo_lab, tmp_path):
    demo_lab.reset(estate=_estate(tmp_path), time_scale=2000)
    seq = demo_lab.last_seq()
    plain = run_playbook(demo_lab, "readiness", tmp_path, dr_pairing="match")
    checked = run_playbook(demo_lab, "readiness", tmp_path, dr_pairing="match", run_args=["--check"])
    assert plain.returncode == 0 and checked.returncode == 0, tail(checked)
    assert _mutations(demo_lab, seq) == []
    lines = [ln for ln in plain.stdout.splitlines() if "ready" in ln]
    assert lines and all(ln in checked.stdout for ln in lines), tail(checked)
