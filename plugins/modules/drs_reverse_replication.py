# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
module: drs_reverse_replication
short_description: Start reverse replication of DRS recovery instances back to their origin Region (failback)
version_added: 0.1.0
description:
  - Checks the prerequisites of every recovery instance first (instance running, private IP as recorded at
    failover, staging account as at failover, original instance exists in the origin Region, is tagged for
    launch-into and, with O(require_stopped_originals), is stopped), then calls ReverseReplication for the instances
    that passed, which creates a FAILBACK-direction source server in the origin Region. An instance that fails a check
    is not reversed; the others are.
  - In check mode it runs every check and reports what would be reversed, so a failback can check a whole wave before
    its first change.
  - Idempotent. A recovery instance that is already reversed returns its existing FAILBACK-direction source server
    with C(changed=false); it is found by C(identificationHints.awsInstanceID), not only by
    C(reversedDirectionSourceServerArn), which can go stale.
  - With O(wait), waits until every reversed server is C(CONTINUOUS) with a lag under O(max_lag_seconds).
  - O(state=absent) is the failback clean-up of the reversed direction, in the documented order. It stops replication
    of the FAILBACK-direction source server, deletes the DRS record of its failback recovery instance (the EC2
    instance, usually the original, is not touched), then disconnects and deletes the source server. The recovery
    instances themselves are left for M(elastic_dr.orchestrator.drs_recovery_instance).
author:
  - Elastic DR orchestrator contributors (@elastic-dr)
options:
  recovery_instance_ids:
    description: Recovery instances in this (the recovery) Region.
    type: list
    elements: str
    required: true
  state:
    description: C(present) starts reverse replication; C(absent) removes the reversed direction after a failback.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description: Wait until each reversed source server is CONTINUOUS with lag under O(max_lag_seconds).
    type: bool
    default: false
  max_lag_seconds:
    description: Lag accepted as caught up.
    type: int
    default: 60
  wait_timeout:
    description: Seconds to wait with O(wait).
    type: int
    default: 3600
  poll_interval:
    description: Seconds between polls with O(wait).
    type: int
    default: 30
  progress_interval:
    description:
      - With O(wait), wait in rounds of this many seconds and print RV(summary.progress) with the elapsed time after
        each round, in one task however long the wait. C(0) waits in one round without progress lines.
      - From the second round on only the servers still replicating are looked at again.
    type: int
    default: 0
  fail_on_timeout:
    description:
      - With O(wait), fail the servers still behind when O(wait_timeout) has passed. When false they are returned with
        C(waiting=true) and no error, and RV(done) is false (the progress rounds use it).
    type: bool
    default: true
  label:
    description: Prefix of the progress message, for example C(wave_01 reverse replication).
    type: str
    default: reverse replication
  expected_private_ips:
    description: Recovery instance ID -> the private IP recorded at failover; a different IP refuses that instance.
    type: dict
    default: {}
  expected_staging_account_id:
    description: The staging account used at failover; a source server staged elsewhere is refused.
    type: str
  require_stopped_originals:
    description:
      - Refuse a recovery instance whose original instance is not stopped. DRS launches a failback only into a stopped
        instance, so when nothing will stop the originals before the launch (the failback playbook without
        C(dr_stop_originals=true)), reversing would only leave replication running that cannot finish.
      - When false, a running original is a warning (something stops it before the launch).
    type: bool
    default: false
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - elastic_dr.orchestrator.assume_role
  - elastic_dr.orchestrator.assume_role.origin
attributes:
  check_mode:
    support: full
    description: Runs the checks and reports what would be reversed; no mutating call.
  diff_mode:
    support: none
    description: Not a configuration change.
"""

EXAMPLES = r"""
- name: Reverse the wave's recovery instances and wait until they are caught up
  elastic_dr.orchestrator.drs_reverse_replication:
    region: us-west-2
    recovery_instance_ids: "{{ waited.servers | map(attribute='recovery_instance_id') | list }}"
    wait: true
    max_lag_seconds: 60
