"""What users run: readiness, drill, failover, failback, resume after interruption, failure policy (ansible-runner: tests/e2e_awx)."""

from __future__ import annotations

import json
import re
import time

import pytest

from e2e_helpers import clients, estate_snapshot, record, run_playbook
from lab.testing import store_reviewed_pairs


def tail(proc) -> str:
    return (proc.stdout or "")[-4000:] + (proc.stderr or "")[-2000:]


def test_readiness_changes_nothing_and_reports_every_problem(lab, tmp_path):
    proc = run_playbook(lab, "readiness", tmp_path)
    assert proc.returncode == 0, tail(proc)
    assert "wave_01: 0/8" in proc.stdout and "[unmatched] db-01" in proc.stdout and "elastic_dr.orchestrator.pair" in proc.stdout, tail(proc)
    store_reviewed_pairs(lab, tmp_path / "pairing")
    seq = lab.last_seq()
    proc = run_playbook(lab, "readiness", tmp_path)
    assert proc.returncode == 0, tail(proc)
    assert [c for c in lab.calls(seq) if c["mutating"]] == []
    out = proc.stdout
    for needle in ("wave_01: 7/8", "wave_02:", "wave_03:", "[ambiguous] report-01", "[unmatched] batch-02", "Stop i-", "[blocked] search-01",
                   "AWSDRS=AllowLaunchingIntoThisInstance"):
        assert needle in out, f"{needle!r} missing from readiness output:\n{out[-3000:]}"


def test_only_the_waves_asked_for_and_an_unknown_wave_is_refused(lab, tmp_path):
    proc = run_playbook(lab, "readiness", tmp_path, dr_waves="wave_03, wave_02")  # as an AWX survey passes it
    assert proc.returncode == 0, tail(proc)
    assert "wave_02:" in proc.stdout and "wave_03:" in proc.stdout and "wave_01:" not in proc.stdout
    proc = run_playbook(lab, "readiness", tmp_path, dr_waves=["wave_09"])
    assert proc.returncode != 0 and "No wave named wave_09 in this plan; the waves are wave_01, wave_02, wave_03" in proc.stdout, tail(proc)


def test_drill_leaves_the_estate_as_it_found_it(lab, tmp_path):
    store_reviewed_pairs(lab, tmp_path / "pairing")
    before = estate_snapshot(lab)
    # As many operators run it: only changes and failures shown. Problems and results must still be there (issue 12 item 12).
    quiet = {"ANSIBLE_DISPLAY_OK_HOSTS": "false", "ANSIBLE_DISPLAY_SKIPPED_HOSTS": "false"}
    proc = run_playbook(lab, "drill", tmp_path, run_env=quiet, dr_run_id="drill-1")
    run = record(tmp_path, "drill-1")
    assert run["summary"]["launched"] >= 18, tail(proc)
    assert run["summary"]["identity_verified"] == run["summary"]["launched"]
    cleaned = [c for w in run["waves"] for c in w.get("cleanup") or []]
    assert len(cleaned) == run["summary"]["launched"]
    assert estate_snapshot(lab) == before
    assert (tmp_path / "drill-1" / "report.html").read_text().count("<svg") >= 1
    lines = proc.stdout.splitlines()
    for needle in ("Matched before any wave starts:", "[blocked] search-01", "[ambiguous] report-01", "[unmatched] batch-02",
                   "wave_01 (wave 1 of 3) PARTIAL:", "wave_02 (wave 2 of 3) PARTIAL:", "wave_03 (wave 3 of 3) PARTIAL:",
                   "Run drill-1 (drill", "servers launched", "drill clean-up: "):
        assert any(needle in line for line in lines), (needle, tail(proc))
    assert len(lines) < 200, f"{len(lines)} lines of output"
    # The clean-up says how far it is (issue 12 item 12): its last progress line has every target put back.
    assert re.search(rf"drill clean-up: {len(cleaned)}/{len(cleaned)} put back \(\d+:\d\d elapsed, round \d+\)", proc.stdout), tail(proc)


