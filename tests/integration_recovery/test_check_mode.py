"""Check mode of drs_start_recovery, drs_job_wait, drs_reverse_replication and drs_recovery_instance
through ansible-playbook against the lab: no mutating call, and a sensible prediction.
"""

from __future__ import annotations

from recovery_helpers import (
    block_devices,
    clients,
    instances,
    launch_into,
    mutating,
    pairs,
    recovery_instances_of,
    run_playbook,
    volume_ids,
)


# ----- check mode ----------------------------------------------------------------------------------------------


def test_check_mode_makes_no_mutating_call_and_predicts(lab):
    truth = lab.fresh(8, time_scale=2000)
    drs, ec2 = clients(lab)
    servers = truth["servers"]
    launch_into(drs, servers[:7])
    wave = pairs(servers)
    drilled, recovered, idle = wave[:3], wave[3:5], wave[5:7]
    originals = {k: block_devices(v) for k, v in instances(ec2, [p["target_instance_id"] for p in drilled]).items()}
    setup = run_playbook(lab, "two_groups.yml", {"run_id": "chk", "group_a": drilled, "mode_a": "drill",
                                                 "group_b": recovered, "mode_b": "recovery", "launch_into_b": True})
    wait = setup["Wait"]
    assert not wait.get("failed"), wait.get("msg")
    drill_ris = recovery_instances_of(wait, drilled)
    recovered_ris = recovery_instances_of(wait, recovered)
    drill_volumes = {k: block_devices(v) for k, v in instances(ec2, [p["target_instance_id"] for p in drilled]).items()}

    targets = [p["target_instance_id"] for p in wave[:7]]

    def snapshot():
        east, _ = clients(lab, "us-east-1")
        return {
            "instances": {k: (v["State"]["Name"], block_devices(v)) for k, v in instances(ec2, targets).items()},
            "volumes": volume_ids(ec2),
            "recovery_instances": sorted(r["recoveryInstanceID"] for r in drs.describe_recovery_instances(filters={})["items"]),
            "jobs": sorted(j["jobID"] for j in drs.describe_jobs(filters={})["items"]),
            "failback": sorted(s["sourceServerID"] for s in east.describe_source_servers(filters={})["items"]),
        }

    before = snapshot()
    extra = {"run_id": "chk", "drilled": drilled, "idle": idle, "job_ids": [j["job_id"] for j in wait["jobs"]],
             "drill_instances": drill_ris, "recovered_instances": recovered_ris}
    run = run_playbook(lab, "check_mode.yml", extra, check=True)
    assert run.calls, "the check-mode run made no call the lab saw"
    assert mutating(run.calls) == []
    assert snapshot() == before

    would = run["Start idle servers"]
    assert not would.get("failed"), would.get("msg")
    assert would["changed"] is True
    assert sorted(would["started"]) == sorted(p["source_server_id"] for p in idle)
    assert [(j["job_id"], j["status"], len(j["source_server_ids"])) for j in would["jobs"]] == [(None, "would_start", 1)] * 2

    resumed = run["Start the drilled servers again with their run ID"]
    assert resumed["changed"] is False and resumed["started"] == []
    assert sorted(resumed["reused"]) == sorted(p["source_server_id"] for p in drilled)

    waited = run["Wait"]
    assert waited["changed"] is False and waited["done"] is True
    assert waited["summary"]["launched"] == 5 and waited["summary"]["identity_verified"] == 3

    reverse = run["Reverse replication"]
    assert not reverse.get("failed"), reverse.get("msg")
    assert reverse["changed"] is True
    for entry in reverse["instances"]:
        assert entry["changed"] is True and "error" not in entry
        assert "reversed_source_server_id" not in entry  # nothing was reversed
        assert all(c["passed"] for c in entry["checks"] if c["severity"] == "error")
    assert run["Remove reversed direction (none yet)"]["changed"] is False

    reset = run["Reset drilled targets"]
    assert not reset.get("failed"), reset.get("msg")
    assert reset["changed"] is True and reset["jobs"] == []
    for entry in reset["instances"]:
        iid = entry["ec2_instance_id"]
        assert entry["launched_into"] is True
        (device, original), = originals[iid]
        (_, drill_volume), = drill_volumes[iid]
        assert entry["actions"] == [
            f"stop {iid}",
            f"detach and delete drill volume {drill_volume} ({device})",
            f"attach original volume {original} at {device}",
            f"disconnect and delete DRS recovery instance record {entry['recovery_instance_id']}",
        ]

    refused = run["Terminate drilled targets without force"]
    assert refused["failed"] is True and refused["changed"] is False
    assert all(e["launched_into"] is True and e["error"] and e["remediation"] for e in refused["instances"])

    forced = run["Terminate drilled targets with force"]
    assert not forced.get("failed"), forced.get("msg")
    assert forced["changed"] is True and forced["jobs"] == []
    assert [e["actions"] for e in forced["instances"]] == [[f"terminate {r} and EC2 instance {r}"] for r in drill_ris]
