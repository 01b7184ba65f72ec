"""Launch into an existing instance, and plain launches, as DRS does them (DRS_API.md §2)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from lab_helpers import by_name, instance, job_log, launch_into, run_job, volumes_of


def test_launch_into_keeps_instance_id_and_ip_and_retains_old_volumes(lab, aws, truth):
    drs, ec2 = aws("drs"), aws("ec2")
    db = by_name(truth, "db-01")
    before = volumes_of(ec2, db["target_instance_id"])
    cfg = launch_into(drs, db)
    assert cfg["launchIntoInstanceProperties"] == {"launchIntoEC2InstanceID": db["target_instance_id"]}
    assert cfg["copyPrivateIp"] is False and cfg["copyTags"] is False

    job = run_job(lab, drs, [db["source_server_id"]], drill=False)
    assert job["status"] == "COMPLETED" and job["initiatedBy"] == "START_RECOVERY"
    server = job["participatingServers"][0]
    assert server["launchStatus"] == "LAUNCHED"

    ri = drs.describe_recovery_instances(filters={"sourceServerIDs": [db["source_server_id"]]})["items"][0]
    assert ri["ec2InstanceID"] == db["target_instance_id"] == ri["recoveryInstanceID"]
    assert ri["ec2InstanceState"] == "RUNNING" and ri["isDrill"] is False and ri["originEnvironment"] == "AWS"
    inst = instance(ec2, db["target_instance_id"])
    assert inst["PrivateIpAddress"] == db["target_ip"] == db["origin_ip"]
    assert inst["State"]["Name"] == "running"

    after = volumes_of(ec2, db["target_instance_id"])
    assert set(after) == set(before) and not set(after.values()) & set(before.values())
    retained = ec2.describe_volumes(VolumeIds=list(before.values()))["Volumes"]
    assert {v["State"] for v in retained} == {"available"}
    for vol in retained:
        tags = {t["Key"]: t["Value"] for t in vol["Tags"]}
        assert tags["drs:displaced-from-instance"] == db["target_instance_id"]
        assert tags["drs:displaced-by-job"] == job["jobID"]

    events = [item["event"] for item in job_log(drs, job["jobID"])]
    assert events[0] == "JOB_START" and events[-1] == "JOB_END"
    for event in ("SNAPSHOT_START", "SNAPSHOT_END", "CONVERSION_START", "CONVERSION_END", "LAUNCH_START"):
        assert event in events
    assert "LAUNCH_END" not in events

    srv = drs.describe_source_servers(filters={"sourceServerIDs": [db["source_server_id"]]})["items"][0]
    assert srv["recoveryInstanceId"] == db["target_instance_id"]
    assert srv["lastLaunchResult"] == "SUCCEEDED"
    assert srv["lifeCycle"]["lastLaunch"]["initiated"]["type"] == "RECOVERY"


def test_plain_launch_gets_a_new_instance(lab, aws, truth):
    drs, ec2 = aws("drs"), aws("ec2")
    app = by_name(truth, "app-01")
    job = run_job(lab, drs, [app["source_server_id"]], drill=True)
    assert job["initiatedBy"] == "START_DRILL"
    ri_id = job["participatingServers"][0]["recoveryInstanceID"]
    assert ri_id != app["target_instance_id"]
    inst = instance(ec2, ri_id)
    assert inst["PrivateIpAddress"] != app["origin_ip"]
    assert instance(ec2, app["target_instance_id"])["State"]["Name"] == "stopped"


def test_job_moves_through_pending_started_completed(lab, aws, truth):
    drs = aws("drs")
    web = by_name(truth, "web-01")
    launch_into(drs, web)
    job = drs.start_recovery(sourceServers=[{"sourceServerID": web["source_server_id"]}], isDrill=True)
    assert job["ResponseMetadata"]["HTTPStatusCode"] == 202
    job = job["job"]
    assert job["status"] == "PENDING" and job["type"] == "LAUNCH"
    assert job["participatingServers"] == [{"sourceServerID": web["source_server_id"], "launchStatus": "PENDING"}]
    lab.advance(10)
    current = drs.describe_jobs(filters={"jobIDs": [job["jobID"]]})["items"][0]
    assert current["status"] == "STARTED" and "endDateTime" not in current
    lab.advance(3600)
    current = drs.describe_jobs(filters={"jobIDs": [job["jobID"]]})["items"][0]
    assert current["status"] == "COMPLETED" and current["endDateTime"] >= current["creationDateTime"]


def test_update_time_refusals(lab, aws, truth):
    drs = aws("drs")
    search = by_name(truth, "search-01")  # x86_64 server, arm64 target
    with pytest.raises(ClientError) as err:
        launch_into(drs, search)
    assert err.value.response["Error"]["Code"] == "ValidationException"
    assert "configuration mismatch: Architecture" in err.value.response["Error"]["Message"]
    assert err.value.response["fieldList"][0]["name"] == "launchIntoInstanceProperties.launchIntoEC2InstanceID"

    web = by_name(truth, "web-01")
    with pytest.raises(ClientError) as err:  # copyTags left on (the estate's default)
        drs.update_launch_configuration(sourceServerID=web["source_server_id"],
                                        launchIntoInstanceProperties={"launchIntoEC2InstanceID": web["target_instance_id"]})
    assert err.value.response["Error"]["Code"] == "ValidationException"
    assert "copyTags must be false" in err.value.response["Error"]["Message"]

    with pytest.raises(ClientError) as err:  # an instance in another Region (the origin) is not a valid target
        launch_into(drs, web, web["origin_instance_id"])
    assert err.value.response["Error"]["Code"] == "ValidationException"
    assert "same account and Region" in err.value.response["Error"]["Message"]

    launch_into(drs, web)
    other = by_name(truth, "web-02")
    with pytest.raises(ClientError) as err:  # one target cannot serve two source servers
        launch_into(drs, other, web["target_instance_id"])
    assert err.value.response["Error"]["Code"] == "ConflictException"


def test_clearing_launch_into_restores_normal_launch(lab, aws, truth):
    drs = aws("drs")
    web = by_name(truth, "web-01")
    launch_into(drs, web)
    cfg = drs.update_launch_configuration(sourceServerID=web["source_server_id"], launchIntoInstanceProperties={})
    assert cfg["launchIntoInstanceProperties"] == {}
    cfg = drs.get_launch_configuration(sourceServerID=web["source_server_id"])
    assert cfg["launchIntoInstanceProperties"] == {}


@pytest.mark.parametrize("name,needle", [
    ("batch-01", "must be stopped (current state: running)"),
    ("proxy-01", "missing the tag AWSDRS=AllowLaunchingIntoThisInstance"),
])
def test_launch_time_refusals_fail_the_server_not_the_job(lab, aws, truth, name, needle):
    drs = aws("drs")
    bad, good = by_name(truth, name), by_name(truth, "web-01")
    launch_into(drs, bad)
    launch_into(drs, good)
    job = run_job(lab, drs, [bad["source_server_id"], good["source_server_id"]])
    assert job["status"] == "COMPLETED"
    status = {s["sourceServerID"]: s["launchStatus"] for s in job["participatingServers"]}
    assert status == {bad["source_server_id"]: "FAILED", good["source_server_id"]: "LAUNCHED"}
    failed = [i for i in job_log(drs, job["jobID"]) if i["event"] == "LAUNCH_FAILED"]
    assert len(failed) == 1 and failed[0]["eventData"]["sourceServerID"] == bad["source_server_id"]
    assert needle in failed[0]["eventData"]["rawError"]
    srv = drs.describe_source_servers(filters={"sourceServerIDs": [bad["source_server_id"]]})["items"][0]
    assert srv["lastLaunchResult"] == "FAILED"


def test_injected_launch_failures(lab, aws, truth):
    drs = aws("drs")
    servers = [by_name(truth, n) for n in ("web-01", "web-02", "web-03")]
    for s in servers:
        launch_into(drs, s)
    lab.faults(launch_failures=[servers[1]["source_server_id"]])
    job = run_job(lab, drs, [s["source_server_id"] for s in servers])
    status = [next(p["launchStatus"] for p in job["participatingServers"] if p["sourceServerID"] == s["source_server_id"])
              for s in servers]
    assert status == ["LAUNCHED", "FAILED", "LAUNCHED"]
    raw = [i["eventData"]["rawError"] for i in job_log(drs, job["jobID"]) if i["event"] == "LAUNCH_FAILED"]
    assert raw and "injected" in raw[0]


def test_new_launch_cleans_up_previous_recovery_instance(lab, aws, truth):
    drs, ec2 = aws("drs"), aws("ec2")
    app = by_name(truth, "app-02")
    first = run_job(lab, drs, [app["source_server_id"]])
    first_ri = first["participatingServers"][0]["recoveryInstanceID"]
    second = run_job(lab, drs, [app["source_server_id"]])
    events = [i["event"] for i in job_log(drs, second["jobID"])]
    assert "CLEANUP_START" in events and "CLEANUP_END" in events
    assert instance(ec2, first_ri)["State"]["Name"] == "terminated"
    ris = drs.describe_recovery_instances(filters={"sourceServerIDs": [app["source_server_id"]]})["items"]
    assert [r["recoveryInstanceID"] for r in ris] == [second["participatingServers"][0]["recoveryInstanceID"]]


def test_not_ready_server_is_skipped(lab, aws, truth):
    drs = aws("drs")
    app = by_name(truth, "app-04")
    drs.stop_replication(sourceServerID=app["source_server_id"])
    job = run_job(lab, drs, [app["source_server_id"]])
    assert job["participatingServers"][0]["launchStatus"] == "FAILED"
    skipped = [i for i in job_log(drs, job["jobID"]) if i["event"] == "SERVER_SKIPPED"]
    assert skipped and "READY_FOR_TEST" in skipped[0]["eventData"]["rawError"]
