# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Thin wrappers for DRS Recovery Plans (one per API call, paginated, retried, errors as AnsibleDRSError), and the
pure translation of the collection's waves into plan steps."""

import re

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.errors import DRSErrorHandler
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.paging import all_items

MAX_STEPS = 20  # RecoveryPlanStepOrder is 1..20
MAX_SERVERS_PER_STEP = 100  # RecoveryPlanServers has at most 100 members


def _paginate(client, operation, key, **params):
    return all_items(client, operation, key, **params)


@DRSErrorHandler.common_error_handler("list DRS recovery plans")
def list_recovery_plans(client):
    return _paginate(client, "list_recovery_plans", "recoveryPlans")


@DRSErrorHandler.common_error_handler("list the steps of recovery plan {plan_arn}")
def list_recovery_plan_steps(client, plan_arn):
    return _paginate(client, "list_recovery_plan_steps", "recoveryPlanSteps", recoveryPlanArn=plan_arn)


@DRSErrorHandler.common_error_handler("get recovery plan {plan_arn}")
def get_recovery_plan(client, plan_arn):
    return client.get_recovery_plan(recoveryPlanArn=plan_arn, aws_retry=True)["recoveryPlan"]


@DRSErrorHandler.common_error_handler("create recovery plan {name}")
def create_recovery_plan(client, name, description=None, tags=None):
    params = {"name": name, "tags": tags or {}}
    if description is not None:
        params["description"] = description
    return client.create_recovery_plan(aws_retry=True, **params)["recoveryPlan"]


@DRSErrorHandler.common_error_handler("update recovery plan {plan_arn}")
def update_recovery_plan(client, plan_arn, description):
    return client.update_recovery_plan(recoveryPlanArn=plan_arn, description=description, aws_retry=True)["recoveryPlan"]


@DRSErrorHandler.common_error_handler("delete recovery plan {plan_arn}")
def delete_recovery_plan(client, plan_arn):
    client.delete_recovery_plan(recoveryPlanArn=plan_arn, aws_retry=True)


@DRSErrorHandler.common_error_handler("create step {step_name} of recovery plan {plan_arn}")
def create_recovery_plan_step(client, plan_arn, step_name, configuration):
    return client.create_recovery_plan_step(recoveryPlanArn=plan_arn, stepName=step_name, configuration=configuration,
                                            aws_retry=True)["recoveryPlanStep"]


@DRSErrorHandler.common_error_handler("delete recovery plan step {step_arn}")
def delete_recovery_plan_step(client, step_arn):
    client.delete_recovery_plan_step(recoveryPlanStepArn=step_arn, aws_retry=True)


@DRSErrorHandler.common_error_handler("reorder the steps of recovery plan {plan_arn}")
def reorder_recovery_plan_steps(client, plan_arn, step_arns):
    return client.reorder_recovery_plan_steps(recoveryPlanArn=plan_arn, orderedStepArns=list(step_arns), aws_retry=True)["recoveryPlanSteps"]


def step_name(text):
    """A valid RecoveryPlanStepName ([a-zA-Z0-9][a-zA-Z0-9 _-]*, 1..256) from a wave name."""
    cleaned = re.sub(r"[^a-zA-Z0-9 _-]", "-", str(text)).strip()
    cleaned = re.sub(r"^[^a-zA-Z0-9]+", "", cleaned)
    return (cleaned or "wave")[:256]


def desired_steps(waves, arns, wait_minutes=0):
    """[(step name, configuration)] in plan order: one SERVER step per wave (split by 100 servers), CRITICAL for the
    wave's critical servers and OPTIONAL for the others, and a WAIT step between waves when wait_minutes > 0."""
    steps = []
    for index, wave in enumerate(waves):
        ids = list(dict.fromkeys(wave.get("source_server_ids") or []))
        critical = set(wave.get("critical") or [])
        chunks = [ids[start:start + MAX_SERVERS_PER_STEP] for start in range(0, len(ids), MAX_SERVERS_PER_STEP)]
        for part, chunk in enumerate(chunks, start=1):
            name = step_name(wave["name"]) + (f" part {part}" if len(chunks) > 1 else "")
            servers = [{"serverArn": arns[sid], "impactLevel": "CRITICAL" if sid in critical else "OPTIONAL"} for sid in chunk]
            steps.append((name, {"serverStepConfiguration": {"servers": servers}}))
        if wait_minutes and chunks and index < len(waves) - 1:
            steps.append((step_name(f"wait after {wave['name']}"), {"waitStepConfiguration": {"waitDurationMinutes": int(wait_minutes)}}))
    return steps


def comparable(configuration):
    """A step configuration in a canonical form (servers sorted) for comparison."""
    server = (configuration or {}).get("serverStepConfiguration")
    if server:
        return {"servers": sorted((s["serverArn"], s.get("impactLevel") or "CRITICAL") for s in server.get("servers") or [])}
    return {"wait_minutes": ((configuration or {}).get("waitStepConfiguration") or {}).get("waitDurationMinutes")}
