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
  - Idempotent across interruption. Jobs are tagged with O(run_id); a server launched (or still launching) in a job
    of the same run is not started again, and that job is returned with RV(reused). A server whose latest job of the
    run ended without launching it (launch FAILED) is started again, listed in RV(retried).
  - StartRecovery is not idempotent, so it is never repeated blindly. It is sent once (throttling aside); after an
    answer that may have been lost (a 5xx, no answer) the run's jobs are looked up by their tag, and only servers
    DRS shows in no new job of the run are sent again (at most 3 times).
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
  planned_targets:
    description:
      - The instance each server will launch into (C(source_server_id) -> C(i-...)), for check mode.
      - In check mode the launch-into configuration that a task before this one would write is not written, so DRS
        still shows the old one; a server listed here is checked against its planned target instead (stopped, tagged,
        same account, Region and architecture), and the preview says what the real run would start.
      - Ignored outside check mode, where DRS's launch configuration is the only truth.
    type: dict
    default: {}
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
    looked_up:
      description: Started by this task, but StartRecovery's answer was lost; the job was found by the run tag.
      type: bool
      returned: when started by this task
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
retried:
  description: Servers whose earlier launch in this run failed, started again, each with C(source_server_id) and C(failed_job_id).
  returned: always
  type: list
  elements: dict
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
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import run_jobs
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import validation
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.errors import error_code
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.modules import AnsibleElasticDrAWSModule
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.polling import Deadline

RUN_TAG = run_jobs.RUN_TAG
# StartRecovery attempts after answers that may have been lost (a 5xx, no answer) and no job of the run shows up.
START_ATTEMPTS = 3
LOOKUPS_PER_ATTEMPT = 2
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
        self.start_client = module.clients.client("drs", once=True)  # StartRecovery is never repeated blindly
        self.ec2 = module.clients.client("ec2")
        self.target_of = {}
        self.known_job_ids = set()

    def run_jobs(self, jobs):
        return run_jobs.of_run(jobs, self.params["run_id"])

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
        # Check mode: the launch-into configuration the run writes first was not written; judge the planned target.
        planned = (params.get("planned_targets") or {}) if self.module.check_mode else {}
        target_ids = {s["sourceServerID"]: planned.get(s["sourceServerID"]) or drs.launch_into_target(configs.get(s["sourceServerID"]))
                      for s in ready}
        targets = {i["InstanceId"]: i for i in ec2.describe_instances_by_id(self.ec2, list(target_ids.values()))}
        ok = []
        for server in ready:
            sid = server["sourceServerID"]
            target_id = target_ids.get(sid)
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
        self.known_job_ids = {j["jobID"] for j in mine}
        # A server launched (or still launching) in a job of this run is never started again; one whose latest job
        # of the run ended without launching it is started again (the cause may be fixed: capacity, target state).
        reused_ids, retried_ids = run_jobs.reuse_or_retry(mine, sids)
        out_jobs = []
        for job in sorted(mine, key=lambda j: j["jobID"]):
            members = [sid for sid in sids if reused_ids.get(sid) == job["jobID"]]
            if members:
                out_jobs.append({"job_id": job["jobID"], "source_server_ids": members, "status": job["status"], "reused": True})
        busy = {p["sourceServerID"]: j["jobID"] for j in jobs if j.get("status") != "COMPLETED" and j not in mine
                for p in j.get("participatingServers") or []}
        todo = [sid for sid in sids if sid not in reused_ids]
        ready, refused = self.readiness(todo, busy) if todo else ([], [])
        self.result = {"jobs": out_jobs, "started": [], "reused": sorted(reused_ids), "refused": refused,
                       "retried": [{"source_server_id": sid, "failed_job_id": retried_ids[sid]} for sid in sids if sid in retried_ids]}
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
            for job, members, looked_up in self.start(chunk, tags):
                out_jobs.append({"job_id": job["jobID"], "source_server_ids": members, "status": job["status"], "reused": False,
                                 "looked_up": looked_up})
                self.result["started"].extend(members)
        self.module.exit_json(changed=bool(self.result["started"]), **self.result)

    def started_since(self, chunk):
        """The run's jobs DRS shows for these servers that this task did not know yet (a lost answer's job)."""
        return run_jobs.started_since(self.run_jobs(drs.describe_jobs(self.client)), chunk, self.known_job_ids)

    def start(self, chunk, tags):
        """Start one job for ``chunk``; returns [(job, its servers of the chunk, looked_up)].

        StartRecovery is not idempotent: it is sent once (throttling aside). After a failure that may hide a started
        job (a 5xx, no answer) the run's jobs are looked up first; only servers DRS shows in no new job of the run
        are sent again, at most START_ATTEMPTS times."""
        deadline = Deadline(self.params["quota_wait_timeout"], self.params["poll_interval"])
        pause = Deadline(3600, min(self.params["poll_interval"], 5))
        out, todo, attempts = [], list(chunk), 0
        while todo:
            try:
                job = drs.start_recovery(self.start_client, todo, self.params["mode"] == "drill", tags, self.params["recovery_snapshot_ids"])
                self.known_job_ids.add(job["jobID"])
                return out + [(job, todo, False)]
            except AnsibleAWSError as e:
                if error_code(e) == "ServiceQuotaExceededException" and deadline.sleep():
                    continue  # a quota race with another tool: wait for room and try again
                if not run_jobs.answer_may_be_lost(e):
                    self.module.fail_aws(e, **self.result)
                attempts += 1
                found = []
                for lookup in range(LOOKUPS_PER_ATTEMPT):
                    found = self.started_since(todo)
                    if found or lookup == LOOKUPS_PER_ATTEMPT - 1:
                        break
                    pause.sleep()  # the job may take a moment to be listed
                for job in found:
                    members = [sid for sid in todo if sid in {p.get("sourceServerID") for p in job.get("participatingServers") or []}]
                    self.known_job_ids.add(job["jobID"])
                    self.module.warn(f"StartRecovery for {', '.join(members)} failed ({e}), but DRS shows job {job['jobID']} of run "
                                     f"{self.params['run_id']} with them: using that job, not starting them again.")
                    out.append((job, members, True))
                    todo = [sid for sid in todo if sid not in members]
                if todo and attempts >= START_ATTEMPTS:
                    self.result["jobs"].extend({"job_id": j["jobID"], "source_server_ids": m, "status": j["status"], "reused": False,
                                                "looked_up": True} for j, m, _looked in out)
                    self.result["started"].extend(sid for _j, m, _looked in out for sid in m)
                    msg = (f"StartRecovery for {', '.join(todo)} failed {attempts} times and DRS shows no job of run "
                           f"{self.params['run_id']} with them: they were not started ({e}).")
                    self.module.fail_json(
                        error_code=error_code(e), msg=msg,
                        remediation="Check the DRS service health in the Region (AWS Health Dashboard), then run again with the same run ID: "
                                    "the run's jobs are looked up first, nothing is started twice.", **self.result)
                if todo:
                    pause.sleep()
        return out


def main():
    argument_spec = dict(
        source_server_ids=dict(type="list", elements="str", required=True),
        mode=dict(type="str", choices=["drill", "recovery"], required=True),
        run_id=dict(type="str", required=True),
        recovery_snapshot_ids=dict(type="dict", default={}),
        allowed_replication_states=dict(type="list", elements="str", default=["CONTINUOUS"]),
        max_lag_seconds=dict(type="int"),
        expect_launch_into=dict(type="bool", default=True),
        planned_targets=dict(type="dict", default={}),
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