"""

RETURN = r"""
instances:
  description: One entry per recovery instance.
  returned: always
  type: list
  elements: dict
  contains:
    recovery_instance_id: {description: The recovery instance., type: str, returned: always}
    source_server_id: {description: The forward (FAILOVER) source server it was launched from., type: str, returned: when found}
    reversed_source_server_id: {description: The FAILBACK-direction source server in the origin Region., type: str, returned: when reversed}
    reversed_source_server_arn: {description: Its ARN., type: str, returned: when reversed}
    reversed_region: {description: The origin Region., type: str, returned: when reversed}
    replication_state: {description: Its replication state., type: str, returned: when reversed}
    lag_seconds: {description: Its lag., type: float, returned: when known}
    original_instance_id: {description: The original EC2 instance in the origin Region., type: str, returned: when known}
    launch_into_instance_id: {description: What the reversed server launches into (null means a new instance)., type: str, returned: when reversed}
    changed: {description: Reverse replication was started by this task., type: bool, returned: always}
    checks: {description: Prerequisite checks., type: list, elements: dict, returned: always}
    waiting: {description: Still replicating when a round without O(fail_on_timeout) ended., type: bool, returned: when waiting}
    error: {description: Why it was not reversed., type: str, returned: on failure}
    remediation: {description: What to do., type: str, returned: on failure}
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
  sample: {total: 8, caught_up: 5, failed: 0, waiting: 3,
           progress: "wave_01 reverse replication: 5/8 caught up (CONTINUOUS, lag under 60 s), 3 still replicating (3 INITIAL_SYNC)"}
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

check = validation.check


def per_instance_remediation(failed):
    """What to do, instance by instance (the same text is in instances[].remediation)."""
    return " ".join(f"{e['recovery_instance_id']}: {e.get('remediation') or 'see the error'}" for e in failed)


