# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
module: drs_start_recovery
short_description: Start DRS drill or recovery jobs for a wave, within quotas, never twice
version_added: 0.1.0
description:
  - Checks every source server first (exists, replication state and lag, launch configuration launches into a
    target, that target stopped and tagged, not already in another job) and refuses the ones that are not ready,
    each with a remediation; the task fails before starting anything unless O(allow_partial=true).
  - Splits the ready servers into jobs of at most O(max_servers_per_job) (DRS allows 100) and waits for room
    when the account is at 20 concurrent jobs or 500 servers in active jobs, instead of failing.
  - Idempotent across interruption. Jobs are tagged with O(run_id); servers already in an active or completed
    job of the same run are not started again, and those jobs are returned with RV(reused).
  - Before starting, tags each launch-into target's current EBS volumes C(elastic_dr:original-of=<instance>) and
    C(elastic_dr:original-device=<device>), so a drill clean-up (M(elastic_dr.orchestrator.drs_recovery_instance)
    O(elastic_dr.orchestrator.drs_recovery_instance#module:state=reset)) can put them back.
  - Job tags only tag the job. Whether conversion runs is the launch configuration's C(recoveryMode).
author:
  - Elastic DR orchestrator contributors (@elastic-dr)
options:
  source_server_ids:
    description: The wave's source servers.
    type: list
    elements: str
    required: true
  mode:
    description: C(drill) launches drill instances; C(recovery) is a real failover. There is no default.
    type: str
    choices: [drill, recovery]
    required: true
  run_id:
    description: Identifies this run. Jobs carry it in the tag C(elastic_dr:run_id); a re-run with the same value resumes.
    type: str
    required: true
  recovery_snapshot_ids:
    description: Point in time per source server (C(source_server_id) -> C(pit-...)); default is the latest data.
    type: dict
    default: {}
  allowed_replication_states:
    description: Replication states a server may be in to be started.
    type: list
    elements: str
    default: [CONTINUOUS]
  max_lag_seconds:
    description: Refuse servers whose replication lag is above this many seconds.
    type: int
  expect_launch_into:
    description: Refuse a server whose launch configuration does not launch into an existing instance, or whose target is not stopped and tagged.
    type: bool
    default: true
  max_servers_per_job:
    description: Servers per StartRecovery call (at most 100).
    type: int
    default: 100
  allow_partial:
    description: Start the ready servers even when some are refused (the refused ones are still reported).
    type: bool
    default: false
  tags:
    description: Extra tags for the jobs.
    type: dict
    default: {}
  quota_wait_timeout:
    description: Seconds to wait for quota room before failing.
    type: int
    default: 3600
  poll_interval:
    description: Seconds between checks while waiting for quota room.
    type: int
    default: 15
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - elastic_dr.orchestrator.assume_role
attributes:
  check_mode:
    support: full
    description: Reports the jobs it would start; makes no mutating call.
  diff_mode:
    support: none
    description: Starting a job is not a configuration change.
"""

EXAMPLES = r"""
- name: Drill wave 2 (the jobs are tagged with the run ID; a re-run resumes)
  elastic_dr.orchestrator.drs_start_recovery:
    source_server_ids: "{{ match.pairs | map(attribute='source_server_id') | list }}"
    mode: drill
    run_id: "{{ dr_run_id }}"
  register: started
"""

RETURN = r"""
jobs:
  description: Jobs of this run for these servers, started now or found from an earlier attempt.
  returned: always
  type: list
  elements: dict
  contains:
    job_id: {description: The DRS job (null in check mode for a job not started)., type: str, returned: always}
    source_server_ids: {description: Servers in the job., type: list, elements: str, returned: always}
    status: {description: "PENDING, STARTED or COMPLETED (C(would_start) in check mode).", type: str, returned: always}
    reused: {description: Found from an earlier attempt of this run., type: bool, returned: always}
started:
  description: Servers started by this task.
  returned: always
  type: list
  elements: str
reused:
  description: Servers already in a job of this run (not started again).
  returned: always
  type: list
  elements: str
refused:
  description: Servers not started, each with C(source_server_id), C(reason) and C(remediation).
  returned: always
  type: list
  elements: dict
"""

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import drs
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import ec2
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import validation
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.errors import error_code
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.modules import AnsibleElasticDrAWSModule
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.polling import Deadline

RUN_TAG = "elastic_dr:run_id"
MAX_PER_JOB = 100
MAX_CONCURRENT_JOBS = 20
MAX_SERVERS_IN_JOBS = 500


def refusal(sid, reason, remediation):
    return {"source_server_id": sid, "reason": reason, "remediation": remediation}


class RecoveryStarter:
    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.client = module.clients.client("drs")
        self.ec2 = module.clients.client("ec2")
        self.target_of = {}

    def run_jobs(self, jobs):
        return [j for j in jobs if j.get("type") == "LAUNCH" and (j.get("tags") or {}).get(RUN_TAG) == self.params["run_id"]]

    def remember_originals(self, sids):
        """Tag the targets' original volumes (drill clean-up puts them back); idempotent."""
        instances = [self.target_of[sid] for sid in sids if sid in self.target_of]
        if instances:
            ec2.remember_original_volumes(self.ec2, instances, self.params["run_id"], check_mode=self.module.check_mode)

    def readiness(self, sids, busy):
        """Refusals for servers that must not be started now."""
        params = self.params
        servers = {s["sourceServerID"]: s for s in drs.describe_source_servers(self.client, sids)}
        refused = []
        ready = []
        for sid in sids:
            server = servers.get(sid)
            if server is None:
                refused.append(refusal(sid, f"Source server {sid} does not exist in {self.module.region}.",
                                       "Check the ID and that the task runs in the recovery account and Region."))
                continue
            if sid in busy:
                refused.append(refusal(sid, f"Source server {sid} is already in active job {busy[sid]} of another run.",
                                       f"Wait for job {busy[sid]} to finish (drs_job_wait) or run again with its run_id."))
                continue
            state = (server.get("dataReplicationInfo") or {}).get("dataReplicationState")
            if state not in params["allowed_replication_states"]:
                refused.append(refusal(sid, f"Source server {sid} replication is {state}, not one of {params['allowed_replication_states']}.",
                                       f"Wait until {sid} replicates (CONTINUOUS): check its agent and network, or widen allowed_replication_states."))
                continue
            lag = validation.lag_seconds(server)
            if params.get("max_lag_seconds") is not None and (lag is None or lag > params["max_lag_seconds"]):
                refused.append(refusal(sid, f"Source server {sid} lag is {lag} s, above max_lag_seconds {params['max_lag_seconds']}.",
                                       f"Wait for {sid} to catch up, or raise max_lag_seconds if that data loss is acceptable."))
                continue
            ready.append(server)
        if not params["expect_launch_into"] or not ready:
            return [s["sourceServerID"] for s in ready], refused
        with ThreadPoolExecutor(max_workers=8) as pool:
            configs = dict(zip([s["sourceServerID"] for s in ready],
                               pool.map(lambda s: drs.get_launch_configuration(self.client, s["sourceServerID"]), ready)))
        targets = {i["InstanceId"]: i for i in ec2.describe_instances_by_id(self.ec2, [drs.launch_into_target(c) for c in configs.values()])}
        ok = []
        for server in ready:
            sid = server["sourceServerID"]
            target_id = drs.launch_into_target(configs.get(sid))
            if not target_id:
                refused.append(refusal(sid, f"Source server {sid} does not launch into an existing instance.",
                                       "Configure it with drs_launch_into_config, or set expect_launch_into=false for a plain launch."))
                continue
            checks = validation.target_checks(server, targets.get(target_id), recovery_account=drs.server_account(server),
                                              recovery_region=drs.server_region(server), stopped_severity="error")
            bad = [c for c in validation.blocking(checks) if c["check"] != "target_unclaimed"]
            if bad:
                refused.append(refusal(sid, "; ".join(c["message"] for c in bad), " ".join(c["remediation"] for c in bad)))
                continue
            ok.append(sid)
            self.target_of[sid] = targets[target_id]
        return ok, refused

    def wait_for_room(self, size):
        """Block until DRS quotas leave room for a job of ``size`` servers."""
        deadline = Deadline(self.params["quota_wait_timeout"], self.params["poll_interval"])
        while True:
            active = [j for j in drs.describe_jobs(self.client) if j.get("status") != "COMPLETED"]
            in_jobs = sum(len(j.get("participatingServers") or []) for j in active)
            if len(active) < MAX_CONCURRENT_JOBS and in_jobs + size <= MAX_SERVERS_IN_JOBS:
                return
            if not deadline.sleep():
                self.module.fail_json(
                    msg=f"No DRS quota room for {size} more servers after {self.params['quota_wait_timeout']} s "
                        f"({len(active)} active jobs, {in_jobs} servers in them).",
                    remediation="Wait for running jobs to finish, or raise quota_wait_timeout.", **self.result)

    def run(self):
        params = self.params
        if not 1 <= params["max_servers_per_job"] <= MAX_PER_JOB:
            self.module.fail_json(msg=f"max_servers_per_job must be between 1 and {MAX_PER_JOB}.",
                                  remediation="DRS allows at most 100 source servers per job.")
        sids = list(dict.fromkeys(params["source_server_ids"]))
        jobs = drs.describe_jobs(self.client)
        mine = self.run_jobs(jobs)
        reused_ids = {}
        out_jobs = []
        for job in sorted(mine, key=lambda j: j["jobID"]):
            members = [p["sourceServerID"] for p in job.get("participatingServers") or [] if p["sourceServerID"] in sids]
            if members:
                out_jobs.append({"job_id": job["jobID"], "source_server_ids": members, "status": job["status"], "reused": True})
                for sid in members:
                    reused_ids[sid] = job["jobID"]
        busy = {p["sourceServerID"]: j["jobID"] for j in jobs if j.get("status") != "COMPLETED" and j not in mine
                for p in j.get("participatingServers") or []}
        todo = [sid for sid in sids if sid not in reused_ids]
        ready, refused = self.readiness(todo, busy) if todo else ([], [])
        self.result = {"jobs": out_jobs, "started": [], "reused": sorted(reused_ids), "refused": refused}
        if refused and not params["allow_partial"]:
            self.module.fail_json(
                msg=f"{len(refused)} of {len(sids)} source servers are not ready; nothing was started: "
                    + "; ".join(r["reason"] for r in refused),
                remediation="Fix each server in refused[] (see its remediation), or set allow_partial=true to start the ready ones.",
                changed=False, **self.result)
        if ready and params["expect_launch_into"]:
            self.remember_originals(ready)
        size = params["max_servers_per_job"]
        chunks = [ready[i:i + size] for i in range(0, len(ready), size)]
        tags = dict(params["tags"] or {})
        tags.update({RUN_TAG: params["run_id"], "elastic_dr:mode": params["mode"]})
        for chunk in chunks:
            if self.module.check_mode:
                out_jobs.append({"job_id": None, "source_server_ids": chunk, "status": "would_start", "reused": False})
                self.result["started"].extend(chunk)
                continue
            self.wait_for_room(len(chunk))
            job = self.start(chunk, tags)
            out_jobs.append({"job_id": job["jobID"], "source_server_ids": chunk, "status": job["status"], "reused": False})
            self.result["started"].extend(chunk)
        self.module.exit_json(changed=bool(self.result["started"]), **self.result)

    def start(self, chunk, tags):
        deadline = Deadline(self.params["quota_wait_timeout"], self.params["poll_interval"])
        while True:
            try:
                return drs.start_recovery(self.client, chunk, self.params["mode"] == "drill", tags, self.params["recovery_snapshot_ids"])
            except AnsibleAWSError as e:
                # a quota race with another tool: wait for room and try again
                if error_code(e) != "ServiceQuotaExceededException" or not deadline.sleep():
                    self.module.fail_aws(e, **self.result)


def main():
    argument_spec = dict(
        source_server_ids=dict(type="list", elements="str", required=True),
        mode=dict(type="str", choices=["drill", "recovery"], required=True),
        run_id=dict(type="str", required=True),
        recovery_snapshot_ids=dict(type="dict", default={}),
        allowed_replication_states=dict(type="list", elements="str", default=["CONTINUOUS"]),
        max_lag_seconds=dict(type="int"),
        expect_launch_into=dict(type="bool", default=True),
        max_servers_per_job=dict(type="int", default=100),
        allow_partial=dict(type="bool", default=False),
        tags=dict(type="dict", default={}),
        quota_wait_timeout=dict(type="int", default=3600),
        poll_interval=dict(type="int", default=15),
    )
    module = AnsibleElasticDrAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    try:
        RecoveryStarter(module).run()
    except AnsibleAWSError as e:
        module.fail_aws(e)


if __name__ == "__main__":
    main()
