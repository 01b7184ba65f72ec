# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
module: drs_recovery_plan
short_description: Export a plan's waves as a native DRS Recovery Plan
version_added: 0.1.0
description:
  - Makes the DRS Recovery Plan named O(name) hold one SERVER step per wave, in wave order, for teams that want DRS's
    own console view of the plan. Each server of a wave is C(CRITICAL) when it is in the wave's C(critical) list and
    C(OPTIONAL) otherwise. A wave of more than 100 servers becomes several steps (C(<wave> part 2), ...), the API's
    limit per step; a plan holds at most 20 steps.
  - O(waves) takes the waves of the C(plan) role (C(plan_waves)) or of a plan file as they are.
  - Idempotent - a plan that already matches makes no call that changes anything. Steps whose servers or impact
    levels differ are replaced (deleted, then created), obsolete steps deleted, and the order fixed with
    C(ReorderRecoveryPlanSteps) only when it differs.
  - The plan is only a description in DRS; running it (C(StartRecoveryPlanExecution)) is left to the console or to
    this collection's playbooks, which add launch-into, identity verification and the run record.
author:
  - Elastic DR orchestrator contributors (@elastic-dr)
options:
  name:
    description: Name of the Recovery Plan (letters, digits, spaces, C(_) and C(-), starting with a letter or digit).
    type: str
    required: true
  description:
    description: Description of the plan. Left as it is when not set.
    type: str
  state:
    description: C(present) creates or updates the plan; C(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  waves:
    description:
      - The waves, in order. Required with O(state=present). Each wave is a dict with C(name), C(source_server_ids) and
        optionally C(critical) (servers whose failure fails the wave, C(CRITICAL); the others are C(OPTIONAL)). Other
        keys (the plan role's C(number), C(tag_value)...) are ignored, so C(plan_waves) can be passed as it is.
    type: list
    elements: dict
  wait_minutes_between_waves:
    description: Add a WAIT step of this many minutes (1 to 120) between consecutive waves; 0 adds none.
    type: int
    default: 0
  tags:
    description: Tags given to the plan when it is created.
    type: dict
    default: {}
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - elastic_dr.orchestrator.assume_role
attributes:
  check_mode:
    support: full
    description: Reports the changes it would make; makes no call that changes anything.
  diff_mode:
    support: full
    description: The plan's description and steps before and after.
"""

EXAMPLES = r"""
- name: Export the waves built by the plan role
  elastic_dr.orchestrator.drs_recovery_plan:
    region: us-west-2
    name: estate-prod
    description: "Waves from dr:wave tags"
    waves: "{{ plan_waves }}"

- name: Remove it
  elastic_dr.orchestrator.drs_recovery_plan:
    region: us-west-2
    name: estate-prod
    state: absent
"""

RETURN = r"""
recovery_plan:
  description: The plan after the task (absent after O(state=absent); in check mode, what it would be).
  returned: when state is present
  type: dict
  contains:
    arn:
      description: The plan's ARN (empty in check mode for a plan not created yet).
      type: str
      returned: always
    name:
      description: The name.
      type: str
      returned: always
    status:
      description: C(ACTIVE), or C(INVALID) when a server of a step no longer exists.
      type: str
      returned: always
    steps:
      description: The steps in order, each with C(name), C(servers) (C(source_server_id), C(impact_level)) or C(wait_minutes).
      type: list
      elements: dict
      returned: always
actions:
  description: What was done (or would be done in check mode), in order.
  returned: always
  type: list
  elements: str
  sample: ["create recovery plan estate-prod", "create step wave_01 (8 servers)"]
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import drs
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import drs_recovery_plans as plans
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.modules import AnsibleElasticDrAWSModule


def shown(name, configuration):
    """A step as the result and diff show it: source server IDs, not ARNs."""
    server = configuration.get("serverStepConfiguration")
    if server:
        return {"name": name, "servers": [{"source_server_id": s["serverArn"].rsplit("/", 1)[-1], "impact_level": s.get("impactLevel")}
                                          for s in server["servers"]]}
    return {"name": name, "wait_minutes": configuration["waitStepConfiguration"]["waitDurationMinutes"]}


class RecoveryPlan:
    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.client = module.clients.client("drs")
        self.actions = []

    def find(self):
        return next((p for p in plans.list_recovery_plans(self.client) if p["name"] == self.params["name"]), None)

    def act(self, text, call, *args):
        self.actions.append(text)
        return None if self.module.check_mode else call(self.client, *args)

    def desired(self):
        waves = self.params["waves"] or []
        ids = [sid for w in waves for sid in w["source_server_ids"]]
        arns = {s["sourceServerID"]: s["arn"] for s in drs.describe_source_servers(self.client, ids)}
        missing = sorted(set(ids) - set(arns))
        if missing:
            self.module.fail_json(msg=f"Source servers not found in {self.module.region}: {', '.join(missing)}.",
                                  remediation="Pass the waves of this account and Region (the plan role's plan_waves), "
                                              "or remove the servers that were deleted.")
        steps = plans.desired_steps(waves, arns, self.params["wait_minutes_between_waves"])
        if len(steps) > plans.MAX_STEPS:
            self.module.fail_json(msg=f"The plan needs {len(steps)} steps; a DRS Recovery Plan holds at most {plans.MAX_STEPS}.",
                                  remediation="Merge waves, drop wait_minutes_between_waves, or export the waves as several plans.")
        return steps

    def present(self):
        wanted = self.desired()
        plan = self.find()
        before = {"name": self.params["name"], "description": None, "steps": []} if plan else {}
        current = []
        if plan:
            full = plans.get_recovery_plan(self.client, plan["recoveryPlanArn"])
            before["description"] = full.get("description")
            current = plans.list_recovery_plan_steps(self.client, plan["recoveryPlanArn"])
            before["steps"] = [shown(s["stepName"], s["configuration"]) for s in current]
        else:
            plan = self.act(f"create recovery plan {self.params['name']}", plans.create_recovery_plan, self.params["name"],
                            self.params["description"], self.params["tags"]) or {"recoveryPlanArn": "", "name": self.params["name"], "status": "ACTIVE"}
        plan_arn = plan["recoveryPlanArn"]
        if before and self.params["description"] is not None and before["description"] != self.params["description"]:
            self.act("update the description", plans.update_recovery_plan, plan_arn, self.params["description"])
        want = {name: plans.comparable(cfg) for name, cfg in wanted}
        kept = {}
        for step in current:
            if want.get(step["stepName"]) == plans.comparable(step["configuration"]):
                kept[step["stepName"]] = step["recoveryPlanStepArn"]
            else:
                self.act(f"delete step {step['stepName']}", plans.delete_recovery_plan_step, step["recoveryPlanStepArn"])
        for name, configuration in wanted:
            if name not in kept:
                size = len((configuration.get("serverStepConfiguration") or {}).get("servers") or [])
                created = self.act(f"create step {name}" + (f" ({size} servers)" if size else ""), plans.create_recovery_plan_step,
                                   plan_arn, name, configuration)
                kept[name] = created["recoveryPlanStepArn"] if created else ""
        final_order = [kept[name] for name, _configuration in wanted]
        now_order = [s["recoveryPlanStepArn"] for s in current if s["recoveryPlanStepArn"] in final_order] + \
                    [a for a in final_order if a not in {s["recoveryPlanStepArn"] for s in current}]
        if final_order and now_order != final_order:
            self.act("reorder the steps in wave order", plans.reorder_recovery_plan_steps, plan_arn, final_order)
        after = {"name": self.params["name"], "description": self.params["description"] if self.params["description"] is not None
                 else before.get("description"), "steps": [shown(name, cfg) for name, cfg in wanted]}
        status = plans.get_recovery_plan(self.client, plan_arn)["status"] if plan_arn and not self.module.check_mode else plan.get("status", "ACTIVE")
        result = {"changed": bool(self.actions), "actions": self.actions,
                  "recovery_plan": {"arn": plan_arn, "name": self.params["name"], "status": status, "steps": after["steps"]}}
        if self.module._diff:
            result["diff"] = {"before": before, "after": after}
        return result

    def absent(self):
        plan = self.find()
        if plan:
            self.act(f"delete recovery plan {plan['name']}", plans.delete_recovery_plan, plan["recoveryPlanArn"])
        return {"changed": bool(self.actions), "actions": self.actions}


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        description=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        waves=dict(type="list", elements="dict"),
        wait_minutes_between_waves=dict(type="int", default=0),
        tags=dict(type="dict", default={}),
    )
    module = AnsibleElasticDrAWSModule(argument_spec=argument_spec, supports_check_mode=True, required_if=[("state", "present", ["waves"])])
    bad = [i for i, w in enumerate(module.params["waves"] or []) if not w.get("name") or not isinstance(w.get("source_server_ids"), list)]
    if bad:
        module.fail_json(msg=f"waves[{bad[0]}] needs a name and a list source_server_ids.",
                         remediation="Pass the plan role's plan_waves, or waves written as in docs/plan_file.md.")
    if not 0 <= module.params["wait_minutes_between_waves"] <= 120:
        module.fail_json(msg="wait_minutes_between_waves must be 0 to 120 (a DRS WAIT step lasts 1 to 120 minutes).")
    try:
        handler = RecoveryPlan(module)
        result = handler.present() if module.params["state"] == "present" else handler.absent()
    except AnsibleAWSError as e:
        module.fail_aws(e)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