def test_failover_then_failback_round_trip_keeps_identity(lab, tmp_path):
    truth = {s["source_server_id"]: s for s in lab.truth()["servers"]}
    store_reviewed_pairs(lab, tmp_path / "pairing")
    proc = run_playbook(lab, "failover", tmp_path, dr_mode="recovery", dr_run_id="fo-1")
    run = record(tmp_path, "fo-1")
    launched = [s for w in run["waves"] for s in w["servers"] if s["status"] == "launched"]
    assert len(launched) >= 17, tail(proc)
    for s in launched:
        assert s["ec2_instance_id"] == truth[s["source_server_id"]]["target_instance_id"]
        assert s["private_ip"] == truth[s["source_server_id"]]["target_ip"]
    proc = run_playbook(lab, "failback", tmp_path, dr_run_id="fb-1", dr_origin_region="us-east-1", dr_stop_originals=True,
                        dr_failover_run_id="fo-1", dr_reprotect=True)
    back = record(tmp_path, "fb-1")
    assert back["summary"]["launched"] == len(launched), tail(proc)
    # The replication waits say how far they are, per wave (issue 12 item 12).
    for wave in back["waves"]:
        n = len(wave["servers"])
        for what in ("reverse replication", "re-protection"):
            assert re.search(rf"{wave['name']} {what}: {n}/{n} caught up \(CONTINUOUS, lag under \d+ s\) \(\d+:\d\d elapsed", proc.stdout), (
                what, tail(proc))
    # Planned from the failover's record: exactly the servers it launched, so nothing is "never started".
    assert back["verdict"]["verdict"] == "PASS", back["verdict"]
    assert sorted(s["planned_source_server_id"] for w in back["waves"] for s in w["servers"]) == sorted(s["source_server_id"] for s in launched)
    origin = {s["origin_instance_id"]: s for s in truth.values()}
    for w in back["waves"]:
        for s in w["servers"]:
            assert s["ec2_instance_id"] in origin and s["identity_preserved"] and s["ip_preserved"]
            assert s["private_ip"] == origin[s["ec2_instance_id"]]["origin_ip"]
    drs_dr, _ = clients(lab, "us-west-2")
    assert drs_dr.describe_recovery_instances(filters={})["items"] == []  # DR side cleaned up
    drs_src, _ = clients(lab, "us-east-1")
    assert [s for s in drs_src.describe_source_servers(filters={})["items"] if s["replicationDirection"] == "FAILBACK"] == []
    # Re-protected: each forward source server replicates its original instance again (not the failed-over copy).
    reprotected = [e for w in back["waves"] for e in w["reprotected"]]
    assert sorted(e["source_server_id"] for e in reprotected) == sorted(s["source_server_id"] for s in launched)
    forward = {s["sourceServerID"]: s for s in drs_dr.describe_source_servers(filters={})["items"]}
    for s in launched:
        server = forward[s["source_server_id"]]
        assert server["dataReplicationInfo"]["dataReplicationState"] == "CONTINUOUS"
        assert server["sourceProperties"]["identificationHints"]["awsInstanceID"] == truth[s["source_server_id"]]["origin_instance_id"]
    page = (tmp_path / "fb-1" / "report.html").read_text()
    assert "Re-protection" in page and all(e["source_server_id"] in page for e in reprotected)


def test_interrupted_run_resumes_without_duplicate_jobs(lab, tmp_path):
    store_reviewed_pairs(lab, tmp_path / "pairing")
    lab.set_scale(20)  # slow enough to interrupt in the middle of a wave
    seq = lab.last_seq()
    proc = run_playbook(lab, "failover", tmp_path, background=True, dr_mode="drill", dr_run_id="resume-1")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not [c for c in lab.calls(seq) if c["operation"] == "StartRecovery"]:
        time.sleep(0.5)
    proc.kill()
    proc.wait()
    started_before = [c for c in lab.calls(seq) if c["operation"] == "StartRecovery" and c["status"] == 202]
    assert started_before, "the run was killed before it started any job"
    lab.set_scale(2000)
    again = run_playbook(lab, "failover", tmp_path, dr_mode="drill", dr_run_id="resume-1")
    starts = [c for c in lab.calls(seq) if c["operation"] == "StartRecovery" and c["status"] == 202]
    run = record(tmp_path, "resume-1")
    assert len(starts) == len([w for w in run["waves"] if w["jobs"]]), tail(again)  # one job per wave, never two
    assert run["summary"]["launched"] >= 17


