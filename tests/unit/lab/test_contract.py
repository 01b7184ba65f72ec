"""lab.drs.contract against the botocore DRS model: routing, input/output/error validation."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import botocore.session
import pytest
from botocore.awsrequest import prepare_request_dict
from botocore.endpoint import create_request_object
from botocore.serialize import create_serializer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lab.drs import contract

SID = "s-1234567890abcdef0"
SID2 = "s-0fedcba0987654321"
JOB = "drsjob-1234567890abcdef0"
PIT = "pit-1234567890abcdef0"
RI = "i-0123456789abcdef0"
ARN = f"arn:aws:drs:us-east-1:123456789012:source-server/{SID}"
ENCODED_ARN = "arn%3Aaws%3Adrs%3Aus-east-1%3A123456789012%3Asource-server%2Fs-1234567890abcdef0"
NOW = "2024-06-15T15:00:00.000Z"
OPERATIONS = botocore.session.get_session().get_service_model("drs").operation_names


def names(errors: list[dict]) -> list[str]:
    return [e["name"] for e in errors]


def wire(operation: str, params: dict) -> tuple[str, str, str, bytes]:
    """(method, raw path, raw query, body) exactly as a boto3 client would send the request."""
    op = contract.service_model().operation_model(operation)
    request = create_serializer("rest-json", include_validation=False).serialize_to_request(params, op)
    prepare_request_dict(request, endpoint_url="https://drs.us-east-1.amazonaws.com")
    prepared = create_request_object(request).prepare()
    url = urlsplit(prepared.url)
    body = prepared.body or b""
    return prepared.method, url.path, url.query, body if isinstance(body, bytes) else body.encode()


# ----- model and routing ---------------------------------------------------------------------------


def test_service_model_is_the_cached_drs_model():
    model = contract.service_model()
    assert model is contract.service_model()
    assert model.service_name == "drs" and model.protocol == "rest-json" and model.api_version == "2020-02-26"


@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_operation_routes_from_its_own_request_uri(operation):
    http = contract.service_model().operation_model(operation).http
    path = http["requestUri"].replace("{resourceArn}", ENCODED_ARN)
    name, params = contract.route(http["method"], path, "")
    assert name == operation
    assert params == ({"resourceArn": ARN} if "{resourceArn}" in http["requestUri"] else {})


@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_operation_round_trips_its_uri_and_query_members_through_botocore(operation):
    shape = contract.service_model().operation_model(operation).input_shape
    members = shape.members if shape is not None else {}
    samples = {"uri": ARN, "querystring": {"list": ["a b", "k/1+2"], "integer": 7, "string": "tok/en=="}}
    params = {}
    for member, member_shape in members.items():
        location = member_shape.serialization.get("location")
        if location == "uri":
            params[member] = samples["uri"]
        elif location == "querystring":
            params[member] = samples["querystring"][member_shape.type_name]
    method, path, query, _ = wire(operation, params)
    assert contract.route(method, path, query) == (operation, params)


@pytest.mark.parametrize(
    "operation, params",
    [
        (
            "StartRecovery",
            {
                "sourceServers": [{"sourceServerID": SID, "recoverySnapshotID": PIT}],
                "isDrill": True,
                "tags": {"run": "1"},
            },
        ),
        (
            "UpdateLaunchConfiguration",
            {"sourceServerID": SID, "launchDisposition": "STOPPED", "licensing": {"osByol": False}},
        ),
        ("DescribeSourceServers", {"filters": {"sourceServerIDs": [SID, SID2]}, "maxResults": 10, "nextToken": "abc"}),
        ("DescribeJobs", {"filters": {"jobIDs": [JOB], "fromDate": NOW}}),
        ("TagResource", {"resourceArn": ARN, "tags": {"Name": "web 1", "path": "a/b"}}),
        ("UntagResource", {"resourceArn": ARN, "tagKeys": ["Name", "path/x"]}),
        ("ListTagsForResource", {"resourceArn": ARN}),
        ("ListStagingAccounts", {"maxResults": 25, "nextToken": "t"}),
        ("InitializeService", {}),
    ],
)
def test_botocore_serialized_requests_round_trip(operation, params):
    method, path, query, body = wire(operation, params)
    name, recovered = contract.route(method, path, query)
    recovered.update(json.loads(body) if body.strip() else {})
    assert name == operation and recovered == params
    assert contract.validate_input(name, recovered) == []


def test_tags_route_decodes_the_percent_encoded_arn():
    for method, operation in (("GET", "ListTagsForResource"), ("POST", "TagResource"), ("DELETE", "UntagResource")):
        assert contract.route(method, f"/tags/{ENCODED_ARN}", "") == (operation, {"resourceArn": ARN})
    assert contract.route("get", f"/tags/{ENCODED_ARN}")[0] == "ListTagsForResource"


def test_untag_query_parses_into_a_list_even_for_one_key():
    path = f"/tags/{ENCODED_ARN}"
    assert contract.route("DELETE", path, "tagKeys=a&tagKeys=b%20c&tagKeys=d%2Fe")[1]["tagKeys"] == ["a", "b c", "d/e"]
    assert contract.route("DELETE", path, "tagKeys=only")[1]["tagKeys"] == ["only"]
    assert "tagKeys" not in contract.route("DELETE", path, "")[1]
    assert contract.route("DELETE", f"{path}?tagKeys=x")[1]["tagKeys"] == ["x"]  # query left on the raw path


def test_query_integers_parse_and_junk_stays_a_string_for_validation_to_reject():
    assert contract.route("GET", "/ListStagingAccounts", "maxResults=5")[1] == {"maxResults": 5}
    _, params = contract.route("GET", "/ListStagingAccounts", "maxResults=five")
    assert params == {"maxResults": "five"}
    assert names(contract.validate_input("ListStagingAccounts", params)) == ["maxResults"]
    assert names(contract.validate_input("ListStagingAccounts", {"maxResults": 51})) == ["maxResults"]


@pytest.mark.parametrize(
    "method, path",
    [
        ("POST", "/NoSuchOperation"),
        ("GET", "/DescribeJobs"),  # right path, wrong method
        ("PUT", f"/tags/{ENCODED_ARN}"),
        ("GET", f"/tags/{ARN}"),  # an unencoded "/" in the ARN is an extra path segment
        ("POST", "/DescribeJobs/"),
        ("POST", "/describejobs"),
        ("GET", "/tags/"),
    ],
)
def test_unknown_routes_raise(method, path):
    with pytest.raises(contract.UnknownOperation):
        contract.route(method, path, "")


def test_unknown_operation_names_raise_unknown_operation():
    for call in (contract.validate_input, contract.validate_output):
        with pytest.raises(contract.UnknownOperation):
            call("NoSuchOperation", {})
    with pytest.raises(contract.UnknownOperation):
        contract.success_status("NoSuchOperation")


# ----- input ---------------------------------------------------------------------------------------


def test_valid_inputs_pass():
    assert contract.validate_input("InitializeService", {}) == []
    assert contract.validate_input("GetLaunchConfiguration", {"sourceServerID": SID}) == []
    assert contract.validate_input("DescribeSourceServers", {}) == []
    assert contract.validate_input("DescribeSourceServers", {"filters": {"sourceServerIDs": [SID] * 200}}) == []
    assert contract.validate_input("StartRecovery", {"sourceServers": [{"sourceServerID": SID}] * 200}) == []
    assert (
        contract.validate_input("DescribeJobs", {"filters": {"fromDate": "2024-06-15T15:00:00Z"}, "maxResults": 1})
        == []
    )


def test_bad_enum_is_reported_with_its_path_the_value_and_the_choices():
    errors = contract.validate_input(
        "UpdateLaunchConfiguration", {"sourceServerID": SID, "launchDisposition": "SOMETIMES"}
    )
    assert names(errors) == ["launchDisposition"]
    assert "'SOMETIMES'" in errors[0]["message"] and "STOPPED, STARTED" in errors[0]["message"]
    errors = contract.validate_input("DescribeRecoverySnapshots", {"sourceServerID": SID, "order": "asc"})
    assert names(errors) == ["order"]


def test_list_bounds():
    errors = contract.validate_input("DescribeSourceServers", {"filters": {"sourceServerIDs": [SID] * 201}})
    assert names(errors) == ["filters.sourceServerIDs"]
    assert "201" in errors[0]["message"] and "200" in errors[0]["message"]
    assert names(contract.validate_input("StartRecovery", {"sourceServers": []})) == ["sourceServers"]
    assert names(contract.validate_input("StartRecovery", {"sourceServers": [{"sourceServerID": SID}] * 201})) == [
        "sourceServers"
    ]
    assert names(contract.validate_input("TerminateRecoveryInstances", {"recoveryInstanceIDs": []})) == [
        "recoveryInstanceIDs"
    ]
    assert names(contract.validate_input("DescribeJobs", {"filters": {"jobIDs": [JOB] * 1001}})) == ["filters.jobIDs"]


def test_wrong_pattern_ids_are_reported_at_their_nested_path():
    errors = contract.validate_input(
        "StartRecovery", {"sourceServers": [{"sourceServerID": SID}, {"sourceServerID": "s-xyz"}]}
    )
    assert set(names(errors)) == {"sourceServers[1].sourceServerID"}
    assert any("pattern" in e["message"] and "'s-xyz'" in e["message"] for e in errors)
    assert any("length 5 is below the minimum 19" in e["message"] for e in errors)
    same_length = "s-" + "!" * 17  # right length, wrong characters: only the pattern catches it
    errors = contract.validate_input("GetLaunchConfiguration", {"sourceServerID": same_length})
    assert names(errors) == ["sourceServerID"] and "does not match the pattern" in errors[0]["message"]
    bad_pit = {"sourceServers": [{"sourceServerID": SID, "recoverySnapshotID": "pit-123"}]}
    assert set(names(contract.validate_input("StartRecovery", bad_pit))) == {"sourceServers[0].recoverySnapshotID"}


def test_patterns_use_full_match_semantics():
    config = {"sourceServerID": SID, "stagingAreaSubnetId": "subnet-0123abcd"}
    assert contract.validate_input("UpdateReplicationConfiguration", config) == []
    for value in ("subnet-0123abcd-extra", "xsubnet-0123abcd", "subnet-0123abcd\n"):
        errors = contract.validate_input("UpdateReplicationConfiguration", dict(config, stagingAreaSubnetId=value))
        assert names(errors) == ["stagingAreaSubnetId"], value
    assert "resourceId" not in names(contract.validate_input("PutLaunchAction", {"resourceId": SID}))
    errors = contract.validate_input("PutLaunchAction", {"resourceId": SID + "Z"})
    assert "resourceId" in names(errors)  # (s-...{17}$|lct-...{17}): the "$" inside the group still anchors


def test_empty_string_skips_the_pattern_only_where_the_model_allows_length_zero():
    clear = {"sourceServerID": SID, "launchIntoInstanceProperties": {"launchIntoEC2InstanceID": ""}}
    assert contract.validate_input("UpdateLaunchConfiguration", clear) == []  # EC2InstanceID: min 0
    assert set(names(contract.validate_input("GetLaunchConfiguration", {"sourceServerID": ""}))) == {"sourceServerID"}


def test_required_members_and_nulls():
    errors = contract.validate_input("GetLaunchConfiguration", {})
    assert names(errors) == ["sourceServerID"] and "required" in errors[0]["message"]
    assert names(contract.validate_input("GetLaunchConfiguration", {"sourceServerID": None})) == ["sourceServerID"]
    assert names(contract.validate_input("StartRecovery", {"sourceServers": [{}]})) == [
        "sourceServers[0].sourceServerID"
    ]
    assert contract.validate_input("DescribeJobs", {"filters": None}) == []  # null optional member = absent


@pytest.mark.parametrize(
    "operation, params, path",
    [
        ("StartRecovery", {"sourceServers": [{"sourceServerID": SID}], "isDrill": "yes"}, "isDrill"),
        ("StartRecovery", {"sourceServers": [{"sourceServerID": SID}], "isDrill": 1}, "isDrill"),
        ("StartRecovery", {"sourceServers": {"sourceServerID": SID}}, "sourceServers"),
        ("StartRecovery", {"sourceServers": [SID]}, "sourceServers[0]"),
        ("StartRecovery", {"sourceServers": [{"sourceServerID": SID}], "tags": {"k": 1}}, "tags.k"),
        ("StartRecovery", {"sourceServers": [{"sourceServerID": SID}], "tags": ["k"]}, "tags"),
        ("GetLaunchConfiguration", {"sourceServerID": 123}, "sourceServerID"),
        ("DescribeJobs", {"maxResults": 0}, "maxResults"),
        ("DescribeJobs", {"maxResults": True}, "maxResults"),
        ("DescribeJobs", {"maxResults": "5"}, "maxResults"),
        ("DescribeJobs", {"maxResults": 2.5}, "maxResults"),
        ("DescribeJobs", {"maxResults": 2**31}, "maxResults"),
        ("DescribeJobs", {"filters": {"fromDate": "2024-06-15"}}, "filters.fromDate"),
        ("DescribeJobs", {"filters": {"fromDate": "2024-13-01T00:00:00Z"}}, "filters.fromDate"),
        ("DescribeJobs", {"filters": {"toDate": 1718463600}}, "filters.toDate"),
        ("TagResource", {"resourceArn": ARN, "tags": {"k" * 257: "v"}}, "tags." + "k" * 257),
        ("TagResource", {"resourceArn": "arn:too-short", "tags": {"k": "v"}}, "resourceArn"),
        (
            "UpdateReplicationConfiguration",
            {"sourceServerID": SID, "pitPolicy": [{"units": "DAY", "interval": 1}] * 3},
            "pitPolicy[0].retentionDuration",
        ),
    ],
)
def test_type_range_and_format_violations_name_the_member(operation, params, path):
    errors = contract.validate_input(operation, params)
    assert path in names(errors), errors
    assert all(isinstance(e["message"], str) and e["message"] for e in errors)


def test_map_key_violations_say_so():
    errors = contract.validate_input("TagResource", {"resourceArn": ARN, "tags": {"k" * 257: "v"}})
    assert errors[0]["message"].startswith("map key: length 257 is above the maximum 256")


def test_unknown_input_members_are_ignored():
    assert contract.validate_input("GetLaunchConfiguration", {"sourceServerID": SID, "dryRun": True, "x": [1]}) == []


# ----- output --------------------------------------------------------------------------------------

LAUNCH_CONFIGURATION = {
    "sourceServerID": SID,
    "name": "web-1",
    "ec2LaunchTemplateID": "lt-0123456789abcdef0",
    "launchDisposition": "STARTED",
    "targetInstanceTypeRightSizingMethod": "BASIC",
    "copyPrivateIp": False,
    "copyTags": True,
    "licensing": {"osByol": True},
    "postLaunchEnabled": False,
    "launchIntoInstanceProperties": {},
    "recoveryMode": "FAST",
}
SOURCE_SERVER = {
    "sourceServerID": SID,
    "arn": ARN,
    "tags": {"Name": "web-1"},
    "lastLaunchResult": "NOT_STARTED",
    "dataReplicationInfo": {
        "lagDuration": "PT5M",
        "dataReplicationState": "CONTINUOUS",
        "replicatedDisks": [
            {
                "deviceName": "/dev/xvda",
                "totalStorageBytes": 8589934592,
                "replicatedStorageBytes": 0,
                "rescannedStorageBytes": 0,
                "backloggedStorageBytes": 0,
            }
        ],
        "stagingAvailabilityZone": "us-east-1a",
    },
    "lifeCycle": {
        "addedToServiceDateTime": NOW,
        "elapsedReplicationDuration": "P152D",
        "lastLaunch": {"initiated": {"apiCallDateTime": NOW, "jobID": JOB, "type": "DRILL"}, "status": "LAUNCHED"},
    },
    "sourceProperties": {
        "recommendedInstanceType": "t3.micro",
        "cpus": [{"cores": 2, "modelName": "Xeon"}],
        "ramBytes": 1073741824,
        "os": {"fullString": "Amazon Linux 2"},
        "supportsNitroInstances": True,
        "architecture": "x86_64",
        "identificationHints": {"hostname": "web-1", "awsInstanceID": RI},
    },
    "stagingArea": {"status": "NOT_EXTENDED"},
    "sourceCloudProperties": {
        "originAccountID": "123456789012",
        "originRegion": "us-east-1",
        "originAvailabilityZone": "",
    },
    "replicationDirection": "FAILOVER",
    "agentVersion": "4.7.0",
}
JOB_ITEM = {
    "jobID": JOB,
    "arn": f"arn:aws:drs:us-east-1:123456789012:job/{JOB}",
    "type": "LAUNCH",
    "initiatedBy": "START_DRILL",
    "creationDateTime": NOW,
    "endDateTime": NOW,
    "status": "COMPLETED",
    "participatingServers": [{"sourceServerID": SID, "recoveryInstanceID": RI, "launchStatus": "LAUNCHED"}],
    "tags": {},
}
RECOVERY_INSTANCE = {
    "ec2InstanceID": RI,
    "ec2InstanceState": "RUNNING",
    "jobID": JOB,
    "recoveryInstanceID": RI,
    "sourceServerID": SID,
    "arn": f"arn:aws:drs:us-east-1:123456789012:recovery-instance/{RI}",
    "tags": {},
    "failback": {"state": "FAILBACK_NOT_STARTED"},
    "recoveryInstanceProperties": {
        "disks": [{"internalDeviceName": "/dev/xvda", "bytes": 8589934592, "ebsVolumeID": "vol-0123abcd"}]
    },
    "pointInTimeSnapshotDateTime": NOW,
    "isDrill": True,
    "originEnvironment": "AWS",
}


def test_valid_outputs_pass():
    assert contract.validate_output("GetLaunchConfiguration", LAUNCH_CONFIGURATION) == []
    assert contract.validate_output("UpdateLaunchConfiguration", LAUNCH_CONFIGURATION) == []
    assert contract.validate_output("DescribeSourceServers", {"items": [SOURCE_SERVER], "nextToken": ""}) == []
    assert contract.validate_output("StartReplication", {"sourceServer": SOURCE_SERVER}) == []
    assert contract.validate_output("DisconnectSourceServer", SOURCE_SERVER) == []
    assert contract.validate_output("DescribeJobs", {"items": [JOB_ITEM]}) == []
    assert contract.validate_output("StartRecovery", {"job": JOB_ITEM}) == []
    assert contract.validate_output("DescribeRecoveryInstances", {"items": [RECOVERY_INSTANCE]}) == []
    snapshot = {
        "snapshotID": PIT,
        "sourceServerID": SID,
        "expectedTimestamp": NOW,
        "ebsSnapshots": ["snap-1234567890abcdef0"],
    }
    assert contract.validate_output("DescribeRecoverySnapshots", {"items": [snapshot]}) == []
    log = {"logDateTime": NOW, "event": "LAUNCH_START", "eventData": {"sourceServerID": SID, "targetInstanceID": RI}}
    assert contract.validate_output("DescribeJobLogItems", {"items": [log]}) == []
    assert contract.validate_output("ListTagsForResource", {"tags": {"a": ""}}) == []
    assert contract.validate_output("ReverseReplication", {"reversedDirectionSourceServerArn": ARN}) == []


def test_output_missing_required_members():
    assert contract.validate_output("DescribeJobs", {"items": [{"status": "COMPLETED"}]}) == [
        "items[0].jobID: required member is missing"
    ]
    problems = contract.validate_output("DescribeRecoverySnapshots", {"items": [{"snapshotID": PIT}]})
    assert problems == [
        "items[0].sourceServerID: required member is missing",
        "items[0].expectedTimestamp: required member is missing",
    ]
    rule = {"units": "DAY", "interval": 1, "retentionDuration": 7}
    problems = contract.validate_output("GetReplicationConfiguration", {"pitPolicy": [rule, {"units": "DAY"}, rule]})
    assert problems == [
        "pitPolicy[1].interval: required member is missing",
        "pitPolicy[1].retentionDuration: required member is missing",
    ]


def test_output_unmodelled_members_are_reported_at_any_depth():
    problems = contract.validate_output(
        "GetLaunchConfiguration", dict(LAUNCH_CONFIGURATION, failbackLagDuration="PT1S")
    )
    assert problems == ["failbackLagDuration: member is not in the model (botocore would silently drop it)"]
    job = dict(JOB_ITEM, participatingServers=[{"sourceServerID": SID, "launchStatus": "PENDING", "ec2InstanceID": RI}])
    assert [p.split(":")[0] for p in contract.validate_output("StartRecovery", {"job": job})] == [
        "job.participatingServers[0].ec2InstanceID"
    ]


def test_output_bad_values():
    bad = dict(LAUNCH_CONFIGURATION, launchDisposition="LATER", copyTags="false", name=None)
    problems = dict(p.split(": ", 1) for p in contract.validate_output("GetLaunchConfiguration", bad))
    assert set(problems) == {"launchDisposition", "copyTags", "name"}
    assert problems["launchDisposition"] == "value 'LATER' is not one of [STOPPED, STARTED]"
    assert problems["copyTags"] == "expected boolean, got str 'false'"
    assert problems["name"] == "null value (omit the member instead)"
    assert contract.validate_output("DescribeJobs", {"items": [dict(JOB_ITEM, status="FAILED")]})  # no FAILED status
    assert contract.validate_output("DescribeJobs", {"items": [dict(JOB_ITEM, creationDateTime="2024-06-15 15:00:00")]})
    assert contract.validate_output("DescribeSourceServers", {"items": SOURCE_SERVER}) == [
        f"items: expected list, got dict {contract._show(SOURCE_SERVER)}"
    ]
    assert contract.validate_output("GetLaunchConfiguration", []) == ["body: expected structure, got list []"]
    rules = [{"units": "DAY", "interval": 1, "retentionDuration": 7}] * 2
    assert contract.validate_output("GetReplicationConfiguration", {"pitPolicy": rules}) == [
        "pitPolicy: 2 items, below the minimum of 3"
    ]


def test_model_quirks_are_reported_in_the_form_the_lab_server_filters():
    """lab/server.py MODEL_QUIRKS matches these exact message shapes: keep them stable."""
    instance = dict(RECOVERY_INSTANCE, dataReplicationInfo={"lagDuration": "PT5M"})
    problems = contract.validate_output("DescribeRecoveryInstances", {"items": [instance]})
    assert problems and all(
        re.match(
            r"^items\[\d+\]\.dataReplicationInfo\.lagDuration: (value '[^']*' does not match the pattern|length \d+ is below)",
            p,
        )
        for p in problems
    )
    disks = [{"ebsVolumeID": "vol-0123456789abcdef0"}]  # 17 hex digits: allowed by the pattern, 21 > max 19
    instance = dict(RECOVERY_INSTANCE, recoveryInstanceProperties={"disks": disks})
    problems = contract.validate_output("DescribeRecoveryInstances", {"items": [instance]})
    assert len(problems) == 1 and re.search(r"\.ebsVolumeID: length 21 is above the maximum 19", problems[0])


def test_unions_need_exactly_one_member():
    ok = dict(
        JOB_ITEM, participatingResources=[{"participatingResourceID": {"sourceNetworkID": "sn-1234567890abcdef0"}}]
    )
    assert contract.validate_output("DescribeJobs", {"items": [ok]}) == []
    empty = dict(JOB_ITEM, participatingResources=[{"participatingResourceID": {}}])
    assert contract.validate_output("DescribeJobs", {"items": [empty]}) == [
        "items[0].participatingResources[0].participatingResourceID: union needs exactly one member set, got []"
    ]


def test_real_timestamp_members_follow_their_timestamp_format():
    def network(value):
        return {"items": [{"sourceNetworkID": "sn-1234567890abcdef0", "lastRecovery": {"apiCallDateTime": value}}]}

    assert contract.validate_output("DescribeSourceNetworks", network(NOW)) == []  # timestampFormat iso8601
    assert contract.validate_output("DescribeSourceNetworks", network(1718463600))
    assert contract.validate_output("DescribeSourceNetworks", network("yesterday"))


@pytest.mark.parametrize(
    "operation",
    [
        "DeleteJob",
        "DeleteSourceServer",
        "InitializeService",
        "DeleteRecoveryInstance",
        "DisconnectRecoveryInstance",
        "StopFailback",
        "TagResource",
        "UntagResource",
    ],
)
def test_empty_success_bodies(operation):
    assert contract.validate_output(operation, None) == []
    assert contract.validate_output(operation, {}) == []
    assert contract.validate_output(operation, {"ok": True})


def test_output_shape_without_required_members_accepts_no_body():
    assert contract.validate_output("GetLaunchConfiguration", None) == []
    assert contract.validate_output("DescribeJobs", {"items": []}) == []


# ----- errors --------------------------------------------------------------------------------------


def test_validation_exception_body():
    good = {
        "message": "x",
        "code": "ValidationException",
        "reason": "fieldValidationFailed",
        "fieldList": [{"name": "sourceServerID", "message": "bad"}],
    }
    assert contract.validate_error("ValidationException", good) == []
    assert [p.split(":")[0] for p in contract.validate_error("ValidationException", dict(good, reason="because"))] == [
        "reason"
    ]
    assert contract.validate_error("ValidationException", dict(good, fieldList=[{"field": "a"}])) == [
        "fieldList[0].field: member is not in the model (botocore would silently drop it)"
    ]


def test_throttling_and_internal_errors():
    assert (
        contract.validate_error(
            "ThrottlingException", {"message": "Rate exceeded", "serviceCode": "drs", "quotaCode": "L-1"}
        )
        == []
    )
    assert contract.validate_error("ThrottlingException", {"serviceCode": "drs"}) == [
        "message: required member is missing"
    ]
    problems = contract.validate_error("ThrottlingException", {"message": "m", "retryAfterSeconds": "1"})
    assert problems == [
        "retryAfterSeconds: member is bound to the header 'Retry-After', not the body (botocore ignores it)"
    ]
    assert contract.validate_error("InternalServerException", {"message": "m"}) == []
    assert contract.validate_error("InternalServerException", {"message": "m", "code": "InternalServerException"}) == [
        "code: member is not in the model (botocore would silently drop it)"
    ]


def test_other_error_bodies():
    assert (
        contract.validate_error(
            "ResourceNotFoundException",
            {"message": "m", "code": "x", "resourceId": SID, "resourceType": "SOURCE_SERVER"},
        )
        == []
    )
    assert (
        contract.validate_error(
            "ServiceQuotaExceededException", {"message": "m", "serviceCode": "drs", "quotaCode": "L-1"}
        )
        == []
    )
    assert contract.validate_error("ConflictException", {"message": 5}) == ["message: expected string, got int 5"]
    assert contract.validate_error("NoSuchThing", {"message": "x"}) == ["NoSuchThing is not a modelled DRS error"]


def test_error_shape_names_and_success_status():
    assert set(contract.error_shape_names("StartRecovery")) == {
        "InternalServerException",
        "ConflictException",
        "ServiceQuotaExceededException",
        "ThrottlingException",
        "UninitializedAccountException",
    }
    assert "ResourceNotFoundException" not in contract.error_shape_names("DescribeSourceServers")
    assert "UninitializedAccountException" not in contract.error_shape_names("TagResource")
    expected = {
        "StartRecovery": 202,
        "InitializeService": 204,
        "DeleteJob": 204,
        "DeleteSourceServer": 204,
        "DisconnectRecoveryInstance": 200,
        "TagResource": 200,
        "GetLaunchConfiguration": 200,
    }
    assert {op: contract.success_status(op) for op in expected} == expected


# ----- properties ----------------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=20), inner, max_size=4),
    max_leaves=20,
)
MEMBERS = [
    "sourceServerID",
    "sourceServers",
    "filters",
    "maxResults",
    "tags",
    "isDrill",
    "items",
    "job",
    "launchDisposition",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(OPERATIONS), st.dictionaries(st.sampled_from(MEMBERS) | st.text(max_size=10), JSON, max_size=5))
def test_validators_never_raise_on_arbitrary_json(operation, body):
    for error in contract.validate_input(operation, body):
        assert set(error) == {"name", "message"} and error["name"] and error["message"]
    assert all(isinstance(p, str) for p in contract.validate_output(operation, body))


@settings(max_examples=100, deadline=None)
@given(st.from_regex(r"s-[0-9a-zA-Z]{17}", fullmatch=True))
def test_any_well_formed_source_server_id_passes(sid):
    assert contract.validate_input("GetLaunchConfiguration", {"sourceServerID": sid}) == []


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=19, max_size=19).filter(lambda s: not re.fullmatch(r"s-[0-9a-zA-Z]{17}", s)))
def test_any_malformed_source_server_id_of_the_right_length_fails(sid):
    assert names(contract.validate_input("GetLaunchConfiguration", {"sourceServerID": sid})) == ["sourceServerID"]
