"""Wire protocol (DRS_API.md §0): errors, validation, pagination, tags, accounts, the admin routes."""

from __future__ import annotations

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from lab_helpers import NO_RETRY
from lab_helpers import by_name, launch_into, run_job


def code(err) -> str:
    return err.value.response["Error"]["Code"]


def test_lab_started_quickly(lab_server):
    # Goal 3 s (measured 1.1 s, docs/performance.md); the bound only catches regressions on a loaded machine.
    assert lab_server.startup_s < 15.0, f"lab took {lab_server.startup_s:.2f} s to be ready (goal: under 3 s)"


def test_uninitialized_region_until_initialize_service(lab, aws):
    drs = aws("drs", region="eu-west-1")
    with pytest.raises(ClientError) as err:
        drs.describe_source_servers(filters={})
    assert code(err) == "UninitializedAccountException"
    assert isinstance(err.value, drs.exceptions.UninitializedAccountException)
    resp = drs.initialize_service()
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert drs.describe_source_servers(filters={})["items"] == []
    drs.initialize_service()  # idempotent in the lab


def test_validation_exception_carries_field_list(lab, aws, truth):
    drs = aws("drs")
    sid = by_name(truth, "web-01")["source_server_id"]
    with pytest.raises(ClientError) as err:
        drs.update_launch_configuration(sourceServerID=sid, launchDisposition="SOMETIMES")
    assert code(err) == "ValidationException"
    assert err.value.response["reason"] == "fieldValidationFailed"
    assert [f["name"] for f in err.value.response["fieldList"]] == ["launchDisposition"]

    with pytest.raises(ClientError) as err:  # right length, wrong pattern
        drs.get_launch_configuration(sourceServerID="s-zzzzzzzzzzzzzzzz!")
    assert code(err) == "ValidationException"

    with pytest.raises(ClientError) as err:  # list maximum
        drs.describe_source_servers(filters={"sourceServerIDs": [f"s-{i:017d}" for i in range(201)]})
    assert code(err) == "ValidationException"
    assert err.value.response["fieldList"][0]["name"].startswith("filters.sourceServerIDs")


def test_not_found_and_conflict_errors_carry_resource(lab, aws, truth):
    drs = aws("drs")
    with pytest.raises(ClientError) as err:
        drs.get_launch_configuration(sourceServerID="s-0123456789abcdef0")
    assert code(err) == "ResourceNotFoundException"
    assert err.value.response["resourceId"] == "s-0123456789abcdef0"
    web = by_name(truth, "web-01")
    drs.start_recovery(sourceServers=[{"sourceServerID": web["source_server_id"]}], isDrill=True)
    with pytest.raises(ClientError) as err:
        drs.start_recovery(sourceServers=[{"sourceServerID": web["source_server_id"]}], isDrill=True)
    assert code(err) == "ConflictException" and err.value.response["resourceId"] == web["source_server_id"]


def test_throttling_and_server_errors(lab, aws):
    drs = aws("drs", config=NO_RETRY)
    lab.faults(throttle_rate=1.0)
    with pytest.raises(drs.exceptions.ThrottlingException) as err:
        drs.describe_source_servers(filters={})
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert err.value.response["ResponseMetadata"]["HTTPHeaders"]["retry-after"] == "1"
    lab.faults(error_rate=1.0)
    with pytest.raises(drs.exceptions.InternalServerException):
        drs.describe_source_servers(filters={})
    lab.faults()
    assert drs.describe_source_servers(filters={})["items"]


def test_a_lost_answer_is_carried_out_then_answered_with_a_server_error(lab, aws, truth):
    drs = aws("drs", config=NO_RETRY)
    sid = truth["servers"][0]["source_server_id"]
    lab.faults(answer_lost_rate=1.0, operations=["StartRecovery"])
    with pytest.raises(drs.exceptions.InternalServerException):
        drs.start_recovery(sourceServers=[{"sourceServerID": sid}], isDrill=True, tags={"run": "lost"})
    lab.faults()
    jobs = [j for j in drs.describe_jobs(filters={})["items"] if j.get("tags", {}).get("run") == "lost"]
    assert [[p["sourceServerID"] for p in j["participatingServers"]] for j in jobs] == [[sid]]


def test_retries_converge_under_30_percent_throttling(lab, aws):
    drs = aws("drs", config=Config(retries={"mode": "standard", "max_attempts": 10}))
    lab.faults(throttle_rate=0.3, error_rate=0.05)
    seq = lab.last_seq()
    for _ in range(12):
        assert len(drs.describe_source_servers(filters={})["items"]) == 24
    statuses = [c["status"] for c in lab.calls(since=seq)]
    assert 429 in statuses and statuses.count(200) == 12


