# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
module: drs_job_wait
short_description: Wait for DRS jobs and verify each server came up in the intended instance with the intended IP
version_added: 0.1.0
description:
  - Polls DRS until every job is C(COMPLETED) (DRS has no FAILED job status; each server's C(launchStatus) says
    how it went), then collects each server's recovery instance, its EC2 state and private IP, and the job log
    (a C(LAUNCH_FAILED) C(rawError) becomes the server's error).
  - Verifies identity, the EC2 instance ID equals the intended target, and IP preservation, the private IP
    equals the target's; a mismatch is a failure with remediation.
  - For visible progress in long waits set O(progress_interval); the task then waits in rounds of that many seconds
    and prints RV(summary.progress) with the elapsed time after each round, in one task however long the wait (the
    rounds are a loop in the action plugin, not nested includes).
author:
  - Elastic DR orchestrator contributors (@elastic-dr)
options:
  job_ids:
    description: The jobs to wait for.
    type: list
    elements: str
    required: true
  expected:
    description:
      - Per source server, the intended C(target_instance_id) and C(target_private_ip). The C(pairs) of
        M(elastic_dr.orchestrator.drs_instance_match) can be passed as they are.
    type: list
    elements: dict
    default: []
  timeout:
    description: Seconds to wait in this call.
    type: int
    default: 3600
  poll_interval:
    description: Seconds between polls.
    type: int
    default: 30
  fail_on:
    description: C(any) fails when any server failed or mismatched; C(critical) only for the O(critical) servers; C(none) never.
    type: str
    choices: [any, critical, none]
    default: any
  critical:
    description: Source servers that must succeed when O(fail_on=critical).
    type: list
    elements: str
    default: []
  fail_on_timeout:
    description: Fail when the jobs have not completed within O(timeout); false returns C(done=false) for another round.
    type: bool
    default: true
  progress_interval:
    description:
      - Seconds per progress round; C(0) waits in one round without progress lines.
      - Each round is one run of the module (O(fail_on_timeout=false) until the last round); the rounds stop when every
        job completed, a round failed, or O(timeout) passed. The result is the last round's, with RV(rounds).
    type: int
    default: 0
  label:
    description: Prefix of the progress message, for example C(wave 2).
    type: str
    default: jobs
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - elastic_dr.orchestrator.assume_role
  - elastic_dr.orchestrator.attributes.read_only
"""

EXAMPLES = r"""
- name: Wait for the wave and verify identity and IP
  elastic_dr.orchestrator.drs_job_wait:
    job_ids: "{{ started.jobs | map(attribute='job_id') | list }}"
    expected: "{{ match.pairs }}"
    label: wave 2
"""

RETURN = r"""
rounds:
  description: How many progress rounds the task waited (with O(progress_interval)).
  returned: when O(progress_interval) is set
  type: int
  sample: 12
done:
  description: Every job completed.
  returned: always
  type: bool
servers:
  description: One entry per participating source server, from its latest job when it is in several (a retried launch).
  returned: always
  type: list
  elements: dict
  contains:
    source_server_id: {description: The source server., type: str, returned: always}
    job_id: {description: Its job., type: str, returned: always}
    status: {description: "launched, failed, identity_mismatch, ip_mismatch, in_progress or pending.", type: str, returned: always}
    launch_status: {description: DRS launchStatus., type: str, returned: always}
    phase: {description: "Where a server in progress is, from the job log: queued, snapshot, conversion or launch.", type: str, returned: when in progress}
    job_created_at: {description: When the server's job was created., type: str, returned: always}
    recovery_instance_id: {description: The DRS recovery instance., type: str, returned: when launched}
    ec2_instance_id: {description: The EC2 instance it runs in., type: str, returned: when launched}
    ec2_state: {description: That instance's state., type: str, returned: when launched}
    private_ip: {description: Its private IP., type: str, returned: when launched}
    identity_preserved: {description: "EC2 instance ID equals the intended target (null without an expectation).", type: bool, returned: always}
    ip_preserved: {description: "Private IP equals the intended one (null without an expectation).", type: bool, returned: always}
    launched_at: {description: When the recovery instance came up (DRS time)., type: str, returned: when launched}
    duration_s: {description: Seconds from job creation to launch., type: float, returned: when launched}
    error: {description: What went wrong., type: str, returned: on failure}
    remediation: {description: What to do about it., type: str, returned: on failure}
jobs:
  description: Per job, C(job_id), C(status), C(created_at), C(ended_at), C(duration_s).
  returned: always
  type: list
  elements: dict
summary:
  description: Counts per status and a one-line C(progress) message.
  returned: always
  type: dict
  contains:
    progress:
      description: "One line for people, for example C(wave 2: 37/100 launched, 1 failed, 62 in progress (20 snapshot, 30 conversion,
        12 launch), ETA 4:10)."
      type: str
      returned: always
    eta_s:
      description: Seconds until the last server in progress should be launched (the median launch time of the servers already
        launched, from each job's creation); null before the first launch or when none is in progress.
      type: float
      returned: always
    eta_at: {description: When that is (DRS's clock)., type: str, returned: always}
  sample: {total: 100, launched: 97, failed: 2, mismatched: 1, in_progress: 0, progress: "wave 2: 97/100 launched, 3 failed"}
"""


from datetime import datetime
from datetime import timezone

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import drs
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import ec2
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import job_phases
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import run_jobs
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.modules import AnsibleElasticDrAWSModule
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.polling import Deadline
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.records import SERVER_FAILED, mmss, parse_time, seconds_between

FAILED_EVENTS = ("LAUNCH_FAILED", "SERVER_SKIPPED", "SNAPSHOT_FAIL", "CONVERSION_FAIL", "CLEANUP_FAIL",
                 "USING_PREVIOUS_SNAPSHOT_FAILED")
NOT_RUNNING = ("stopping", "stopped", "shutting-down", "terminated")


class JobWaiter:
    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.client = module.clients.client("drs")
        self.ec2 = module.clients.client("ec2")

    def poll(self):
        deadline = Deadline(self.params["timeout"], self.params["poll_interval"])
        polls = 0
        while True:
            jobs = drs.describe_jobs(self.client, self.params["job_ids"])
            polls += 1
            missing = len(jobs) < len(set(self.params["job_ids"]))
            done = not missing and all(j.get("status") == "COMPLETED" for j in jobs)
            if missing and polls >= 2:  # a job DRS does not know will not appear by waiting (one retry for consistency)
                return jobs, False
            if done or not deadline.sleep():
                return jobs, done

    def run(self):
        params = self.params
        expected = {e["source_server_id"]: e for e in params["expected"] if e.get("source_server_id")}
        jobs, done = self.poll()
        found = {j["jobID"] for j in jobs}
        missing = [j for j in params["job_ids"] if j not in found]
        entries = []
        # A server in several of these jobs (a failed launch retried by a later job of the run) is judged by its latest.
        latest = {sid: job["jobID"] for sid, (job, _p) in run_jobs.latest_by_server(jobs).items()}
        for job in sorted(jobs, key=lambda j: j["jobID"]):
            for p in job.get("participatingServers") or []:
                if latest.get(p["sourceServerID"]) != job["jobID"]:
                    continue
                entries.append({"source_server_id": p["sourceServerID"], "job_id": job["jobID"],
                                "launch_status": p.get("launchStatus"), "recovery_instance_id": p.get("recoveryInstanceID")})
        sids = [e["source_server_id"] for e in entries]
        launched = [e for e in entries if e["launch_status"] == "LAUNCHED"]
        ris = {}
        if launched:
            for ri in drs.describe_recovery_instances(self.client, source_server_ids=[e["source_server_id"] for e in launched]):
                ris[ri["sourceServerID"]] = ri
        instances = {i["InstanceId"]: i for i in ec2.describe_instances_by_id(self.ec2, [ri.get("ec2InstanceID") for ri in ris.values()])}
        # Every job's log: the errors of failed launches and, for servers still in progress, their phase.
        logs = {job["jobID"]: drs.describe_job_log_items(self.client, job["jobID"]) for job in jobs}
        by_job = {j["jobID"]: j for j in jobs}
        for entry in entries:
            self.describe(entry, by_job[entry["job_id"]], ris.get(entry["source_server_id"]), instances, logs.get(entry["job_id"], []),
                          expected.get(entry["source_server_id"]))
            entry["job_created_at"] = by_job[entry["job_id"]].get("creationDateTime")
            if entry["status"] in ("pending", "in_progress"):
                entry["phase"] = job_phases.phases(logs.get(entry["job_id"])).get(entry["source_server_id"], "queued")
        counts = {}
        for entry in entries:
            counts[entry["status"]] = counts.get(entry["status"], 0) + 1
        mismatched = counts.get("identity_mismatch", 0) + counts.get("ip_mismatch", 0)
        bad = [e for e in entries if e["status"] in SERVER_FAILED]
        waiting = len(entries) - counts.get("launched", 0) - len(bad)
        progress = f"{params['label']}: {counts.get('launched', 0)}/{len(entries)} launched"
        if bad:
            progress += f", {len(bad)} failed"
        eta_s, eta_at = None, None
        if waiting:
            progress += f", {waiting} in progress ({job_phases.phase_text(entries)})"
            # DRS's clock, not ours: the latest moment DRS reported (the lab runs its clock faster than ours).
            seen = [t for t in [datetime.now(timezone.utc).isoformat()] + [j.get("creationDateTime") for j in jobs]
                    + [i.get("logDateTime") for log in logs.values() for i in log] if t]
            eta_s, eta_at = job_phases.eta(entries, max(seen, key=lambda t: parse_time(t) or datetime.min.replace(tzinfo=timezone.utc)))
            progress += f", ETA {mmss(eta_s)}" if eta_s is not None else ", ETA after the first launch"
        summary = {"total": len(entries), "launched": counts.get("launched", 0), "failed": counts.get("failed", 0),
                   "mismatched": mismatched, "in_progress": waiting, "progress": progress, "eta_s": eta_s, "eta_at": eta_at,
                   "identity_verified": sum(1 for e in entries if e.get("identity_preserved") is True),
                   "ip_verified": sum(1 for e in entries if e.get("ip_preserved") is True)}
        job_out = [{"job_id": j["jobID"], "status": j.get("status"), "created_at": j.get("creationDateTime"),
                    "ended_at": j.get("endDateTime"), "duration_s": seconds_between(j.get("creationDateTime"), j.get("endDateTime")),
                    "type": j.get("type"), "initiated_by": j.get("initiatedBy")} for j in sorted(jobs, key=lambda j: j["jobID"])]
        out = {"changed": False, "done": done and not missing, "servers": entries, "jobs": job_out, "summary": summary}
        if missing:
            self.module.fail_json(msg=f"DRS does not know jobs {', '.join(missing)} in {self.module.region}.",
                                  remediation="Check the job IDs and that the task runs in the Region where they were started.", **out)
        if not done:
            if params["fail_on_timeout"]:
                stragglers = ", ".join(f"{e['source_server_id']} ({e['launch_status']})" for e in entries if e["status"] in ("pending", "in_progress"))
                self.module.fail_json(msg=f"Timed out after {params['timeout']} s: {progress}. Still waiting for: {stragglers}.",
                                      remediation="Look at the jobs in the DRS console or drs_job_info; run drs_job_wait again to keep waiting.",
                                      **out)
            self.module.exit_json(**out)
        if params["fail_on"] == "any":
            blocking = bad
        elif params["fail_on"] == "critical":
            blocking = [e for e in bad if e["source_server_id"] in set(params["critical"])]
        else:
            blocking = []
        if blocking:
            self.module.fail_json(msg=f"{progress}. Failed: " + "; ".join(f"{e['source_server_id']}: {e['error']}" for e in blocking),
                                  remediation="See servers[].remediation for each failed server.", **out)
        self.module.exit_json(**out)

    @staticmethod
    def describe(entry, job, ri, instances, log, want):
        sid = entry["source_server_id"]
        status = entry["launch_status"]
        entry.update(identity_preserved=None, ip_preserved=None, expected_instance_id=(want or {}).get("target_instance_id"),
                     expected_private_ip=(want or {}).get("target_private_ip"))
        for item in log:
            data = item.get("eventData") or {}
            if data.get("sourceServerID") != sid:
                continue
            if item.get("event") == "LAUNCH_START":
                entry["launch_started_at"] = item.get("logDateTime")
            if item.get("event") in FAILED_EVENTS and status == "FAILED":
                entry["error"] = f"{item['event']}: {data.get('rawError') or 'no detail from DRS'}"
        if status == "FAILED":
            entry["status"] = "failed"
            entry.setdefault("error", "DRS reports launchStatus FAILED without a log item.")
            entry["remediation"] = (f"Read the job log of {job['jobID']} for {sid}, fix the cause (target stopped and tagged, "
                                    "capacity, replication), then start a new job for this server.")
            return
        if status != "LAUNCHED":
            entry["status"] = "pending" if status == "PENDING" else "in_progress"
            return
        if ri is None or ri.get("jobID") not in (None, job["jobID"]):
            entry.update(status="failed", error=f"DRS reports {sid} LAUNCHED but lists no recovery instance from job {job['jobID']}.",
                         remediation="Describe the recovery instances of this server; run the wait again in a minute.")
            return
        instance = instances.get(ri.get("ec2InstanceID")) or {}
        entry.update(recovery_instance_id=ri.get("recoveryInstanceID"), ec2_instance_id=ri.get("ec2InstanceID"),
                     ec2_state=(instance.get("State") or {}).get("Name"), private_ip=instance.get("PrivateIpAddress"),
                     is_drill=ri.get("isDrill"))
        launched_at = (ri.get("recoveryInstanceProperties") or {}).get("lastUpdatedDateTime") or job.get("endDateTime")
        entry["launched_at"] = launched_at
        entry["duration_s"] = seconds_between(job.get("creationDateTime"), launched_at)
        entry["status"] = "launched"
        if entry["ec2_state"] in NOT_RUNNING:
            # The job launched it, but it does not run now (stopped or terminated since): the server runs nowhere here.
            entry.update(status="failed",
                         error=f"DRS launched {sid} into {entry['ec2_instance_id']}, but that instance is {entry['ec2_state']} now.",
                         remediation=f"Find out who stopped {entry['ec2_instance_id']} (CloudTrail); start it, or start a new recovery "
                                     f"job for {sid}. Until then this server runs nowhere in this Region.")
            return
        if entry["expected_instance_id"]:
            entry["identity_preserved"] = entry["ec2_instance_id"] == entry["expected_instance_id"]
            if not entry["identity_preserved"]:
                entry.update(status="identity_mismatch",
                             error=f"{sid} came up in {entry['ec2_instance_id']}, not in the intended {entry['expected_instance_id']}.",
                             remediation=f"Check the launch configuration of {sid} (drs_launch_into_config) and that "
                                         f"{entry['expected_instance_id']} was stopped and tagged; the server now runs in "
                                         f"{entry['ec2_instance_id']}.")
                return
        if entry["expected_private_ip"]:
            entry["ip_preserved"] = entry["private_ip"] == entry["expected_private_ip"]
            if not entry["ip_preserved"]:
                entry.update(status="ip_mismatch",
                             error=f"{sid} has private IP {entry['private_ip']}, expected {entry['expected_private_ip']}.",
                             remediation=f"Check the ENI of {entry['ec2_instance_id']}; clients of this server will not reach "
                                         f"it at {entry['expected_private_ip']}.")


def main():
    argument_spec = dict(
        job_ids=dict(type="list", elements="str", required=True),
        expected=dict(type="list", elements="dict", default=[]),
        timeout=dict(type="int", default=3600),
        poll_interval=dict(type="int", default=30),
        fail_on=dict(type="str", choices=["any", "critical", "none"], default="any"),
        critical=dict(type="list", elements="str", default=[]),
        fail_on_timeout=dict(type="bool", default=True),
        progress_interval=dict(type="int", default=0),
        label=dict(type="str", default="jobs"),
    )
    module = AnsibleElasticDrAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    try:
        JobWaiter(module).run()
    except AnsibleAWSError as e:
        module.fail_aws(e)


if __name__ == "__main__":
    main()