@pytest.mark.parametrize("policy,later_waves_run", [("stop", False), ("continue", True)])
def test_failure_policy(lab, tmp_path, policy, later_waves_run):
    db = next(s for s in lab.truth()["servers"] if s["name"] == "db-01")
    store_reviewed_pairs(lab, tmp_path / "pairing")
    lab.faults(launch_failures=[db["source_server_id"]])
    proc = run_playbook(lab, "failover", tmp_path, dr_mode="drill", dr_run_id=f"policy-{policy}", dr_failure_policy=policy,
                        dr_critical_servers=[db["source_server_id"]])
    assert proc.returncode != 0  # the verdict is FAIL either way
    run = record(tmp_path, f"policy-{policy}")
    statuses = [w["status"] for w in run["waves"]]
    assert statuses[0] == "failed", tail(proc)
    assert (statuses[1] != "skipped") == later_waves_run and (statuses[2] != "skipped") == later_waves_run
    assert run["verdict"]["verdict"] == "FAIL"


def test_failback_from_a_missing_or_drill_record_fails_before_any_aws_call(lab, tmp_path):
    before = lab.last_seq()
    proc = run_playbook(lab, "failback", tmp_path, dr_run_id="fb-x", dr_origin_region="us-east-1", dr_failover_run_id="no-such-run")
    assert proc.returncode != 0 and "No run record at" in proc.stdout, tail(proc)
    assert [c for c in lab.calls(before) if c["service"] == "drs"] == []


def test_every_wave_problem_is_known_before_the_first_wave_and_clean_waves_use_the_plan_pairs(lab, tmp_path):
    truth = lab.truth()["servers"]
    store_reviewed_pairs(lab, tmp_path / "pairing")
    proc = run_playbook(lab, "drill", tmp_path, dr_run_id="planmatch-1")  # the drill playbook puts the estate back
    out = proc.stdout
    first_wave = out.index("TASK [Waves | This wave")
    for needle in ("Matched before any wave starts:", "[blocked] search-01", "[ambiguous] report-01", "[unmatched] batch-02", "[unmatched] proxy-01"):
        assert -1 < out.find(needle) < first_wave, f"{needle!r} not reported before the first wave:\n{out[:4000]}"
    run = record(tmp_path, "planmatch-1")
    assert [w["matched_at"] for w in run["waves"]] == ["wave", "wave", "wave"]  # each demo wave has a problem: verified again
    assert {p["name"] for w in run["waves"] for p in w["problems"]} >= {"search-01", "report-01", "batch-02", "proxy-01"}

    # Only the servers without a problem (the estate is back as it was, the reviewed pairs are still stored): every wave is
    # complete in the plan-wide match and launches with its pairs.
    bad = {"search-01", "report-01", "batch-01", "batch-02", "proxy-01"}
    ids = [s["source_server_id"] for s in truth if s["name"] not in bad]
    proc = run_playbook(lab, "failover", tmp_path, dr_mode="drill", dr_run_id="planmatch-2", dr_source_server_ids=ids)
    run = record(tmp_path, "planmatch-2")
    assert [w["matched_at"] for w in run["waves"]] == ["plan"] * len(run["waves"]), tail(proc)
    assert run["verdict"]["verdict"] == "PASS", run["verdict"]
    by_id = {s["source_server_id"]: s for s in truth}
    launched = [s for w in run["waves"] for s in w["servers"]]
    assert sorted(s["source_server_id"] for s in launched) == sorted(ids)
    for s in launched:
        assert s["status"] == "launched" and s["ec2_instance_id"] == by_id[s["source_server_id"]]["target_instance_id"]
        assert s["private_ip"] == by_id[s["source_server_id"]]["target_ip"]
