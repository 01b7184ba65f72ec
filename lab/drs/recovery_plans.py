"""DRS Recovery Plans in the lab: plans and their SERVER / WAIT steps (botocore's model is the contract).

Lab choices where the model is silent (UNVERIFIED in AWS): ARNs ``arn:aws:drs:<region>:<account>:recovery-plan/rp-<17 hex>``
and ``.../recovery-plan/rp-.../step/rps-<17 hex>``; at most 20 steps per plan (``stepOrder`` is 1..20); a plan's name is
unique in its account and Region (ConflictException); a new step goes at ``stepOrder`` (later steps move down) or at the
end; a SERVER step's servers must exist in the plan's account and Region (ResourceNotFoundException) and appear in one
step of the plan only (ConflictException). A plan is ACTIVE; it becomes INVALID when a server of one of its steps is
deleted. Executions (Start/Get/List/CancelRecoveryPlanExecution...) are not emulated.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lab.drs.errors import Conflict, QuotaExceeded, ResourceNotFound, ValidationError
from lab.timeutil import iso

MAX_STEPS = 20


@dataclass
class Step:
    arn: str
    name: str
    configuration: dict
    created: object
    updated: object


@dataclass
class RecoveryPlan:
    arn: str
    name: str
    description: str | None
    created: object
    updated: object
    tags: dict = field(default_factory=dict)
    steps: list = field(default_factory=list)  # in order

    def summary(self, status: str) -> dict:
        return {"recoveryPlanArn": self.arn, "name": self.name, "status": status,
                "createdAt": iso(self.created), "updatedAt": iso(self.updated)}


class RecoveryPlanOperations:
    """Mixed into DrsService: ``op_<Operation>(reg, params)`` like the rest of the emulator."""

    # ----- helpers ------------------------------------------------------------------------------
    def _plan(self, reg, plan_arn: str) -> RecoveryPlan:
        plan = reg.recovery_plans.get(plan_arn)
        if plan is None:
            raise ResourceNotFound(f"Recovery plan {plan_arn} not found in {reg.account}/{reg.region}.", plan_arn, "RECOVERY_PLAN")
        return plan

    def _step(self, reg, step_arn: str) -> tuple[RecoveryPlan, Step]:
        for plan in reg.recovery_plans.values():
            for step in plan.steps:
                if step.arn == step_arn:
                    return plan, step
        raise ResourceNotFound(f"Recovery plan step {step_arn} not found in {reg.account}/{reg.region}.", step_arn, "RECOVERY_PLAN_STEP")

    def _plan_status(self, reg, plan: RecoveryPlan) -> str:
        arns = {s.arn for s in reg.servers.values()}
        for step in plan.steps:
            for server in (step.configuration.get("serverStepConfiguration") or {}).get("servers") or []:
                if server["serverArn"] not in arns:
                    return "INVALID"
        return "ACTIVE"

    def _plan_body(self, reg, plan: RecoveryPlan) -> dict:
        body = plan.summary(self._plan_status(reg, plan))
        if plan.description is not None:
            body["description"] = plan.description
        body["tags"] = dict(plan.tags)
        return body

    @staticmethod
    def _step_body(plan: RecoveryPlan, step: Step) -> dict:
        return {"recoveryPlanStepArn": step.arn, "stepOrder": plan.steps.index(step) + 1, "stepName": step.name,
                "configuration": step.configuration, "createdAt": iso(step.created), "updatedAt": iso(step.updated)}

    def _check_configuration(self, reg, plan: RecoveryPlan, configuration: dict, step: Step | None = None) -> dict:
        server_cfg = configuration.get("serverStepConfiguration")
        wait_cfg = configuration.get("waitStepConfiguration")
        if bool(server_cfg) == bool(wait_cfg):
            raise ValidationError("A step is either a SERVER step (serverStepConfiguration) or a WAIT step (waitStepConfiguration).",
                                  [{"name": "configuration", "message": "exactly one of serverStepConfiguration, waitStepConfiguration"}])
        if wait_cfg:
            return {"waitStepConfiguration": {"waitDurationMinutes": int(wait_cfg["waitDurationMinutes"])}}
        by_arn = {s.arn: s for s in reg.servers.values()}
        elsewhere = {srv["serverArn"]: other.name for other in plan.steps if other is not step
                     for srv in (other.configuration.get("serverStepConfiguration") or {}).get("servers") or []}
        servers, seen = [], set()
        for entry in server_cfg["servers"]:
            server_arn = entry["serverArn"]
            if server_arn not in by_arn:
                raise ResourceNotFound(f"Source server {server_arn} not found in {reg.account}/{reg.region}.", server_arn, "SOURCE_SERVER")
            if server_arn in seen or server_arn in elsewhere:
                where = "this step" if server_arn in seen else f"step {elsewhere[server_arn]}"
                raise Conflict(f"Source server {server_arn} is already in {where} of recovery plan {plan.name}.", server_arn, "SOURCE_SERVER")
            seen.add(server_arn)
            servers.append({"serverArn": server_arn, "impactLevel": entry.get("impactLevel") or "CRITICAL"})
        return {"serverStepConfiguration": {"servers": servers}}

    # ----- plans --------------------------------------------------------------------------------
    def op_CreateRecoveryPlan(self, reg, params):
        if any(p.name == params["name"] for p in reg.recovery_plans.values()):
            raise Conflict(f"A recovery plan named {params['name']} already exists in {reg.account}/{reg.region}.", params["name"], "RECOVERY_PLAN")
        now = self.clock.now()
        plan_arn = f"arn:aws:drs:{reg.region}:{reg.account}:recovery-plan/{self.ids.recovery_plan()}"
        plan = RecoveryPlan(plan_arn, params["name"], params.get("description"), now, now, dict(params.get("tags") or {}))
        reg.recovery_plans[plan_arn] = plan
        return {"recoveryPlan": self._plan_body(reg, plan)}

    def op_GetRecoveryPlan(self, reg, params):
        return {"recoveryPlan": self._plan_body(reg, self._plan(reg, params["recoveryPlanArn"]))}

    def op_ListRecoveryPlans(self, reg, params):
        from lab.drs.service import _page  # the one pagination helper of the emulator

        plans = sorted(reg.recovery_plans.values(), key=lambda p: (p.created, p.arn))
        page = _page([p.summary(self._plan_status(reg, p)) for p in plans], params, "ListRecoveryPlans")
        return {"recoveryPlans": page["items"], **({"nextToken": page["nextToken"]} if "nextToken" in page else {})}

    def op_UpdateRecoveryPlan(self, reg, params):
        plan = self._plan(reg, params["recoveryPlanArn"])
        if "name" in params and params["name"] != plan.name:
            if any(p.name == params["name"] for p in reg.recovery_plans.values()):
                raise Conflict(f"A recovery plan named {params['name']} already exists.", params["name"], "RECOVERY_PLAN")
            plan.name = params["name"]
        if "description" in params:
            plan.description = params["description"]
        plan.updated = self.clock.now()
        return {"recoveryPlan": self._plan_body(reg, plan)}

    def op_DeleteRecoveryPlan(self, reg, params):
        plan = self._plan(reg, params["recoveryPlanArn"])
        del reg.recovery_plans[plan.arn]
        return {"recoveryPlanArn": plan.arn}

    # ----- steps --------------------------------------------------------------------------------
    def op_CreateRecoveryPlanStep(self, reg, params):
        plan = self._plan(reg, params["recoveryPlanArn"])
        if len(plan.steps) >= MAX_STEPS:
            raise QuotaExceeded(f"Recovery plan {plan.name} already has {MAX_STEPS} steps.", "MAX_STEPS_PER_RECOVERY_PLAN",
                                plan.arn, "RECOVERY_PLAN")
        if any(s.name == params["stepName"] for s in plan.steps):
            raise Conflict(f"Recovery plan {plan.name} already has a step named {params['stepName']}.", params["stepName"], "RECOVERY_PLAN_STEP")
        configuration = self._check_configuration(reg, plan, params["configuration"])
        now = self.clock.now()
        step = Step(f"{plan.arn}/step/{self.ids.recovery_plan_step()}", params["stepName"], configuration, now, now)
        order = params.get("stepOrder")
        if order is not None and order > len(plan.steps) + 1:
            raise ValidationError(f"stepOrder {order} is beyond the end of the plan ({len(plan.steps)} steps).",
                                  [{"name": "stepOrder", "message": f"at most {len(plan.steps) + 1}"}])
        plan.steps.insert((order or len(plan.steps) + 1) - 1, step)
        plan.updated = now
        return {"recoveryPlanStep": self._step_body(plan, step)}

    def op_GetRecoveryPlanStep(self, reg, params):
        plan, step = self._step(reg, params["recoveryPlanStepArn"])
        return {"recoveryPlanStep": self._step_body(plan, step)}

    def op_ListRecoveryPlanSteps(self, reg, params):
        from lab.drs.service import _page

        plan = self._plan(reg, params["recoveryPlanArn"])
        page = _page([self._step_body(plan, s) for s in plan.steps], params, "ListRecoveryPlanSteps")
        return {"recoveryPlanSteps": page["items"], **({"nextToken": page["nextToken"]} if "nextToken" in page else {})}

    def op_UpdateRecoveryPlanStep(self, reg, params):
        plan, step = self._step(reg, params["recoveryPlanStepArn"])
        if "stepName" in params and params["stepName"] != step.name:
            if any(s.name == params["stepName"] for s in plan.steps):
                raise Conflict(f"Recovery plan {plan.name} already has a step named {params['stepName']}.", params["stepName"], "RECOVERY_PLAN_STEP")
            step.name = params["stepName"]
        if "configuration" in params:
            step.configuration = self._check_configuration(reg, plan, params["configuration"], step)
        step.updated = plan.updated = self.clock.now()
        return {"recoveryPlanStep": self._step_body(plan, step)}

    def op_DeleteRecoveryPlanStep(self, reg, params):
        plan, step = self._step(reg, params["recoveryPlanStepArn"])
        plan.steps.remove(step)
        plan.updated = self.clock.now()
        return {"recoveryPlanStepArn": step.arn}

    def op_ReorderRecoveryPlanSteps(self, reg, params):
        plan = self._plan(reg, params["recoveryPlanArn"])
        ordered = params["orderedStepArns"]
        current = {s.arn: s for s in plan.steps}
        if sorted(ordered) != sorted(current):
            raise ValidationError("orderedStepArns must list every step of the plan exactly once.",
                                  [{"name": "orderedStepArns", "message": "not a permutation of the plan's steps"}])
        plan.steps = [current[a] for a in ordered]
        plan.updated = self.clock.now()
        return {"recoveryPlanSteps": [self._step_body(plan, s) for s in plan.steps]}
