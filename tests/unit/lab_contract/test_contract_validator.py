"""The lab's contract checker, against the botocore DRS model: it must catch what the service would reject."""

import json

import botocore.session
from botocore.serialize import create_serializer

from lab.drs import contract


def test_every_modelled_operation_routes_from_its_own_request_uri():
    model = contract.service_model()
    for name in model.operation_names:
        op = model.operation_model(name)
        uri = op.http["requestUri"].split("?")[0].replace("{resourceArn}", "arn%3Aaws%3Adrs%3Aus-east-1%3A1%3Ajob%2Fdrsjob-1")
        assert contract.route(op.http["method"], uri, "")[0] == name


def test_tag_routes_decode_the_encoded_arn_and_query_lists():
    op, params = contract.route("DELETE", "/tags/arn%3Aaws%3Adrs%3Aus-east-1%3A123456789012%3Asource-server%2Fs-1234567890abcdef0",
                                "tagKeys=a&tagKeys=b")
    assert op == "UntagResource"
    assert params == {"resourceArn": "arn:aws:drs:us-east-1:123456789012:source-server/s-1234567890abcdef0", "tagKeys": ["a", "b"]}


def test_botocore_serialized_requests_round_trip_through_route():
    model = botocore.session.get_session().get_service_model("drs")
    serializer = create_serializer("rest-json")
    params = {"sourceServers": [{"sourceServerID": "s-1234567890abcdef0"}], "isDrill": True, "tags": {"run": "1"}}
    request = serializer.serialize_to_request(params, model.operation_model("StartRecovery"))
    name, uri_params = contract.route(request["method"], request["url_path"], "")
    assert name == "StartRecovery"
    assert json.loads(request["body"]) == params and uri_params == {}
    assert contract.validate_input(name, params) == []


def test_input_violations_name_the_field():
    errors = contract.validate_input("UpdateLaunchConfiguration", {"sourceServerID": "s-zzzzzzzzzzzzzzzz!", "launchDisposition": "SOMETIMES"})
    assert {e["name"] for e in errors} == {"sourceServerID", "launchDisposition"}
    too_many = contract.validate_input("DescribeSourceServers", {"filters": {"sourceServerIDs": [f"s-{i:017d}" for i in range(201)]}})
    assert too_many and too_many[0]["name"] == "filters.sourceServerIDs"
    assert contract.validate_input("StartRecovery", {"sourceServers": []})  # min 1
    assert contract.validate_input("DescribeJobs", {"maxResults": 0})  # StrictlyPositiveInteger


def test_output_violations_include_unmodelled_members_and_bad_enums():
    good = {"sourceServerID": "s-1234567890abcdef0", "launchDisposition": "STARTED", "copyTags": False,
            "launchIntoInstanceProperties": {"launchIntoEC2InstanceID": "i-0123456789abcdef0"}}
    assert contract.validate_output("GetLaunchConfiguration", good) == []
    bad = dict(good, launchDisposition="LATER", failbackLagDuration="PT1S")
    problems = contract.validate_output("GetLaunchConfiguration", bad)
    assert any("launchDisposition" in p for p in problems)
    assert any("failbackLagDuration" in p and "not in the model" in p for p in problems)
    assert contract.validate_output("DescribeJobs", {"items": [{"status": "COMPLETED"}]})  # jobID is required


def test_errors_are_checked_against_their_shapes():
    assert contract.validate_error("ValidationException", {"message": "x", "code": "ValidationException", "reason": "other",
                                                           "fieldList": [{"name": "a", "message": "b"}]}) == []
    assert contract.validate_error("ValidationException", {"message": "x", "reason": "because"})
    assert contract.validate_error("NoSuchThing", {"message": "x"})
    assert "ServiceQuotaExceededException" in contract.error_shape_names("StartRecovery")
    assert contract.success_status("StartRecovery") == 202 and contract.success_status("InitializeService") == 204
