"""drs_recovery_instance (terminate, force, reset) and drs_reverse_replication (wait, idempotence, removal)
through ansible-playbook against the lab."""

from __future__ import annotations

import json
import re
import subprocess

from recovery_helpers import (
    BIN,
    PLAYBOOKS,
    ROOT,
    ansible_env,
    block_devices,
    by_sid,
    clients,
    instances,
    launch_into,
    ops,
    pairs,
    recovery_instances_of,
    run_playbook,
    volume_ids,
)


# ----- drs_recovery_instance -------------------------------------------------------------------------------------


def test_recovery_instance_terminate_refuses_launch_into_and_reset_restores_targets(lab):
    truth = lab.fresh(8, time_scale=2000)
    drs, ec2 = clients(lab)
    servers = truth["servers"]
    launch_into(drs, servers[:6])
    wave = pairs(servers)
    into_terminate, into_reset, plain = wave[:3], wave[3:6], wave[6:]
    reset_targets = [p["target_instance_id"] for p in into_reset]
    before = {k: block_devices(v) for k, v in instances(ec2, reset_targets).items()}
    assert all(state == "stopped" for state in (v["State"]["Name"] for v in instances(ec2, reset_targets).values()))

    setup = run_playbook(lab, "two_groups.yml", {"run_id": "drill", "group_a": wave[:6], "mode_a": "drill",
                                                 "group_b": plain, "mode_b": "drill", "launch_into_b": False})
    wait = setup["Wait"]
    assert not wait.get("failed"), wait.get("msg")
    assert wait["summary"]["launched"] == 8
    during = {k: block_devices(v) for k, v in instances(ec2, reset_targets).items()}
    drill_volumes = {vol for devices in during.values() for _, vol in devices}
    assert drill_volumes and not drill_volumes & {vol for devices in before.values() for _, vol in devices}
    ordinary = recovery_instances_of(wait, plain)
    ordinary_ec2 = [by_sid(wait["servers"])[p["source_server_id"]]["ec2_instance_id"] for p in plain]
    assert not set(ordinary_ec2) & {p["target_instance_id"] for p in wave}
    extra = {"terminate_into": recovery_instances_of(wait, into_terminate), "reset_into": recovery_instances_of(wait, into_reset),
             "ordinary": ordinary}

    run = run_playbook(lab, "cleanup.yml", extra)
    refused = run["Terminate launch-into instances"]
    assert refused["failed"] is True and refused["changed"] is False and refused["jobs"] == []
    assert len(refused["instances"]) == 3
    assert all(e["launched_into"] is True and "launched into" in e["error"] and "force" in e["remediation"]
               for e in refused["instances"])

    forced = run["Terminate launch-into instances with force"]
    assert not forced.get("failed"), forced.get("msg")
    assert forced["changed"] is True and all(e["launched_into"] is True for e in forced["instances"])
    assert [j["status"] for j in forced["jobs"]] == ["COMPLETED"]
    states = {k: v["State"]["Name"] for k, v in instances(ec2, [p["target_instance_id"] for p in into_terminate]).items()}
    assert set(states.values()) == {"terminated"}, states
    assert len(ops(run.calls, "TerminateRecoveryInstances")) == 2  # the refused task called nothing

    terminated = run["Terminate ordinary drill instances"]
    assert not terminated.get("failed"), terminated.get("msg")
    assert terminated["changed"] is True and all(e["launched_into"] is False for e in terminated["instances"])
    assert [j["status"] for j in terminated["jobs"]] == ["COMPLETED"]
    job = drs.describe_jobs(filters={"jobIDs": [terminated["jobs"][0]["job_id"]]})["items"][0]
    assert job["type"] == "TERMINATE" and job["status"] == "COMPLETED"
    assert {p["launchStatus"] for p in job["participatingServers"]} == {"TERMINATED"}
    states = {k: v["State"]["Name"] for k, v in instances(ec2, ordinary_ec2).items()}
    assert set(states.values()) == {"terminated"}, states

    reset = run["Reset drilled targets"]
    assert not reset.get("failed"), reset.get("msg")
    assert reset["changed"] is True and reset["jobs"] == []
    after = instances(ec2, reset_targets)
    for iid in reset_targets:
        assert after[iid]["State"]["Name"] == "stopped"
        assert block_devices(after[iid]) == before[iid]
    assert not drill_volumes & volume_ids(ec2), "drill volumes were left behind"
    remaining = {r["recoveryInstanceID"] for r in drs.describe_recovery_instances(filters={})["items"]}
    assert not remaining & set(extra["reset_into"] + extra["terminate_into"] + ordinary)
    assert run["Reset again"]["changed"] is False


# ----- drs_reverse_replication --------------------------------------------------------------------------------------


