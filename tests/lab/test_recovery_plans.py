"""The lab's Recovery Plan API with real boto3 (contract-checked in strict mode)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def drs(aws):
    return aws("drs")


def _servers(drs, n):
    return [s["arn"] for s in drs.describe_source_servers(filters={})["items"][:n]]


def _server_step(arns, impact="CRITICAL"):
    return {"serverStepConfiguration": {"servers": [{"serverArn": a, "impactLevel": impact} for a in arns]}}


def test_plan_with_ordered_server_and_wait_steps(lab, drs):
    arns = _servers(drs, 4)
    plan = drs.create_recovery_plan(name="estate", description="waves", tags={"team": "dr"})["recoveryPlan"]
    assert plan["status"] == "ACTIVE" and plan["name"] == "estate"
    arn = plan["recoveryPlanArn"]
    first = drs.create_recovery_plan_step(recoveryPlanArn=arn, stepName="wave_01", configuration=_server_step(arns[:2]))["recoveryPlanStep"]
    drs.create_recovery_plan_step(recoveryPlanArn=arn, stepName="wave_02", configuration=_server_step(arns[2:], "OPTIONAL"))
    drs.create_recovery_plan_step(recoveryPlanArn=arn, stepName="pause", stepOrder=2,
                                  configuration={"waitStepConfiguration": {"waitDurationMinutes": 5}})
    steps = drs.list_recovery_plan_steps(recoveryPlanArn=arn)["recoveryPlanSteps"]
    assert [(s["stepOrder"], s["stepName"]) for s in steps] == [(1, "wave_01"), (2, "pause"), (3, "wave_02")]
    assert first["configuration"]["serverStepConfiguration"]["servers"][0]["impactLevel"] == "CRITICAL"
    order = [steps[2]["recoveryPlanStepArn"], steps[0]["recoveryPlanStepArn"], steps[1]["recoveryPlanStepArn"]]
    drs.reorder_recovery_plan_steps(recoveryPlanArn=arn, orderedStepArns=order)
    assert [s["stepName"] for s in drs.list_recovery_plan_steps(recoveryPlanArn=arn)["recoveryPlanSteps"]] == ["wave_02", "wave_01", "pause"]
    assert drs.list_tags_for_resource(resourceArn=arn)["tags"] == {"team": "dr"}
    assert [p["name"] for p in drs.list_recovery_plans()["recoveryPlans"]] == ["estate"]
    drs.delete_recovery_plan_step(recoveryPlanStepArn=steps[1]["recoveryPlanStepArn"])
    drs.delete_recovery_plan(recoveryPlanArn=arn)
    assert drs.list_recovery_plans()["recoveryPlans"] == []
    assert lab.violations() == []


@pytest.mark.parametrize("case, code", [
    ("duplicate_name", "ConflictException"),
    ("unknown_server", "ResourceNotFoundException"),
    ("server_twice", "ConflictException"),
    ("order_beyond_end", "ValidationException"),
    ("bad_name", "ValidationException"),
])
def test_plan_errors_are_the_modelled_ones(lab, drs, case, code):
    arns = _servers(drs, 2)
    arn = drs.create_recovery_plan(name="p1")["recoveryPlan"]["recoveryPlanArn"]
    drs.create_recovery_plan_step(recoveryPlanArn=arn, stepName="w1", configuration=_server_step(arns[:1]))
    calls = {
        "duplicate_name": lambda: drs.create_recovery_plan(name="p1"),
        "unknown_server": lambda: drs.create_recovery_plan_step(
            recoveryPlanArn=arn, stepName="w2", configuration=_server_step([arns[0].rsplit("/", 1)[0] + "/s-0000000000000000f"])),
        "server_twice": lambda: drs.create_recovery_plan_step(recoveryPlanArn=arn, stepName="w2", configuration=_server_step(arns[:1])),
        "order_beyond_end": lambda: drs.create_recovery_plan_step(recoveryPlanArn=arn, stepName="w2", stepOrder=5,
                                                                  configuration=_server_step(arns[1:])),
        "bad_name": lambda: drs.create_recovery_plan(name="-starts-with-a-dash"),
    }
    with pytest.raises(ClientError) as error:
        calls[case]()
    assert error.value.response["Error"]["Code"] == code
