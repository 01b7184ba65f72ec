# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
module: drs_recovery_instance
short_description: Clean up DRS recovery instances without ever destroying a launch-into target by accident
version_added: 0.1.0
description:
  - C(terminated) terminates ordinary recovery instances with TerminateRecoveryInstances (which also terminates the
    EC2 instance) and waits for the TERMINATE job. A recovery instance that was launched into a pre-provisioned or
    original instance is refused unless O(force=true).
  - C(reset) is the drill clean-up for launch-into targets. It stops the instance, puts back the volumes the launch
    displaced (recorded by M(elastic_dr.orchestrator.drs_start_recovery) with the tag C(elastic_dr:original-of)),
    deletes the drill volumes, and removes the DRS recovery instance record (disconnect, delete) without touching
    the EC2 instance, so the target is back exactly as before the drill.
  - C(disconnected) disconnects the recovery instances from DRS (stops their replication).
author:
  - Elastic DR orchestrator contributors (@elastic-dr)
options:
  recovery_instance_ids:
    description: Recovery instances in this Region.
    type: list
    elements: str
    required: true
  state:
    description: What to do with them.
    type: str
    choices: [terminated, disconnected, reset]
    required: true
  force:
    description: With O(state=terminated), also terminate instances that were launched into (pre-provisioned or original).
    type: bool
    default: false
  wait:
    description: Wait for TERMINATE jobs to complete.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for TERMINATE jobs.
      - With O(state=reset), O(progress_interval) and O(fail_on_timeout=false), no further instance is started after
        this many seconds; the instances not started are returned with C(waiting=true) (the progress rounds use it).
    type: int
    default: 1800
  poll_interval:
    description: Seconds between polls.
    type: int
    default: 15
  progress_interval:
    description:
      - With O(state=reset), reset in rounds of about this many seconds and print RV(summary.progress) with the elapsed
        time after each round, in one task however many instances. C(0) resets in one round without progress lines.
    type: int
    default: 0
  fail_on_timeout:
    description: With O(state=reset) and O(progress_interval), false makes a round stop starting instances after O(wait_timeout).
    type: bool
    default: true
  label:
    description: Prefix of the progress message, for example C(wave_01 drill clean-up).
    type: str
    default: clean-up
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - elastic_dr.orchestrator.assume_role
attributes:
  check_mode:
    support: full
    description: Reports the actions it would take; no mutating call.
  diff_mode:
    support: none
    description: Reports actions, not a configuration diff.
"""

EXAMPLES = r"""
- name: After a drill, put the pre-provisioned targets back exactly as they were
  elastic_dr.orchestrator.drs_recovery_instance:
    recovery_instance_ids: "{{ launched_into }}"
    state: reset

- name: Terminate ordinary drill instances
  elastic_dr.orchestrator.drs_recovery_instance:
    recovery_instance_ids: "{{ new_instances }}"
    state: terminated
"""

RETURN = r"""
instances:
  description: One entry per recovery instance.
  returned: always
  type: list
  elements: dict
  contains:
    recovery_instance_id: {description: The recovery instance., type: str, returned: always}
    launched_into: {description: It runs in a pre-provisioned or original instance., type: bool, returned: when found}
    actions: {description: What was done (or would be in check mode)., type: list, elements: str, returned: always}
    changed: {description: Something was done., type: bool, returned: always}
    waiting: {description: Not started in this round (O(progress_interval))., type: bool, returned: when waiting}
    error: {description: Why not., type: str, returned: on failure}
    remediation: {description: What to do., type: str, returned: on failure}
done:
  description: False when a reset round left instances for the next round.
  returned: always
  type: bool
summary:
  description: Counts and a one-line C(progress) message of a reset.
  returned: with O(state=reset)
  type: dict
  contains:
    total: {description: Instances in the task., type: int, returned: always}
    put_back: {description: Instances put back., type: int, returned: always}
    failed: {description: Instances with an error., type: int, returned: always}
    waiting: {description: Instances left for the next round., type: int, returned: always}
    progress: {description: The line printed after each round., type: str, returned: always}
  sample: {total: 24, put_back: 16, failed: 0, waiting: 8, progress: "wave_01 drill clean-up: 16/24 put back, 8 to go"}
jobs:
  description: TERMINATE jobs started.
  returned: always
  type: list
  elements: dict