def test_reverse_replication_waits_is_idempotent_and_is_removed(lab):
    truth = lab.fresh(3, time_scale=2000)
    drs, _ = clients(lab)
    launch_into(drs, truth["servers"])
    wave = pairs(truth["servers"])
    origin = {s["source_server_id"]: s["origin_instance_id"] for s in truth["servers"]}

    run = run_playbook(lab, "reverse.yml", {"pairs": wave, "run_id": "failover"})
    wait = run["Wait"]
    assert not wait.get("failed"), wait.get("msg")
    assert wait["summary"]["launched"] == 3 and all(s["is_drill"] is False for s in wait["servers"])

    reversed_ = run["Reverse and wait"]
    assert not reversed_.get("failed"), reversed_.get("msg")
    assert reversed_["changed"] is True
    first = {}
    for entry in reversed_["instances"]:
        assert entry["changed"] is True
        assert entry["replication_state"] == "CONTINUOUS" and entry["lag_seconds"] <= 60
        assert entry["reversed_region"] == "us-east-1"
        assert entry["original_instance_id"] == origin[entry["source_server_id"]]
        assert entry["launch_into_instance_id"] == entry["original_instance_id"]
        first[entry["recovery_instance_id"]] = entry["reversed_source_server_id"]
    assert len(set(first.values())) == 3
    assert len(ops(run.calls, "ReverseReplication", 200)) == 3

    again = run["Reverse again"]
    assert not again.get("failed"), again.get("msg")
    assert again["changed"] is False and not any(e["changed"] for e in again["instances"])
    assert {e["recovery_instance_id"]: e["reversed_source_server_id"] for e in again["instances"]} == first

    removed = run["Remove the reversed direction"]
    assert not removed.get("failed"), removed.get("msg")
    assert removed["changed"] is True
    for entry in removed["instances"]:
        sid = first[entry["recovery_instance_id"]]
        assert entry["reversed_source_server_id"] == sid
        assert entry["actions"] == [f"stop replication of {sid}", f"disconnect {sid}", f"delete {sid}"]
    assert run["Remove again"]["changed"] is False

    east, _ = clients(lab, "us-east-1")
    assert east.describe_source_servers(filters={})["items"] == []
    assert len(drs.describe_recovery_instances(filters={})["items"]) == 3  # left for drs_recovery_instance


def test_reverse_replication_waits_in_rounds_with_a_progress_line_each(lab):
    """Issue 12 item 12: the reverse replication wait prints where the servers are, one line per round, in one task;
    a server refused in the first round is not looked at again and the task fails naming it, the others are reversed."""
    truth = lab.fresh(3, time_scale=2000)
    drs, _ = clients(lab)
    launch_into(drs, truth["servers"])
    extra = {"pairs": pairs(truth["servers"]), "run_id": "rounds", "extra_ids": ["i-0000000000000dead"], "lab_url": lab.url}
    cmd = [str(BIN / "ansible-playbook"), str(PLAYBOOKS / "reverse_rounds.yml"), "-i", "localhost,", "-e", json.dumps(extra)]
    seq = lab.last_seq()
    proc = subprocess.run(cmd, cwd=ROOT, env={**ansible_env(lab), "ANSIBLE_STDOUT_CALLBACK": "default"}, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    lines = re.findall(r"wave_01 reverse replication: (\d)/4 caught up \(CONTINUOUS, lag under 60 s\), 1 failed(.*) \((\d+:\d\d) elapsed, round (\d+)\)",
                       proc.stdout)
    assert len(lines) >= 3, proc.stdout[-4000:]
    assert [int(r) for *_, r in lines] == list(range(1, len(lines) + 1))
    assert "still replicating (3 INITIAL_SYNC)" in lines[0][1] or "still replicating (3 INITIATING)" in lines[0][1], lines[0]
    assert lines[-1][0] == "3" and lines[-1][1] == ""
    result = json.loads(re.search(r'"msg": "RESULT=(.*)"\n', proc.stdout).group(1).replace('\\"', '"'))
    assert result["failed"] and result["rounds"] == len(lines) and result["changed"] is True
    assert result["msg"].startswith("1 of 4 recovery instances were not reversed: i-0000000000000dead: Recovery instance")
    entries = result["instances"]
    assert [e["recovery_instance_id"] for e in entries][-1] == "i-0000000000000dead"
    for e in entries[:3]:
        assert e["changed"] is True and e["replication_state"] == "CONTINUOUS" and not e.get("waiting") and not e.get("error")
    calls = lab.calls(seq)
    assert len(ops(calls, "ReverseReplication", 200)) == 3, "each server is reversed once, whatever the number of rounds"
    assert proc.stdout.count("TASK [Reverse in rounds of 1 s]") == 1