def test_every_drs_paginator_spans_pages(lab, aws, truth):
    drs = aws("drs")
    small = {"PageSize": 3}
    servers = drs.get_paginator("describe_source_servers").paginate(filters={}, PaginationConfig=small)
    pages = list(servers)
    assert len(pages) == 8 and sum(len(p["items"]) for p in pages) == 24
    ids = [s["source_server_id"] for s in truth["servers"][:7]]
    for sid in ids:
        run_job(lab, drs, [sid], advance=0)
    lab.advance(3600)
    jobs = list(drs.get_paginator("describe_jobs").paginate(filters={}, PaginationConfig=small))
    assert len(jobs) == 3 and sum(len(p["items"]) for p in jobs) == 7
    created = [j["creationDateTime"] for p in jobs for j in p["items"]]
    assert created == sorted(created, reverse=True)
    job_id = jobs[0]["items"][0]["jobID"]
    logs = list(drs.get_paginator("describe_job_log_items").paginate(jobID=job_id, PaginationConfig=small))
    assert len(logs) >= 2
    ris = list(drs.get_paginator("describe_recovery_instances").paginate(filters={}, PaginationConfig=small))
    assert sum(len(p["items"]) for p in ris) == 7 and len(ris) == 3
    snaps = list(drs.get_paginator("describe_recovery_snapshots").paginate(
        sourceServerID=ids[0], order="DESC", PaginationConfig={"PageSize": 10}))
    items = [s for p in snaps for s in p["items"]]
    assert len(snaps) > 1 and items[0]["expectedTimestamp"] >= items[-1]["expectedTimestamp"]


def test_tags_on_source_servers_and_jobs(lab, aws, truth):
    drs = aws("drs")
    web = by_name(truth, "web-01")
    srv = drs.describe_source_servers(filters={"sourceServerIDs": [web["source_server_id"]]})["items"][0]
    arn = srv["arn"]
    assert drs.list_tags_for_resource(resourceArn=arn)["tags"] == srv["tags"]
    drs.tag_resource(resourceArn=arn, tags={"owner": "dr-team", "dr:wave": "9"})
    tags = drs.list_tags_for_resource(resourceArn=arn)["tags"]
    assert tags["owner"] == "dr-team" and tags["dr:wave"] == "9"
    drs.untag_resource(resourceArn=arn, tagKeys=["owner", "dr:wave"])
    assert "owner" not in drs.list_tags_for_resource(resourceArn=arn)["tags"]
    job = drs.start_recovery(sourceServers=[{"sourceServerID": web["source_server_id"]}], isDrill=True,
                             tags={"run_id": "r-1"})["job"]
    assert job["tags"] == {"run_id": "r-1"}
    assert drs.list_tags_for_resource(resourceArn=job["arn"])["tags"] == {"run_id": "r-1"}
    with pytest.raises(ClientError) as err:
        drs.list_tags_for_resource(resourceArn=arn.replace(web["source_server_id"], "s-0000000000000000a"))
    assert code(err) == "ResourceNotFoundException"


def test_call_log_records_service_operation_and_mutation(lab, aws, truth):
    seq = lab.last_seq()
    aws("drs").describe_source_servers(filters={})
    launch_into(aws("drs"), by_name(truth, "web-01"))
    aws("ec2").describe_instances()
    calls = lab.calls(since=seq)
    summary = [(c["service"], c["operation"], c["mutating"], c["account"], c["region"]) for c in calls]
    assert summary == [
        ("drs", "DescribeSourceServers", False, "123456789012", "us-west-2"),
        ("drs", "UpdateLaunchConfiguration", True, "123456789012", "us-west-2"),
        ("ec2", "DescribeInstances", False, "123456789012", "us-west-2"),
    ]


def test_replication_configuration_and_recovery_snapshots(lab, aws, truth):
    drs = aws("drs")
    sid = by_name(truth, "db-01")["source_server_id"]
    cfg = drs.get_replication_configuration(sourceServerID=sid)
    assert cfg["stagingAreaSubnetId"].startswith("subnet-") and len(cfg["pitPolicy"]) == 3
    snaps = drs.describe_recovery_snapshots(sourceServerID=sid, order="ASC")["items"]
    assert snaps and all(s["snapshotID"].startswith("pit-") for s in snaps)
    pit = snaps[0]["snapshotID"]
    job = drs.start_recovery(sourceServers=[{"sourceServerID": sid, "recoverySnapshotID": pit}], isDrill=True)["job"]
    lab.advance(3600)
    ri = drs.describe_recovery_instances(filters={"sourceServerIDs": [sid]})["items"][0]
    assert ri["pointInTimeSnapshotDateTime"] == snaps[0]["expectedTimestamp"]
    assert ri["jobID"] == job["jobID"]
    drs.stop_replication(sourceServerID=sid)
    assert drs.describe_recovery_snapshots(sourceServerID=sid)["items"] == []  # StopReplication deletes all PITs
