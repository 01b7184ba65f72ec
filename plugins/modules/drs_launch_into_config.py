# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
module: drs_launch_into_config
short_description: Make DRS source servers launch into pre-provisioned or original EC2 instances
version_added: 0.1.0
description:
  - Configures the DRS launch configuration of a whole wave of source servers so that each one launches into
    its own existing EC2 instance (C(launchIntoInstanceProperties)), keeping that instance's ID, ENIs and private IP.
  - Sets what the API requires with launch-into (C(copyPrivateIp=false), C(copyTags=false)) in the same single
    UpdateLaunchConfiguration call, and only for servers whose configuration differs.
  - Validates every target before touching anything (exists in the recovery account and Region, tagged
    C(AWSDRS=AllowLaunchingIntoThisInstance), same architecture and platform, not claimed by another server).
  - O(state=absent) removes launch-into so the server launches a new instance again.
author:
  - Elastic DR orchestrator contributors (@elastic-dr)
options:
  pairs:
    description:
      - The source server / target pairs, typically the RV(elastic_dr.orchestrator.drs_instance_match#module:pairs)
        of M(elastic_dr.orchestrator.drs_instance_match), passed as they are.
      - Each pair needs C(source_server_id) and, with O(state=present), C(target_instance_id); other keys
        (names, scores, checks) are ignored, so match results can be passed unchanged.
    type: list
    elements: dict
    required: true
  state:
    description: C(present) launches into the target; C(absent) restores a normal launch.
    type: str
    choices: [present, absent]
    default: present
  launch_disposition:
    description: Start the instance after launch (C(STARTED)) or leave it stopped. Left alone when unset.
    type: str
    choices: [STARTED, STOPPED]
  recovery_mode:
    description: C(FAST) skips conversion, C(OPTIMAL) runs it. Left alone when unset.
    type: str
    choices: [FAST, OPTIMAL]
  right_sizing:
    description: The target instance type right-sizing method. Left alone when unset (DRS does not require NONE).
    type: str
    choices: [NONE, BASIC, IN_AWS]
  copy_private_ip:
    description: With O(state=absent), also set C(copyPrivateIp). Left alone when unset.
    type: bool
  copy_tags:
    description: With O(state=absent), also set C(copyTags). Left alone when unset.
    type: bool
  validate_targets:
    description: Check each target before configuring it; a server whose target fails an error check is not configured.
    type: bool
    default: true
  record_review:
    description:
      - Record each applied pair on its source server as the reviewed pair (tags C(elastic_dr:pair-target), C(elastic_dr:pair-ip),
        C(elastic_dr:pair-name), C(elastic_dr:pair-method), C(elastic_dr:pair-reviewed)); M(elastic_dr.orchestrator.drs_instance_match)
        measures drift against it and a failover uses a stored pair only while it holds.
      - Set by the C(pair) playbook. Each pair should carry C(target_private_ip), C(target_name) and C(method) as
        M(elastic_dr.orchestrator.drs_instance_match) returns them. With O(state=absent) the tags are removed.
    type: bool
    default: false
  review_id:
    description: The value of the C(elastic_dr:pair-reviewed) tag (for example the pair run's ID); written only when a pair's record changes.
    type: str
    default: ''
  max_workers:
    description: Parallel DRS calls.
    type: int
    default: 8
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - elastic_dr.orchestrator.assume_role
attributes:
  check_mode:
    support: full
    description: Reads only; returns the configuration each server would get.
  diff_mode:
    support: full
    description: Before and after launch configuration per source server.
notes:
  - The task fails, after configuring every server it could, if any server failed; the result says which and why.
"""

EXAMPLES = r"""
- name: Match the wave, then launch each server into its pre-provisioned target
  elastic_dr.orchestrator.drs_instance_match:
    source_server_tags: {"dr:wave": "2"}
  register: match

- name: Configure launch-into for the whole wave (one task, one process)
  elastic_dr.orchestrator.drs_launch_into_config:
    pairs: "{{ match.pairs }}"
    launch_disposition: STARTED

- name: Back to normal launches
  elastic_dr.orchestrator.drs_launch_into_config:
    pairs: [{source_server_id: s-1234567890abcdef0}]
    state: absent
"""

RETURN = r"""
servers:
  description: One entry per source server, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    source_server_id: {description: The source server., type: str, returned: always}
    target_instance_id: {description: The instance it launches into (present) or null., type: str, returned: always}
    changed: {description: Whether its configuration was (or in check mode would be) updated., type: bool, returned: always}
    before: {description: Launch configuration before (snake_case)., type: dict, returned: when readable}
    after: {description: "Launch configuration after the update (predicted in check mode).", type: dict, returned: when readable}
    checks: {description: Target prerequisite checks., type: list, elements: dict, returned: when validated}
    review: {description: "The reviewed-pair tags written (or that would be, in check mode), with O(record_review).", type: dict, returned: when written}
    error: {description: Why this server was not configured., type: str, returned: on failure}
    remediation: {description: What to do about the error., type: str, returned: on failure}
  sample:
    - source_server_id: s-1234567890abcdef0
      target_instance_id: i-0123456789abcdef0
      changed: true
summary:
  description: Counts of servers configured, unchanged and failed.
  returned: always
  type: dict
  sample: {total: 8, changed: 7, unchanged: 1, failed: 0}
"""

from concurrent.futures import ThreadPoolExecutor

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import drs
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import ec2
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import validation
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.errors import error_code
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.modules import AnsibleElasticDrAWSModule
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.pair_discovery import PAIR_TAGS
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.pair_discovery import PAIR_TAG_IP
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.pair_discovery import PAIR_TAG_METHOD
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.pair_discovery import PAIR_TAG_NAME
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.pair_discovery import PAIR_TAG_REVIEWED
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.pair_discovery import PAIR_TAG_TARGET

MANAGED = ("launchIntoInstanceProperties", "copyPrivateIp", "copyTags", "launchDisposition", "recoveryMode",
           "targetInstanceTypeRightSizingMethod")


def desired_changes(current, target_id, params):
    """The partial update that brings ``current`` to what the user asked for ({} when nothing differs)."""
    want = {}
    if params["state"] == "present":
        want["launchIntoInstanceProperties"] = {"launchIntoEC2InstanceID": target_id}
        want["copyPrivateIp"] = False
        want["copyTags"] = False
    else:
        want["launchIntoInstanceProperties"] = {}
        if params.get("copy_private_ip") is not None:
            want["copyPrivateIp"] = params["copy_private_ip"]
        if params.get("copy_tags") is not None:
            want["copyTags"] = params["copy_tags"]
    for option, key in (("launch_disposition", "launchDisposition"), ("recovery_mode", "recoveryMode"),
                        ("right_sizing", "targetInstanceTypeRightSizingMethod")):
        if params.get(option) is not None:
            want[key] = params[option]
    changes = {}
    for key, value in want.items():
        have = current.get(key)
        if key == "launchIntoInstanceProperties":
            same = drs.launch_into_target({key: have}) == drs.launch_into_target({key: value})
        else:
            same = have == value
        if not same:
            changes[key] = value
    return changes


def snake(config):
    return camel_dict_to_snake_dict({k: v for k, v in (config or {}).items() if k in MANAGED + ("sourceServerID",)})


class LaunchIntoConfigurator:
    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.client = module.clients.client("drs")
        self.ec2 = module.clients.client("ec2")

    def _validate(self, pairs, results):
        """Run target checks; mark servers whose target fails an error check."""
        present = [p for p in pairs if results[p["source_server_id"]].get("error") is None]
        servers = {s["sourceServerID"]: s for s in drs.describe_source_servers(self.client, [p["source_server_id"] for p in present])}
        targets = {i["InstanceId"]: i for i in ec2.describe_instances_by_id(self.ec2, [p["target_instance_id"] for p in present])}
        wanted = {}
        for p in present:
            wanted.setdefault(p["target_instance_id"], []).append(p["source_server_id"])
        configured = {}  # target -> servers whose current launch configuration launches into it (one pass, not one per pair)
        for s, cfg in self._configs.items():
            if cfg and drs.launch_into_target(cfg):
                configured.setdefault(drs.launch_into_target(cfg), set()).add(s)
        for p in present:
            sid, tid = p["source_server_id"], p["target_instance_id"]
            entry = results[sid]
            server = servers.get(sid)
            if server is None:
                entry.update(error=f"Source server {sid} does not exist in {self.module.region}.",
                             remediation="Check the ID and run the task in the recovery account and Region.")
                continue
            claimed = (set(wanted[tid]) | configured.get(tid, set())) - {sid}
            checks = validation.target_checks(
                server, targets.get(tid), recovery_account=drs.server_account(server), recovery_region=drs.server_region(server),
                stopped_severity="warning", claimed_by=claimed)
            entry["checks"] = checks
            bad = validation.blocking(checks)
            if bad:
                entry.update(error="; ".join(c["message"] for c in bad), remediation=" ".join(c["remediation"] for c in bad))

    def _review(self, pairs, results):
        """Write (or remove, state=absent) the reviewed-pair tags of each configured server whose record differs."""
        by_sid = {p["source_server_id"]: p for p in pairs}
        ok = [sid for sid, entry in results.items() if not entry.get("error")]
        servers = {s["sourceServerID"]: s for s in drs.describe_source_servers(self.client, ok)}
        todo = []
        for sid in ok:
            server = servers.get(sid)
            if server is None:
                continue
            have = {k: v for k, v in (server.get("tags") or {}).items() if k in PAIR_TAGS}
            if self.params["state"] == "absent":
                if have:
                    todo.append((sid, server["arn"], None, sorted(have)))
                continue
            pair = by_sid[sid]
            method = pair.get("method") or "override"
            if method == "stored" and have.get(PAIR_TAG_TARGET) == pair["target_instance_id"] and have.get(PAIR_TAG_METHOD):
                method = have[PAIR_TAG_METHOD]  # a stored pair keeps the method it was reviewed with
            want = {PAIR_TAG_TARGET: pair["target_instance_id"], PAIR_TAG_IP: pair.get("target_private_ip") or "",
                    PAIR_TAG_NAME: (pair.get("target_name") or "")[:256], PAIR_TAG_METHOD: method}
            if any(have.get(k, "") != v for k, v in want.items()):
                want[PAIR_TAG_REVIEWED] = self.params["review_id"] or "reviewed"
                todo.append((sid, server["arn"], want, None))
        for sid, arn, tags, remove in todo:
            results[sid]["review"] = tags or {k: None for k in remove}
            results[sid]["changed"] = True
            if self.module.check_mode:
                continue
            try:
                if tags:
                    drs.tag_resource(self.client, arn, tags)
                else:
                    drs.untag_resource(self.client, arn, remove)
            except AnsibleAWSError as err:
                code = error_code(err)
                results[sid].update(error=f"The pair was configured but its review record was not written: {err.message}",
                                    remediation=validation.remediation_for(code) + " Then run the pair playbook again.", error_code=code)

    def _read(self, sid):
        return sid, drs.get_launch_configuration(self.client, sid)

    def _apply(self, sid, changes):
        try:
            return sid, drs.update_launch_configuration(self.client, sid, changes), None
        except AnsibleAWSError as e:
            return sid, None, e

    def run(self):
        params = self.params
        pairs = params["pairs"]
        results = {}
        order = []
        for p in pairs:
            sid = p.get("source_server_id")
            if not sid:
                self.module.fail_json(msg="Every pair needs source_server_id.", remediation="Pass drs_instance_match's pairs as they are.")
            if sid in results:
                self.module.fail_json(msg=f"Source server {sid} appears twice in pairs.",
                                      remediation="Give each source server exactly one target.")
            if params["state"] == "present" and not p.get("target_instance_id"):
                self.module.fail_json(msg=f"Pair for {sid} has no target_instance_id.",
                                      remediation="Provide target_instance_id for every pair, or use state=absent.")
            order.append(sid)
            results[sid] = {"source_server_id": sid, "target_instance_id": p.get("target_instance_id") if params["state"] == "present" else None,
                            "changed": False}
        workers = max(1, min(params["max_workers"], len(order) or 1))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            self._configs = dict(pool.map(self._read, order))
        for sid, cfg in self._configs.items():
            if cfg is None:
                results[sid].update(error=f"Source server {sid} does not exist in {self.module.region}.",
                                    remediation="Check the ID and run the task in the recovery account and Region.")
        if params["state"] == "present" and params["validate_targets"]:
            self._validate(pairs, results)
        todo = {}
        for sid in order:
            entry = results[sid]
            current = self._configs.get(sid)
            if entry.get("error") or current is None:
                continue
            entry["before"] = snake(current)
            changes = desired_changes(current, entry["target_instance_id"], params)
            entry["after"] = snake({**current, **changes})
            if changes:
                entry["changed"] = True
                todo[sid] = changes
        if todo and not self.module.check_mode:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                for sid, after, err in pool.map(lambda item: self._apply(*item), todo.items()):
                    if err is not None:
                        code = error_code(err)
                        detail = getattr(err.exception, "response", {}).get("Error", {}).get("Message", err)
                        results[sid].update(changed=False, error=f"{err.message}: {detail}",
                                            remediation=validation.remediation_for(code), error_code=code)
                    else:
                        results[sid]["after"] = snake(after)
        if params["record_review"]:
            self._review(pairs, results)
        servers = [results[sid] for sid in order]
        failed = [s for s in servers if s.get("error")]
        changed = [s for s in servers if s["changed"]]
        out = {
            "changed": bool(changed),
            "servers": servers,
            "summary": {"total": len(servers), "changed": len(changed), "unchanged": len(servers) - len(changed) - len(failed),
                        "failed": len(failed)},
        }
        if self.module._diff and changed:
            out["diff"] = {"before": {s["source_server_id"]: s["before"] for s in changed},
                           "after": {s["source_server_id"]: s["after"] for s in changed}}
        if failed:
            names = ", ".join(s["source_server_id"] for s in failed)
            self.module.fail_json(msg=f"{len(failed)} of {len(servers)} source servers were not configured: {names}. "
                                      "See servers[].error and servers[].remediation.", **out)
        self.module.exit_json(**out)


def main():
    argument_spec = dict(
        pairs=dict(type="list", elements="dict", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        launch_disposition=dict(type="str", choices=["STARTED", "STOPPED"]),
        recovery_mode=dict(type="str", choices=["FAST", "OPTIMAL"]),
        right_sizing=dict(type="str", choices=["NONE", "BASIC", "IN_AWS"]),
        copy_private_ip=dict(type="bool"),
        copy_tags=dict(type="bool"),
        validate_targets=dict(type="bool", default=True),
        record_review=dict(type="bool", default=False),
        review_id=dict(type="str", default=""),
        max_workers=dict(type="int", default=8),
    )
    module = AnsibleElasticDrAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    try:
        LaunchIntoConfigurator(module).run()
    except AnsibleAWSError as e:
        module.fail_aws(e)


if __name__ == "__main__":
    main()
