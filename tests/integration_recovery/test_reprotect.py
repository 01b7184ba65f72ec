"""drs_reprotect through ansible-playbook against the lab: check mode, refusals with remediation, re-protection of
the failed-back originals (the forward source server replicates the original instance again), idempotence by tag
and by DRS's "already replicating" conflict."""

from __future__ import annotations

from recovery_helpers import clients, launch_into, mutating, ops, pairs, run_playbook

TAG = "elastic_dr:reprotects"


def reprotect(lab, ids, region="us-east-1", check=False):
    return run_playbook(lab, "reprotect.yml", {"region": region, "ids": ids}, check=check)


def test_reprotect_failed_back_originals(lab):
    truth = lab.fresh(3, time_scale=2000)
    drs, _ = clients(lab)
    launch_into(drs, truth["servers"])
    setup = run_playbook(lab, "reprotect_setup.yml", {"pairs": pairs(truth["servers"]), "run_id": "fo"})
    back = setup["Failback wait"]
    assert not back.get("failed") and back["summary"]["launched"] == 3, back.get("msg")
    fb_ids = [s["recovery_instance_id"] for s in back["servers"]]
    dr_ids = [s["recovery_instance_id"] for s in setup["Wait"]["servers"]]
    origin = {s["source_server_id"]: s["origin_instance_id"] for s in truth["servers"]}
    east, east_ec2 = clients(lab, "us-east-1")

    # Check mode: what it would do, no call that changes anything.
    run = reprotect(lab, fb_ids, check=True)
    check = run["Re-protect"]
    assert not check.get("failed"), check.get("msg")
    assert check["changed"] is True and all(e["changed"] for e in check["instances"])
    assert mutating(run.calls) == [], run.calls

    # Not failback recovery instances (the DR side) are refused with what to do.
    refused = reprotect(lab, dr_ids[:1], region="us-west-2")["Re-protect"]
    assert refused["failed"] and refused["changed"] is False
    assert "is not a failback recovery instance" in refused["instances"][0]["error"]
    assert refused["instances"][0]["remediation"]

    # One original stopped: it is refused (DRS replicates only from a running instance), the others are re-protected.
    stopped_ri = fb_ids[0]
    stopped_ec2 = east.describe_recovery_instances(filters={"recoveryInstanceIDs": [stopped_ri]})["items"][0]["ec2InstanceID"]
    east_ec2.stop_instances(InstanceIds=[stopped_ec2])
    run = reprotect(lab, fb_ids + ["i-0000000000000dead"])
    first = run["Re-protect"]
    assert first["failed"] and first["changed"] is True
    entries = {e["recovery_instance_id"]: e for e in first["instances"]}
    assert "not running" in entries[stopped_ri]["error"] and entries[stopped_ri]["remediation"].startswith("Start it")
    assert "does not exist" in entries["i-0000000000000dead"]["error"]
    for rid in fb_ids[1:]:
        e = entries[rid]
        assert e["changed"] is True and not e.get("error")
        assert e["replication_state"] == "CONTINUOUS" and e["lag_seconds"] <= 60 and e["source_region"] == "us-west-2"
    assert len(ops(run.calls, "ReverseReplication", 200)) == 2

    # The forward source servers replicate the originals again.
    forward = {s["sourceServerID"]: s for s in drs.describe_source_servers(filters={})["items"]}
    for rid in fb_ids[1:]:
        server = forward[entries[rid]["source_server_id"]]
        assert server["sourceProperties"]["identificationHints"]["awsInstanceID"] == origin[server["sourceServerID"]]
        assert server["dataReplicationInfo"]["dataReplicationState"] == "CONTINUOUS"

    # Started again, the stopped one is re-protected; the others are recognised by their tag and left alone.
    east_ec2.start_instances(InstanceIds=[stopped_ec2])
    run = reprotect(lab, fb_ids)
    second = run["Re-protect"]
    assert not second.get("failed"), second.get("msg")
    assert [e["recovery_instance_id"] for e in second["instances"] if e["changed"]] == [stopped_ri]
    assert len(ops(run.calls, "ReverseReplication")) == 1

    # Tag lost (an interrupted run): DRS answers "already replicating" and that is read as done, then tagged again.
    ri_arn = east.describe_recovery_instances(filters={"recoveryInstanceIDs": [fb_ids[1]]})["items"][0]["arn"]
    east.untag_resource(resourceArn=ri_arn, tagKeys=[TAG])
    run = reprotect(lab, fb_ids)
    third = run["Re-protect"]
    assert not third.get("failed"), third.get("msg")
    assert third["changed"] is False and all(e["replication_state"] == "CONTINUOUS" for e in third["instances"])
    assert [c["status"] for c in ops(run.calls, "ReverseReplication")] == [409]
    assert east.list_tags_for_resource(resourceArn=ri_arn)["tags"][TAG] == entries[fb_ids[1]]["source_server_id"]
