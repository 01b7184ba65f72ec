"""In-AWS failback end to end (DRS_API.md §4): reverse, wait, launch into the original, re-protect, clean up."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from lab_helpers import by_name, instance, launch_into, run_job


def test_full_failback_round_trip_into_the_original_instance(lab, aws, truth):
    drs_dr, ec2_dr = aws("drs"), aws("ec2")  # recovery Region (R2)
    drs_src, ec2_src = aws("drs", region="us-east-1"), aws("ec2", region="us-east-1")  # origin Region (R1)
    app = by_name(truth, "app-01")
    a1 = app["origin_instance_id"]

    # failover into the pre-provisioned target (B1 -> B2/B3)
    launch_into(drs_dr, app)
    job = run_job(lab, drs_dr, [app["source_server_id"]], drill=False)
    b2 = job["participatingServers"][0]["recoveryInstanceID"]
    assert b2 == app["target_instance_id"]

    # 1. reverse replication creates A2 in the origin Region
    arn = drs_dr.reverse_replication(recoveryInstanceID=b2)["reversedDirectionSourceServerArn"]
    assert ":us-east-1:" in arn
    a2_id = arn.rsplit("/", 1)[1]
    a2 = drs_src.describe_source_servers(filters={"sourceServerIDs": [a2_id]})["items"][0]
    assert a2["replicationDirection"] == "FAILBACK"
    assert a2["sourceProperties"]["identificationHints"]["awsInstanceID"] == b2
    assert a2["dataReplicationInfo"]["dataReplicationState"] == "INITIATING"
    b1 = drs_dr.describe_source_servers(filters={"sourceServerIDs": [app["source_server_id"]]})["items"][0]
    assert b1["reversedDirectionSourceServerArn"] == arn
    cfg = drs_src.get_launch_configuration(sourceServerID=a2_id)
    assert cfg["launchIntoInstanceProperties"]["launchIntoEC2InstanceID"] == a1  # launchIntoSourceInstance

    with pytest.raises(ClientError) as err:  # reversing twice is refused
        drs_dr.reverse_replication(recoveryInstanceID=b2)
    assert err.value.response["Error"]["Code"] == "ConflictException"

    # 2. wait for CONTINUOUS: the lag falls on the simulated clock
    lab.advance(120)
    a2 = drs_src.describe_source_servers(filters={"sourceServerIDs": [a2_id]})["items"][0]
    assert a2["dataReplicationInfo"]["dataReplicationState"] == "INITIAL_SYNC"
    lab.advance(600)
    a2 = drs_src.describe_source_servers(filters={"sourceServerIDs": [a2_id]})["items"][0]
    assert a2["dataReplicationInfo"]["dataReplicationState"] == "CONTINUOUS"
    ri = drs_dr.describe_recovery_instances(filters={"recoveryInstanceIDs": [b2]})["items"][0]
    assert ri["dataReplicationInfo"]["dataReplicationState"] == "CONTINUOUS"

    # 3. launch for failback = StartRecovery([A2]) in R1, into the stopped original A1
    ip_before = instance(ec2_src, a1)["PrivateIpAddress"]
    running = run_job(lab, drs_src, [a2_id], drill=False)
    assert running["participatingServers"][0]["launchStatus"] == "FAILED"  # A1 is still running: refused
    ec2_src.stop_instances(InstanceIds=[a1])
    job = run_job(lab, drs_src, [a2_id], drill=False)
    a3 = job["participatingServers"][0]["recoveryInstanceID"]
    assert job["participatingServers"][0]["launchStatus"] == "LAUNCHED" and a3 == a1
    assert instance(ec2_src, a1)["PrivateIpAddress"] == ip_before
    assert instance(ec2_src, a1)["State"]["Name"] == "running"

    # 4. re-protect: ReverseReplication(A3) re-points B1 at A1; it is not recreated
    arn_b1 = drs_src.reverse_replication(recoveryInstanceID=a3)["reversedDirectionSourceServerArn"]
    assert arn_b1 == b1["arn"]
    lab.advance(900)
    b1 = drs_dr.describe_source_servers(filters={"sourceServerIDs": [app["source_server_id"]]})["items"][0]
    assert b1["dataReplicationInfo"]["dataReplicationState"] == "CONTINUOUS"
    assert b1["sourceProperties"]["identificationHints"]["awsInstanceID"] == a1

    # 5. clean up in the documented order
    with pytest.raises(ClientError) as err:  # B2 still feeds A2
        drs_dr.terminate_recovery_instances(recoveryInstanceIDs=[b2])
    assert err.value.response["Error"]["Code"] == "ConflictException"
    drs_src.stop_replication(sourceServerID=a2_id)
    term = drs_dr.terminate_recovery_instances(recoveryInstanceIDs=[b2])["job"]
    assert term["type"] == "TERMINATE" and term["initiatedBy"] == "TERMINATE_RECOVERY_INSTANCES"
    lab.advance(600)
    term = drs_dr.describe_jobs(filters={"jobIDs": [term["jobID"]]})["items"][0]
    assert term["status"] == "COMPLETED" and term["participatingServers"][0]["launchStatus"] == "TERMINATED"
    assert drs_dr.describe_recovery_instances(filters={"recoveryInstanceIDs": [b2]})["items"] == []
    drs_src.delete_recovery_instance(recoveryInstanceID=a3)
    assert instance(ec2_src, a1)["State"]["Name"] == "running"  # deleting the record never touches EC2
    drs_src.disconnect_source_server(sourceServerID=a2_id)
    drs_src.delete_source_server(sourceServerID=a2_id)
    assert drs_src.describe_source_servers(filters={"sourceServerIDs": [a2_id]})["items"] == []


def test_reverse_replication_requires_a_running_instance(lab, aws, truth):
    drs = aws("drs")
    db = by_name(truth, "db-02")
    launch_into(drs, db)
    job = run_job(lab, drs, [db["source_server_id"]], drill=False)
    ri = job["participatingServers"][0]["recoveryInstanceID"]
    aws("ec2").stop_instances(InstanceIds=[ri])
    with pytest.raises(ClientError) as err:
        drs.reverse_replication(recoveryInstanceID=ri)
    assert err.value.response["Error"]["Code"] == "ConflictException"


def test_disconnect_then_delete_recovery_instance_keeps_ec2(lab, aws, truth):
    drs, ec2 = aws("drs"), aws("ec2")
    web = by_name(truth, "web-02")
    launch_into(drs, web)
    job = run_job(lab, drs, [web["source_server_id"]])
    ri = job["participatingServers"][0]["recoveryInstanceID"]
    with pytest.raises(ClientError) as err:
        drs.delete_recovery_instance(recoveryInstanceID=ri)
    assert err.value.response["Error"]["Code"] == "ConflictException"
    drs.disconnect_recovery_instance(recoveryInstanceID=ri)
    drs.delete_recovery_instance(recoveryInstanceID=ri)
    assert drs.describe_recovery_instances(filters={"recoveryInstanceIDs": [ri]})["items"] == []
    assert instance(ec2, ri)["State"]["Name"] == "running"
    with pytest.raises(ClientError) as err:  # a server with a recovery instance cannot be disconnected
        other = by_name(truth, "web-03")
        launch_into(drs, other)
        run_job(lab, drs, [other["source_server_id"]])
        drs.disconnect_source_server(sourceServerID=other["source_server_id"])
    assert err.value.response["Error"]["Code"] == "ConflictException"
