# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
module: drs_failback_state_info
short_description: Where each failed-over server runs now, from DRS and EC2 in both Regions (failback reconciliation)
version_added: 0.3.0
description:
  - For each FAILOVER-direction source server in the recovery Region (the task's O(region)), reads its DRS recovery
    instance, the EC2 instance it runs in (or the launch-into target of its launch configuration), the original EC2
    instance in the origin Region, any FAILBACK-direction source server replicating from the DR instance, and any
    origin-Region recovery instance that is the original. From that it says where the server runs.
  - C(recovered) runs in the recovery Region (no reverse replication yet); C(reversing) has reverse replication into
    the origin Region; C(failed_back) runs in its original instance again (also after a failback clean-up removed the
    DRS records); C(nowhere) runs neither in the original nor in the DR instance (the worst outcome of an interrupted
    failback, reported with the way back); C(unknown) when DRS and EC2 disagree otherwise.
  - The failback wave calls it before its first change, so that a resumed failback judges every server by AWS and not
    by its own record. Read-only.
author:
  - Elastic DR orchestrator contributors (@elastic-dr)
options:
  source_server_ids:
    description: FAILOVER-direction source servers in the recovery Region (the task's O(region)).
    type: list
    elements: str
    required: true
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - elastic_dr.orchestrator.assume_role
  - elastic_dr.orchestrator.assume_role.origin
attributes:
  check_mode:
    support: full
    description: Read-only; the same in check mode.
  diff_mode:
    support: none
    description: Read-only.
"""

EXAMPLES = r"""
- name: Where do the wave's servers run now?
  elastic_dr.orchestrator.drs_failback_state_info:
    region: us-west-2
    source_server_ids: "{{ wave.source_server_ids }}"
  register: where
"""

RETURN = r"""
servers:
  description: One entry per source server, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    source_server_id: {description: The FAILOVER-direction source server., type: str, returned: always}
    name: {description: Its hostname as DRS knows it., type: str, returned: when found}
    state: {description: "recovered, reversing, failed_back, nowhere or unknown.", type: str, returned: always}
    message: {description: What DRS and EC2 show., type: str, returned: always}
    remediation: {description: The way back (nowhere) or what to find out (unknown)., type: str, returned: when state is nowhere or unknown}
    origin_region: {description: The Region the server came from., type: str, returned: when found}
    original_instance_id: {description: The original EC2 instance., type: str, returned: when found}
    original_state: {description: Its EC2 state., type: str, returned: when found}
    original_private_ip: {description: Its private IP., type: str, returned: when found}
    recovery_instance_id: {description: The server's non-drill DRS recovery instance in the recovery Region., type: str, returned: when it exists}
    dr_instance_id: {description: The EC2 instance the server was recovered into., type: str, returned: when known}
    dr_instance_state: {description: Its EC2 state., type: str, returned: when known}
    reversed_source_server_id: {description: The FAILBACK-direction source server in the origin Region., type: str, returned: when reversing}
    failback_recovery_instance_id: {description: The origin-Region recovery instance that is the original., type: str, returned: when failed back}
"""

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError
except ImportError:
    pass  # Handled by AnsibleAWSModule

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import drs
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import ec2
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import failback_state
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.modules import AnsibleElasticDrAWSModule
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.session import ASSUME_ROLE_SPEC


def origin_region(server):
    return (server.get("sourceCloudProperties") or {}).get("originRegion")


class StateReader:
    def __init__(self, module):
        self.module = module
        self.drs = module.clients.client("drs")
        self.ec2 = module.clients.client("ec2")
        self.origin_role = module.params.get("origin_assume_role")

    def origin(self, service, region):
        """A client in the origin Region, with the origin account's role when one is given (else the task's)."""
        return self.module.clients.client(service, region, assume_role=self.origin_role or None)

    def read(self, sids):
        forwards = {s["sourceServerID"]: s for s in drs.describe_source_servers(self.drs, sids)}
        recovery = {}
        for ri in drs.describe_recovery_instances(self.drs, source_server_ids=list(forwards)) if forwards else []:
            if not ri.get("isDrill"):
                recovery.setdefault(ri["sourceServerID"], ri)
        dr_ids = {sid: ri.get("ec2InstanceID") for sid, ri in recovery.items() if sid in forwards}
        without = [sid for sid in forwards if sid not in dr_ids]  # cleaned up: the launch-into target is the DR instance
        with ThreadPoolExecutor(max_workers=8) as pool:
            configs = pool.map(lambda sid: drs.get_launch_configuration(self.drs, sid), without)
            dr_ids.update({sid: drs.launch_into_target(config) for sid, config in zip(without, configs)})
        dr_instances = {i["InstanceId"]: i for i in ec2.describe_instances_by_id(self.ec2, [i for i in dr_ids.values() if i])}
        by_region = {}
        for fwd in forwards.values():
            region = origin_region(fwd)
            by_region.setdefault(region, []).append(fwd)
        originals, reversed_by_dr, failback_by_original = {}, {}, {}
        for region, servers in by_region.items():
            if not region:
                continue
            ids = [drs.server_origin_instance(s) for s in servers if drs.server_origin_instance(s)]
            originals.update({i["InstanceId"]: i for i in ec2.describe_instances_by_id(self.origin("ec2", region), ids)})
            origin_drs = self.origin("drs", region)
            for server in drs.describe_source_servers(origin_drs):
                state = (server.get("dataReplicationInfo") or {}).get("dataReplicationState")
                if server.get("replicationDirection") == "FAILBACK" and state != "DISCONNECTED":
                    reversed_by_dr.setdefault(drs.server_origin_instance(server), server)
            for ri in drs.describe_recovery_instances(origin_drs):
                if not ri.get("isDrill") and ri.get("ec2InstanceID") in ids:
                    failback_by_original.setdefault(ri["ec2InstanceID"], ri)
        out = []
        for sid in sids:
            fwd = forwards.get(sid)
            if fwd is None:
                out.append({"source_server_id": sid, "state": failback_state.UNKNOWN,
                            "message": f"Source server {sid} does not exist in {self.module.region}.",
                            "remediation": "Check the ID and run the failback with dr_region set to the Region the servers were recovered in."})
                continue
            region = origin_region(fwd)
            original = originals.get(drs.server_origin_instance(fwd))
            dr_instance = dr_instances.get(dr_ids.get(sid))
            ri = recovery.get(sid)
            reversed_server = reversed_by_dr.get(dr_ids.get(sid)) if dr_ids.get(sid) else None
            failback_ri = failback_by_original.get(drs.server_origin_instance(fwd))
            state, message, remediation = failback_state.classify(fwd, ri, dr_instance, original, reversed_server, failback_ri,
                                                                  region, self.module.region)
            entry = {"source_server_id": sid, "name": drs.server_hostname(fwd), "state": state, "message": message,
                     "origin_region": region, "original_instance_id": drs.server_origin_instance(fwd),
                     "original_state": failback_state.instance_state(original), "original_private_ip": (original or {}).get("PrivateIpAddress"),
                     "recovery_instance_id": (ri or {}).get("recoveryInstanceID"), "dr_instance_id": dr_ids.get(sid),
                     "dr_instance_state": failback_state.instance_state(dr_instance),
                     "reversed_source_server_id": (reversed_server or {}).get("sourceServerID"),
                     "failback_recovery_instance_id": (failback_ri or {}).get("recoveryInstanceID")}
            if remediation:
                entry["remediation"] = remediation
            out.append({k: v for k, v in entry.items() if v is not None})
        return out


def main():
    argument_spec = dict(
        source_server_ids=dict(type="list", elements="str", required=True),
        origin_assume_role=ASSUME_ROLE_SPEC,
    )
    module = AnsibleElasticDrAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    sids = list(dict.fromkeys(module.params["source_server_ids"]))
    if not sids:
        module.exit_json(changed=False, servers=[])
    try:
        servers = StateReader(module).read(sids)
    except AnsibleAWSError as e:
        module.fail_aws(e)
    except (BotoCoreError, ClientError) as e:  # only from assume_role, before any DRS call
        module.fail_json_aws(e, msg="Failed to open a DRS or EC2 client")
    module.exit_json(changed=False, servers=servers)


if __name__ == "__main__":
    main()
