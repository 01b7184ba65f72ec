"""drs_job_wait through ansible-playbook against the lab: identity and IP verification, a launch failure
with its rawError, and a timeout naming the stragglers.
"""

from __future__ import annotations

import json
import re
import subprocess

from recovery_helpers import BIN, PLAYBOOKS, ROOT, ansible_env, by_sid, clients, launch_into, ops, pairs, run_playbook

INJECTED = "InsufficientInstanceCapacity (injected by the lab)"


# ----- drs_job_wait --------------------------------------------------------------------------------------------


def test_job_wait_verifies_identity_and_ip_and_catches_a_wrong_expectation(lab):
    truth = lab.fresh(4, time_scale=2000)
    drs, _ = clients(lab)
    launch_into(drs, truth["servers"])
    wave = pairs(truth["servers"])
    swapped = [dict(p) for p in wave]
    swapped[0]["target_instance_id"] = wave[1]["target_instance_id"]
    swapped[1]["target_instance_id"] = wave[0]["target_instance_id"]

    run = run_playbook(lab, "verify_identity.yml", {"pairs": wave, "swapped": swapped, "run_id": "ident"})
    good = run["Wait with the intended pairs"]
    assert not good.get("failed"), good.get("msg")
    assert good["done"] is True
    assert good["summary"]["launched"] == 4
    assert good["summary"]["identity_verified"] == 4 and good["summary"]["ip_verified"] == 4
    servers = by_sid(good["servers"])
    for p in wave:
        s = servers[p["source_server_id"]]
        assert s["status"] == "launched" and s["identity_preserved"] is True and s["ip_preserved"] is True
        assert s["ec2_instance_id"] == p["target_instance_id"] and s["private_ip"] == p["target_private_ip"]
        assert s["ec2_state"] == "running"

    bad = run["Wait with two targets swapped"]
    assert bad["failed"] is True and bad["done"] is True
    assert bad["summary"]["mismatched"] == 2 and bad["summary"]["launched"] == 2
    servers = by_sid(bad["servers"])
    for mine, other in ((wave[0], wave[1]), (wave[1], wave[0])):
        s = servers[mine["source_server_id"]]
        assert s["status"] == "identity_mismatch" and s["identity_preserved"] is False
        assert s["ec2_instance_id"] == mine["target_instance_id"]
        assert other["target_instance_id"] in s["error"] and other["target_instance_id"] in s["remediation"]
        assert mine["source_server_id"] in bad["msg"]
    assert {servers[p["source_server_id"]]["status"] for p in wave[2:]} == {"launched"}


def test_job_wait_reports_a_launch_failure_with_its_raw_error(lab):
    truth = lab.fresh(4, time_scale=2000)
    drs, _ = clients(lab)
    launch_into(drs, truth["servers"])
    wave = pairs(truth["servers"])
    victim = wave[0]["source_server_id"]
    lab.faults(launch_failures=[victim])

    run = run_playbook(lab, "launch_failure.yml", {"pairs": wave, "run_id": "fail"})
    tolerant = run["Wait, fail on none"]
    assert not tolerant.get("failed"), tolerant.get("msg")
    assert tolerant["done"] is True
    assert tolerant["summary"]["launched"] == 3 and tolerant["summary"]["failed"] == 1
    servers = by_sid(tolerant["servers"])
    failed = servers[victim]
    job_id = failed["job_id"]
    raw = [i["eventData"]["rawError"] for i in drs.describe_job_log_items(jobID=job_id)["items"]
           if i["event"] == "LAUNCH_FAILED" and i["eventData"].get("sourceServerID") == victim]
    assert len(raw) == 1 and INJECTED in raw[0]
    assert failed["status"] == "failed" and failed["launch_status"] == "FAILED"
    assert raw[0] in failed["error"] and failed["error"].startswith("LAUNCH_FAILED")
    assert job_id in failed["remediation"]
    assert {servers[p["source_server_id"]]["status"] for p in wave[1:]} == {"launched"}

    strict = run["Wait, fail on any"]
    assert strict["failed"] is True
    assert victim in strict["msg"] and INJECTED in strict["msg"]


def test_job_wait_timeout_names_the_stragglers(lab):
    truth = lab.fresh(3, time_scale=60)
    drs, _ = clients(lab)
    launch_into(drs, truth["servers"])
    wave = pairs(truth["servers"])
    lab.set_scale(0)  # the job never moves

    run = run_playbook(lab, "timeout.yml", {"pairs": wave, "run_id": "slow"})
    timed_out = run["Wait 3 s"]
    assert timed_out["failed"] is True and timed_out["done"] is False
    assert "Timed out after 3 s" in timed_out["msg"]
    for p in wave:
        assert p["source_server_id"] in timed_out["msg"]
    assert timed_out["summary"]["in_progress"] == 3

    round_ = run["Wait 3 s, a round of a longer wait"]
    assert not round_.get("failed"), round_.get("msg")
    assert round_["done"] is False
    # Where each server is, from the job log (the job never moves: they wait in the queue), and no ETA before a launch.
    assert round_["summary"]["progress"] == "wave 1: 0/3 launched, 3 in progress (3 queued), ETA after the first launch"
    assert round_["summary"]["eta_s"] is None
    assert {s["status"] for s in round_["servers"]} <= {"pending", "in_progress"}
    assert {s["phase"] for s in round_["servers"]} == {"queued"}
    waits = ops(run.calls, "DescribeJobs")
    assert len(waits) >= 4  # polled once a second in both rounds
    assert run.seconds >= 6


def test_job_wait_in_progress_rounds_is_one_task_with_a_line_per_round(lab):
    """A long wait is a loop of rounds inside one task (issue: one include per round killed ansible-playbook after
    about 244 rounds); each round prints its progress line with the elapsed time, and the last one applies the timeout."""
    truth = lab.fresh(2, time_scale=60)
    drs, _ = clients(lab)
    launch_into(drs, truth["servers"])
    lab.set_scale(0)  # the job never moves
    cmd = [str(BIN / "ansible-playbook"), str(PLAYBOOKS / "progress_rounds.yml"), "-i", "localhost,",
           "-e", json.dumps({"pairs": pairs(truth["servers"]), "run_id": "rounds", "rounds_timeout": 8})]
    proc = subprocess.run(cmd, cwd=ROOT, env={**ansible_env(lab), "ANSIBLE_STDOUT_CALLBACK": "default"}, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    lines = re.findall(r"wave 1: 0/2 launched, 2 in progress \(2 queued\), ETA after the first launch \((\d+:\d\d) elapsed, round (\d+)\)",
                       proc.stdout)
    summary = re.search(r"ROUNDS=(\d+) FAILED=(\w+) DONE=(\w+) MSG=([^\"]*)", proc.stdout)
    assert summary, proc.stdout[-3000:]
    rounds = int(summary.group(1))
    assert rounds >= 4 and [int(n) for _, n in lines] == list(range(1, rounds + 1))
    assert summary.group(2) == "True" and summary.group(3) == "False" and f"Timed out after 8 s ({rounds} rounds)" in summary.group(4)
    assert proc.stdout.count("TASK [Wait in rounds of 1 s]") == 1