class Reverser:
    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.client = module.clients.client("drs")
        self.ec2 = module.clients.client("ec2")
        self.origin_role = self.params.get("origin_assume_role")

    def origin_client(self, service, region):
        return self.module.clients.client(service, region, assume_role=self.origin_role) if self.origin_role else self.module.clients.client(service, region)

    def reversed_servers(self, region):
        """FAILBACK-direction source servers in the origin Region, keyed by the instance they replicate from."""
        found = {}
        for server in drs.describe_source_servers(self.origin_client("drs", region)):
            if server.get("replicationDirection") == "FAILBACK" and drs.server_origin_instance(server):
                found.setdefault(drs.server_origin_instance(server), []).append(server)
        return found

    def prepare(self, ri, forward, instance, original, entry):
        rid = ri["recoveryInstanceID"]
        ip = instance.get("PrivateIpAddress") if instance else None
        state = (instance or {}).get("State", {}).get("Name")
        checks = [check("recovery_instance_running", state == "running", "error", f"Recovery instance {rid} is {state}.",
                        f"Start {rid}; DRS replicates back only from a running instance.")]
        want_ip = self.params["expected_private_ips"].get(rid)
        if want_ip:
            checks.append(check("private_ip_as_recorded", ip == want_ip, "error", f"{rid} has private IP {ip}; failover recorded {want_ip}.",
                                f"Find out why {rid} changed IP before failing back; its data may not be the failed-over server's."))
        staging = ((forward or {}).get("stagingArea") or {}).get("stagingAccountID") or (drs.server_account(forward) if forward else None)
        want_staging = self.params.get("expected_staging_account_id")
        if want_staging:
            checks.append(check("staging_account", staging == want_staging, "error",
                                f"Source server staging account is {staging}; failover used {want_staging}.",
                                "Run the failback with the staging account used at failover (see the run record)."))
        original_id = drs.server_origin_instance(forward) if forward else None
        checks.append(check("original_instance_exists", original is not None, "error",
                            f"Original instance {original_id} {'exists' if original else 'was not found'} in the origin Region.",
                            "Failback into the original needs it: restore it, or fail back to a new instance (remove launch-into on the reversed server)."))
        if original is not None:
            tags = ec2.tags_of(original)
            checks.append(check("original_instance_tagged", tags.get("AWSDRS") == "AllowLaunchingIntoThisInstance", "error",
                                f"Original instance {original_id} tag AWSDRS={tags.get('AWSDRS')}.",
                                f"Tag {original_id} with AWSDRS=AllowLaunchingIntoThisInstance so DRS can launch into it."))
            orig_state = original.get("State", {}).get("Name")
            required = self.params["require_stopped_originals"]
            checks.append(check("original_instance_stopped", orig_state == "stopped", "error" if required else "warning",
                                f"Original instance {original_id} is {orig_state}.",
                                f"Stop {original_id} before the failback launch, or let the failback stop the originals "
                                "(failback playbook: -e dr_stop_originals=true); DRS launches only into a stopped instance."))
        entry["checks"] = checks
        entry["original_instance_id"] = original_id
        bad = validation.blocking(checks)
        if bad:
            entry.update(error="; ".join(c["message"] for c in bad), remediation=" ".join(c["remediation"] for c in bad))
        return not bad

    def describe_reversed(self, entry, server, region):
        entry.update(reversed_source_server_id=server["sourceServerID"], reversed_source_server_arn=server["arn"], reversed_region=region,
                     replication_state=(server.get("dataReplicationInfo") or {}).get("dataReplicationState"),
                     lag_seconds=validation.lag_seconds(server))
        cfg = drs.get_launch_configuration(self.origin_client("drs", region), server["sourceServerID"])
        entry["launch_into_instance_id"] = drs.launch_into_target(cfg)

    def remove(self, rids, forwards, ris):
        """Clean up the reversed direction of each recovery instance (failback clean-up order)."""
        entries = []
        for rid in rids:
            entry = {"recovery_instance_id": rid, "changed": False, "checks": [], "actions": []}
            entries.append(entry)
            ri = ris.get(rid)
            forward = forwards.get(ri["sourceServerID"]) if ri else None
            region = ((forward or {}).get("sourceCloudProperties") or {}).get("originRegion")
            if not ri or not region:
                entry["actions"].append("none: no such recovery instance or no origin Region")
                continue
            client = self.origin_client("drs", region)
            for server in self.reversed_servers(region).get(ri.get("ec2InstanceID"), []):
                sid = server["sourceServerID"]
                state = (server.get("dataReplicationInfo") or {}).get("dataReplicationState")
                steps = []
                if state not in ("STOPPED", "DISCONNECTED"):
                    steps.append(("stop replication of " + sid, lambda c=client, s=sid: drs.stop_replication(c, s)))
                child = server.get("recoveryInstanceId")
                if child:
                    steps.append((f"delete DRS record of failback recovery instance {child} (EC2 instance kept)",
                                  lambda c=client, r=child: self.delete_record(c, r)))
                if state != "DISCONNECTED":
                    steps.append(("disconnect " + sid, lambda c=client, s=sid: drs.disconnect_source_server(c, s)))
                steps.append(("delete " + sid, lambda c=client, s=sid: drs.delete_source_server(c, s)))
                entry.update(reversed_source_server_id=sid, reversed_region=region)
                for text, action in steps:
                    entry["actions"].append(text)
                    if not self.module.check_mode:
                        try:
                            action()
                        except AnsibleAWSError as e:
                            entry.update(error=f"{e.message}: {e.exception}", remediation=validation.remediation_for(error_code(e)))
                            break
                entry["changed"] = not entry.get("error")
        return entries

    @staticmethod
    def delete_record(client, recovery_instance_id):
        try:
            drs.delete_recovery_instance(client, recovery_instance_id)
        except AnsibleAWSError as e:
            if error_code(e) != "ConflictException":
                raise
            drs.disconnect_recovery_instance(client, recovery_instance_id)
            drs.delete_recovery_instance(client, recovery_instance_id)

    def run(self):
        params = self.params
        rids = list(dict.fromkeys(params["recovery_instance_ids"]))
        if params["state"] == "absent":
            ris = {r["recoveryInstanceID"]: r for r in drs.describe_recovery_instances(self.client, rids)}
            forwards = {s["sourceServerID"]: s for s in drs.describe_source_servers(self.client, [r["sourceServerID"] for r in ris.values()])}
            entries = self.remove(rids, forwards, ris)
            failed = [e for e in entries if e.get("error")]
            out = {"changed": any(e["changed"] for e in entries), "instances": entries}
            if failed:
                self.module.fail_json(msg="; ".join(f"{e['recovery_instance_id']}: {e['error']}" for e in failed),
                                      remediation=per_instance_remediation(failed), **out)
            self.module.exit_json(**out)
        ris = {r["recoveryInstanceID"]: r for r in drs.describe_recovery_instances(self.client, rids)}
        forwards = {s["sourceServerID"]: s for s in drs.describe_source_servers(self.client, [r["sourceServerID"] for r in ris.values()])}
        instances = {i["InstanceId"]: i for i in ec2.describe_instances_by_id(self.ec2, [r.get("ec2InstanceID") for r in ris.values()])}
        originals, reversed_by_region = {}, {}
        by_region = {}
        for fwd in forwards.values():
            region = (fwd.get("sourceCloudProperties") or {}).get("originRegion")
            if region and drs.server_origin_instance(fwd):
                by_region.setdefault(region, []).append(drs.server_origin_instance(fwd))
        for region, ids in by_region.items():
            for inst in ec2.describe_instances_by_id(self.origin_client("ec2", region), ids):
                originals[inst["InstanceId"]] = inst
            reversed_by_region[region] = self.reversed_servers(region)
        entries, ready = [], []
        for rid in rids:
            entry = {"recovery_instance_id": rid, "changed": False, "checks": []}
            entries.append(entry)
            ri = ris.get(rid)
            if ri is None:
                entry.update(error=f"Recovery instance {rid} does not exist in {self.module.region}.",
                             remediation="Check the ID and run the task in the Region where the servers were recovered.")
                continue
            forward = forwards.get(ri["sourceServerID"])
            entry["source_server_id"] = ri["sourceServerID"]
            region = ((forward or {}).get("sourceCloudProperties") or {}).get("originRegion")
            existing = [s for s in reversed_by_region.get(region, {}).get(ri.get("ec2InstanceID"), [])
                        if (s.get("dataReplicationInfo") or {}).get("dataReplicationState") != "DISCONNECTED"]
            if existing:
                self.describe_reversed(entry, existing[0], region)
                entry["original_instance_id"] = drs.server_origin_instance(forward) if forward else None
                continue
            if ri.get("originEnvironment") != "AWS" or not region:
                entry.update(error=f"Recovery instance {rid} did not originate in EC2; reverse replication to AWS does not apply.",
                             remediation="Fail back on-premises servers with the DRS Failback Client.")
                continue
            if not self.prepare(ri, forward, instances.get(ri.get("ec2InstanceID")), originals.get(drs.server_origin_instance(forward)), entry):
                continue
            entry["changed"] = True
            ready.append((entry, ri, region))
        for entry, ri, region in ([] if self.module.check_mode else ready):  # every check of the wave ran before the first change
            rid = entry["recovery_instance_id"]
            try:
                arn = drs.reverse_replication(self.client, rid)
            except AnsibleAWSError as e:
                if error_code(e) == "ConflictException":  # reversed meanwhile, or still initialising: look again
                    again = list(self.reversed_servers(region).get(ri.get("ec2InstanceID"), []))
                    if again:
                        entry["changed"] = False
                        self.describe_reversed(entry, again[0], region)
                        continue
                entry.update(changed=False, error=f"{e.message}: {e.exception}", remediation=validation.remediation_for(error_code(e)))
                continue
            server_id = arn.rsplit("/", 1)[-1]
            server = drs.describe_source_servers(self.origin_client("drs", region), [server_id])
            if server:
                self.describe_reversed(entry, server[0], region)
            else:
                entry.update(reversed_source_server_id=server_id, reversed_source_server_arn=arn, reversed_region=region)
        out = {"changed": any(e["changed"] for e in entries), "instances": entries, "done": True}
        if params["wait"] and not self.module.check_mode:
            self.wait(entries)
            out["summary"] = progress_lines.replication(entries, params["label"], params["max_lag_seconds"])
            out["done"] = not out["summary"]["waiting"]
            if not out["done"]:
                self.module.exit_json(**out)  # a progress round: the action plugin waits on
        failed = [e for e in entries if e.get("error")]
        if failed:
            self.module.fail_json(msg=f"{len(failed)} of {len(entries)} recovery instances were not reversed: "
                                      + "; ".join(f"{e['recovery_instance_id']}: {e['error']}" for e in failed),
                                  remediation=per_instance_remediation(failed), **out)
        self.module.exit_json(**out)

    def wait(self, entries):
        params = self.params
        behind = replication_wait.wait_until_caught_up(
            [e for e in entries if e.get("reversed_source_server_id") and not e.get("error")], lambda region: self.origin_client("drs", region),
            "reversed_source_server_id", "reversed_region", params["max_lag_seconds"], params["wait_timeout"], params["poll_interval"])
        for e in behind:
            if not params["fail_on_timeout"]:
                e["waiting"] = True
                continue
            e.update(error=f"Reversed server {e['reversed_source_server_id']} is {e['replication_state']} with lag "
                           f"{e['lag_seconds']} s after {params['wait_timeout']} s.",
                     remediation="Check the recovery instance's network path to the origin Region's DRS endpoint (TCP 443) "
                                 "and wait longer (wait_timeout).")


def main():
    argument_spec = dict(
        recovery_instance_ids=dict(type="list", elements="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        wait=dict(type="bool", default=False),
        max_lag_seconds=dict(type="int", default=60),
        wait_timeout=dict(type="int", default=3600),
        poll_interval=dict(type="int", default=30),
        expected_private_ips=dict(type="dict", default={}),
        expected_staging_account_id=dict(type="str"),
        require_stopped_originals=dict(type="bool", default=False),
        progress_interval=dict(type="int", default=0),
        fail_on_timeout=dict(type="bool", default=True),
        label=dict(type="str", default="reverse replication"),
        origin_assume_role=ASSUME_ROLE_SPEC,
    )
    module = AnsibleElasticDrAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    try:
        Reverser(module).run()
    except AnsibleAWSError as e:
        module.fail_aws(e)


if __name__ == "__main__":
    main()