"""

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import drs
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import ec2
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import progress_lines
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import validation
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.common import LAUNCH_INTO_TAG_KEY
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.errors import error_code
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.modules import AnsibleElasticDrAWSModule
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.polling import Deadline

MAX_PER_JOB = 100
RESET_WORKERS = 8  # instances reset in parallel (each: stop, swap volumes, remove the DRS record)


class Cleaner:
    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.client = module.clients.client("drs")
        self.ec2 = module.clients.client("ec2")
        self.check_mode = module.check_mode

    def originals(self, instance_ids):
        """{instance_id: {device: volume_id}} of the recorded original volumes."""
        found = {}
        ids = list(instance_ids)
        for start in range(0, len(ids), 200):
            for vol in ec2.describe_volumes(self.ec2, [{"Name": f"tag:{ec2.ORIGINAL_OF_TAG}", "Values": ids[start:start + 200]}]):
                tags = {t["Key"]: t["Value"] for t in vol.get("Tags") or []}
                found.setdefault(tags[ec2.ORIGINAL_OF_TAG], {})[tags.get(ec2.ORIGINAL_DEVICE_TAG)] = vol["VolumeId"]
        return found

    def launched_into(self, ri, instance, configs):
        """A launch-into recovery instance runs in an instance that existed before the launch."""
        if instance and ec2.tags_of(instance).get(LAUNCH_INTO_TAG_KEY):
            return True
        return drs.launch_into_target(configs.get(ri["sourceServerID"])) == ri.get("ec2InstanceID")

    def reset(self, entry, ri, instance, originals):
        iid = ri["ec2InstanceID"]
        want = originals.get(iid)
        if not want:
            entry.update(error=f"No recorded original volumes for {iid}; resetting could not restore them.",
                         remediation=f"Find {iid}'s original volumes (tag elastic_dr:original-of={iid} is written by drs_start_recovery) "
                                     "and re-attach them by hand, or remove only the DRS record (state=disconnected, then delete it).")
            return
        current = ec2.attached_volumes(instance) if instance else {}
        actions = entry["actions"]
        if instance and instance["State"]["Name"] != "stopped":
            actions.append(f"stop {iid}")
        swap = current != want
        if swap:
            for device, volume_id in sorted(current.items()):
                if volume_id not in want.values():
                    actions.append(f"detach and delete drill volume {volume_id} ({device})")
            for device, volume_id in sorted(want.items()):
                if current.get(device) != volume_id:
                    actions.append(f"attach original volume {volume_id} at {device}")
        actions.append(f"disconnect and delete DRS recovery instance record {ri['recoveryInstanceID']}")
        if self.check_mode:
            return
        if instance and instance["State"]["Name"] != "stopped":
            ec2.stop_instances(self.ec2, [iid])
        if swap:
            for device, volume_id in sorted(current.items()):
                if volume_id in want.values():
                    continue
                ec2.detach_volume(self.ec2, volume_id, iid, device)
                ec2.delete_volume(self.ec2, volume_id)
            for device, volume_id in sorted(want.items()):
                if current.get(device) != volume_id:
                    ec2.attach_volume(self.ec2, volume_id, iid, device)
        self.remove_record(entry, ri)

    def reset_one(self, entry, ri, instance, originals, deadline=None):
        if deadline is not None and deadline.expired():
            entry["waiting"] = True  # the next round starts it
            return
        try:
            self.reset(entry, ri, instance, originals)
        except AnsibleAWSError as e:
            entry.update(error=f"{e.message}: {e.exception}", remediation=validation.remediation_for(error_code(e)))

    def remove_record(self, entry, ri):
        rid = ri["recoveryInstanceID"]
        try:
            drs.disconnect_recovery_instance(self.client, rid)
            drs.delete_recovery_instance(self.client, rid)
        except AnsibleAWSError as e:
            entry.update(error=f"{e.message}: {e.exception}", remediation=(
                "If reversed replication was started from this instance, stop replication of the reversed source server and "
                "delete it first (failback clean-up order), then run again." if error_code(e) == "ConflictException"
                else validation.remediation_for(error_code(e))))

    def run(self):
        params = self.params
        rids = list(dict.fromkeys(params["recovery_instance_ids"]))
        ris = {r["recoveryInstanceID"]: r for r in drs.describe_recovery_instances(self.client, rids)}
        instances = {i["InstanceId"]: i for i in ec2.describe_instances_by_id(self.ec2, [r.get("ec2InstanceID") for r in ris.values()])}
        configs = {sid: drs.get_launch_configuration(self.client, sid) for sid in {r["sourceServerID"] for r in ris.values()}}
        originals = self.originals([r["ec2InstanceID"] for r in ris.values()]) if params["state"] == "reset" else {}
        entries, to_terminate, to_reset, jobs = [], [], [], []
        for rid in rids:
            entry = {"recovery_instance_id": rid, "actions": [], "changed": False}
            entries.append(entry)
            ri = ris.get(rid)
            if ri is None:
                entry["actions"].append("none: no such recovery instance (already cleaned up)")
                continue
            instance = instances.get(ri.get("ec2InstanceID"))
            entry["launched_into"] = self.launched_into(ri, instance, configs)
            entry["ec2_instance_id"] = ri.get("ec2InstanceID")
            if params["state"] == "terminated":
                if entry["launched_into"] and not params["force"]:
                    entry.update(error=f"{rid} runs in {ri.get('ec2InstanceID')}, an instance that was launched into "
                                       "(pre-provisioned or original); terminating would destroy it.",
                                 remediation="Use state=reset to put the instance back as it was, or force=true if you really "
                                             "mean to terminate it.")
                    continue
                entry["actions"].append(f"terminate {rid} and EC2 instance {ri.get('ec2InstanceID')}")
                to_terminate.append(rid)
            elif params["state"] == "disconnected":
                if (ri.get("dataReplicationInfo") or {}).get("dataReplicationState") == "DISCONNECTED":
                    continue
                entry["actions"].append(f"disconnect {rid}")
                if not self.check_mode:
                    try:
                        drs.disconnect_recovery_instance(self.client, rid)
                    except AnsibleAWSError as e:
                        entry.update(error=f"{e.message}: {e.exception}", remediation=validation.remediation_for(error_code(e)))
            else:
                if not entry["launched_into"]:
                    entry.update(error=f"{rid} was not launched into an existing instance; there is nothing to reset to.",
                                 remediation="Use state=terminated for ordinary recovery instances.")
                    continue
                to_reset.append((entry, ri, instance))
                continue
            entry["changed"] = bool(entry["actions"]) and not entry.get("error")
        in_rounds = params["progress_interval"] > 0 and not params["fail_on_timeout"] and not self.check_mode
        deadline = Deadline(params["wait_timeout"], 0) if in_rounds else None
        if to_reset:
            # One instance that cannot be reset does not strand the others: each failure stays with its entry.
            with ThreadPoolExecutor(max_workers=min(RESET_WORKERS, len(to_reset))) as pool:
                list(pool.map(lambda job: self.reset_one(*job, originals, deadline), to_reset))
        for entry, _ri, _instance in to_reset:
            entry["changed"] = bool(entry["actions"]) and not entry.get("error") and not entry.get("waiting")
        if to_terminate and not self.check_mode:
            jobs = self.terminate(to_terminate, entries)
        failed = [e for e in entries if e.get("error")]
        waiting = [e for e in entries if e.get("waiting")]
        out = {"changed": any(e["changed"] for e in entries), "instances": entries, "jobs": jobs, "done": not waiting}
        if params["state"] == "reset":
            out["summary"] = progress_lines.reset(entries, params["label"])
        if waiting:
            self.module.exit_json(**out)  # a progress round: the action plugin goes on with the instances left
        if failed:
            self.module.fail_json(msg=f"{len(failed)} of {len(entries)} recovery instances were not cleaned up: "
                                      + "; ".join(f"{e['recovery_instance_id']}: {e['error']}" for e in failed),
                                  remediation="See instances[].remediation.", **out)
        self.module.exit_json(**out)

    def terminate(self, rids, entries):
        jobs = []
        for start in range(0, len(rids), MAX_PER_JOB):
            job = drs.terminate_recovery_instances(self.client, rids[start:start + MAX_PER_JOB])
            jobs.append({"job_id": job["jobID"], "recovery_instance_ids": rids[start:start + MAX_PER_JOB], "status": job["status"]})
        if self.params["wait"]:
            deadline = Deadline(self.params["wait_timeout"], self.params["poll_interval"])
            while True:
                current = {j["jobID"]: j for j in drs.describe_jobs(self.client, [j["job_id"] for j in jobs])}
                for job in jobs:
                    job["status"] = current.get(job["job_id"], {}).get("status", job["status"])
                if all(j["status"] == "COMPLETED" for j in jobs):
                    break
                if not deadline.sleep():
                    for entry in entries:
                        if entry["recovery_instance_id"] in rids:
                            entry.update(error="The TERMINATE job did not complete in time.",
                                         remediation="Check the job in the DRS console; run again to keep waiting.")
                    break
            for job in jobs:
                for server in current.get(job["job_id"], {}).get("participatingServers") or []:
                    if server.get("launchStatus") not in ("TERMINATED", None):
                        for entry in entries:
                            if entry["recovery_instance_id"] == server.get("recoveryInstanceID"):
                                entry.update(error=f"TERMINATE job {job['job_id']} reports {server.get('launchStatus')}.",
                                             remediation="Read the job log (drs_job_info include_log=true) and terminate again.")
        return jobs


def main():
    argument_spec = dict(
        recovery_instance_ids=dict(type="list", elements="str", required=True),
        state=dict(type="str", choices=["terminated", "disconnected", "reset"], required=True),
        force=dict(type="bool", default=False),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=1800),
        poll_interval=dict(type="int", default=15),
        progress_interval=dict(type="int", default=0),
        fail_on_timeout=dict(type="bool", default=True),
        label=dict(type="str", default="clean-up"),
    )
    module = AnsibleElasticDrAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    try:
        Cleaner(module).run()
    except AnsibleAWSError as e:
        module.fail_aws(e)


if __name__ == "__main__":
    main()
