# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
module: drs_reprotect
short_description: Protect failed-back instances again (replication in the original direction)
version_added: 0.1.0
description:
  - After a failback, the original instances run in the origin Region as the failback recovery instances of the
    FAILBACK-direction source servers. Re-protecting one (C(ReverseReplication) on it, in the origin Region) re-points
    the original FAILOVER-direction source server at it, so DRS replicates it to the recovery Region again
    (DRS_API.md section 4, step 4). Run it after the failback is verified and B(before) the failback clean-up removes
    the FAILBACK-direction source servers.
  - Each instance must be a failback recovery instance (its source server has C(replicationDirection=FAILBACK)) whose
    EC2 instance is running.
  - Idempotent - a re-protected recovery instance carries the DRS tag C(elastic_dr:reprotects) naming the source
    server it feeds; it is not reversed again (a C(ConflictException) from DRS, already replicating, is read the
    same way).
  - With O(wait=true), waits until each re-protected source server is C(CONTINUOUS) with lag under O(max_lag_seconds).
author:
  - Elastic DR orchestrator contributors (@elastic-dr)
options:
  recovery_instance_ids:
    description: The failback recovery instances (in the origin Region, the task's O(region)).
    type: list
    elements: str
    required: true
  recovery_assume_role:
    description:
      - Role for the recovery account (where the FAILOVER-direction source servers live), when it is not the origin's.
    type: dict
    suboptions:
      role_arn:
        description: ARN of the role.
        type: str
        required: true
      external_id:
        description: ExternalId the role's trust policy requires.
        type: str
      session_name:
        description: Session name.
        type: str
        default: elastic-dr-orchestrator
      duration_seconds:
        description: Session duration in seconds.
        type: int
        default: 3600
  wait:
    description: Wait until each re-protected source server replicates (CONTINUOUS, lag under O(max_lag_seconds)).
    type: bool
    default: false
  max_lag_seconds:
    description: Lag accepted as caught up.
    type: int
    default: 60
  wait_timeout:
    description: Seconds to wait in all.
    type: int
    default: 3600
  poll_interval:
    description: Seconds between checks while waiting.
    type: int
    default: 15
  progress_interval:
    description:
      - With O(wait), wait in rounds of this many seconds and print RV(summary.progress) with the elapsed time after
        each round, in one task however long the wait. C(0) waits in one round without progress lines.
    type: int
    default: 0
  fail_on_timeout:
    description:
      - With O(wait), fail the servers still behind when O(wait_timeout) has passed. When false they are returned with
        C(waiting=true) and no error, and RV(done) is false (the progress rounds use it).
    type: bool
    default: true
  label:
    description: Prefix of the progress message, for example C(wave_01 re-protection).
    type: str
    default: re-protection
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - elastic_dr.orchestrator.assume_role
attributes:
  check_mode:
    support: full
    description: Reports which instances it would re-protect; makes no call that changes anything.
  diff_mode:
    support: none
    description: Starting replication is not a configuration change.
"""

EXAMPLES = r"""
- name: Re-protect the failed-back originals of wave 1
  elastic_dr.orchestrator.drs_reprotect:
    region: us-east-1
    recovery_instance_ids: "{{ failback_wait.servers | map(attribute='recovery_instance_id') | list }}"
    wait: true
"""

RETURN = r"""
instances:
  description: One entry per recovery instance.
  returned: always
  type: list
  elements: dict
  contains:
    recovery_instance_id:
      description: The failback recovery instance.
      type: str
      returned: always
    source_server_id:
      description: The FAILOVER-direction source server that protects it again.
      type: str
      returned: when found
    source_region:
      description: Region of that source server (the recovery Region).
      type: str
      returned: when found
    replication_state:
      description: Its replication state after the task.
      type: str
      returned: when found
    lag_seconds:
      description: Its replication lag in seconds.
      type: float
      returned: when found
    changed:
      description: Whether this task re-protected it.
      type: bool
      returned: always
    error:
      description: Why it was not re-protected.
      type: str
      returned: on failure
    remediation:
      description: What to do about it.
      type: str
      returned: on failure
    waiting:
      description: Still replicating when a round without O(fail_on_timeout) ended.
      type: bool
      returned: when waiting
done:
  description: False when O(fail_on_timeout=false) and some server is still replicating.
  returned: always
  type: bool
summary:
  description: Counts and a one-line C(progress) message.
  returned: with O(wait)
  type: dict
  contains:
    total: {description: Instances in the task., type: int, returned: always}
    caught_up: {description: Instances caught up., type: int, returned: always}
    failed: {description: Instances with an error., type: int, returned: always}
    waiting: {description: Instances left for the next round., type: int, returned: always}
    progress: {description: The line printed after each round., type: str, returned: always}
  sample: {total: 8, caught_up: 8, failed: 0, waiting: 0, progress: "wave_01 re-protection: 8/8 caught up (CONTINUOUS, lag under 60 s)"}
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import drs
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import ec2
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import progress_lines
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import replication_wait
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import validation
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.errors import error_code
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.modules import AnsibleElasticDrAWSModule
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.session import ASSUME_ROLE_SPEC

TAG = "elastic_dr:reprotects"
STOPPED = ("STOPPED", "DISCONNECTED")


class Reprotect:
    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.client = module.clients.client("drs")

    def recovery_client(self, region):
        role = self.params.get("recovery_assume_role")
        return self.module.clients.client("drs", region, assume_role=role) if role else self.module.clients.client("drs", region)

    def forwards(self, failback_servers):
        """{failback server ID: (its FAILOVER-direction source server, Region)}: one describe per recovery Region."""
        wanted = {}
        for server in failback_servers.values():
            parsed = drs.parse_arn(server.get("reversedDirectionSourceServerArn"))
            if parsed and parsed[2] == "source-server":
                wanted.setdefault(parsed[0], {})[parsed[3]] = server["sourceServerID"]
        found = {}
        for region, ids in wanted.items():
            for forward in drs.describe_source_servers(self.recovery_client(region), list(ids)):
                found[ids[forward["sourceServerID"]]] = (forward, region)
        return found

    def one(self, rid, ri, failback_servers, forwards, running):
        entry = {"recovery_instance_id": rid, "changed": False}
        if ri is None:
            return dict(entry, error=f"Recovery instance {rid} does not exist in {self.module.region}.",
                        remediation="Pass the failback recovery instances, in the origin Region (the failback's wait result).")
        failback = failback_servers.get(ri["sourceServerID"])
        if not failback or failback.get("replicationDirection") != "FAILBACK":
            return dict(entry, error=f"{rid} is not a failback recovery instance (its source server is not FAILBACK-direction).",
                        remediation="Re-protect only instances launched by a failback; protect other instances with the replication agent.")
        forward, region = forwards.get(ri["sourceServerID"], (None, None))
        if forward is None:
            return dict(entry, error=f"The FAILOVER-direction source server of {ri['sourceServerID']} no longer exists.",
                        remediation="Install the replication agent on the instance to protect it as a new source server.")
        entry.update(source_server_id=forward["sourceServerID"], source_region=region)
        if (ri.get("tags") or {}).get(TAG) == forward["sourceServerID"]:
            return entry
        if ri.get("ec2InstanceID") not in running:
            return dict(entry, error=f"The EC2 instance of {rid} is not running.",
                        remediation="Start it: DRS replicates only from a running instance.")
        entry["changed"] = True
        if self.module.check_mode:
            return entry
        try:
            drs.reverse_replication(self.client, rid)
        except AnsibleAWSError as e:
            again = drs.describe_source_servers(self.recovery_client(region), [forward["sourceServerID"]])
            state = ((again[0] if again else {}).get("dataReplicationInfo") or {}).get("dataReplicationState")
            if error_code(e) != "ConflictException" or state in STOPPED or state is None:
                return dict(entry, changed=False, error=f"{e.message}: {e.exception}", remediation=validation.remediation_for(error_code(e)))
            entry["changed"] = False  # already replicating from it: re-protected by an earlier run
        drs.tag_resource(self.client, ri["arn"], {TAG: forward["sourceServerID"]})
        return entry

    def run(self):
        params = self.params
        rids = list(dict.fromkeys(params["recovery_instance_ids"]))
        ris = {r["recoveryInstanceID"]: r for r in drs.describe_recovery_instances(self.client, rids)}
        failback_servers = {s["sourceServerID"]: s for s in drs.describe_source_servers(self.client, [r["sourceServerID"] for r in ris.values()])}
        forwards = self.forwards(failback_servers)
        instances = ec2.describe_instances_by_id(self.module.clients.client("ec2"), [r.get("ec2InstanceID") for r in ris.values()])
        running = {i["InstanceId"] for i in instances if i.get("State", {}).get("Name") == "running"}
        entries = [self.one(rid, ris.get(rid), failback_servers, forwards, running) for rid in rids]
        protected = [e for e in entries if e.get("source_server_id") and not e.get("error")]
        if params["wait"] and not self.module.check_mode:
            behind = replication_wait.wait_until_caught_up(protected, self.recovery_client, "source_server_id", "source_region",
                                                           params["max_lag_seconds"], params["wait_timeout"], params["poll_interval"])
            for e in behind:
                if not params["fail_on_timeout"]:
                    e["waiting"] = True
                    continue
                e.update(error=f"{e['source_server_id']} is {e.get('replication_state')} with lag {e.get('lag_seconds')} s "
                               f"after {params['wait_timeout']} s.",
                         remediation="Check the instance's network path to the recovery Region's DRS endpoint (TCP 443) and wait longer (wait_timeout).")
        else:
            replication_wait.refresh(protected, self.recovery_client, "source_server_id", "source_region")
        return entries


def main():
    argument_spec = dict(
        recovery_instance_ids=dict(type="list", elements="str", required=True),
        recovery_assume_role=ASSUME_ROLE_SPEC,
        wait=dict(type="bool", default=False),
        max_lag_seconds=dict(type="int", default=60),
        wait_timeout=dict(type="int", default=3600),
        poll_interval=dict(type="int", default=15),
        progress_interval=dict(type="int", default=0),
        fail_on_timeout=dict(type="bool", default=True),
        label=dict(type="str", default="re-protection"),
    )
    module = AnsibleElasticDrAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    try:
        entries = Reprotect(module).run()
    except AnsibleAWSError as e:
        module.fail_aws(e)
    out = {"changed": any(e["changed"] for e in entries), "instances": entries, "done": True}
    if module.params["wait"] and not module.check_mode:
        out["summary"] = progress_lines.replication(entries, module.params["label"], module.params["max_lag_seconds"])
        out["done"] = not out["summary"]["waiting"]
        if not out["done"]:
            module.exit_json(**out)  # a progress round: the action plugin waits on
    failed = [e for e in entries if e.get("error")]
    if failed:
        module.fail_json(msg=f"{len(failed)} of {len(entries)} instances were not re-protected: "
                             + "; ".join(f"{e['recovery_instance_id']}: {e['error']}" for e in failed),
                         remediation="See instances[].remediation.", **out)
    module.exit_json(**out)


if __name__ == "__main__":
    main()
