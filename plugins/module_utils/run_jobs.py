# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The jobs of a run, as DRS shows them: which servers a new attempt of the run reuses, retries or looks up.

Pure logic over DescribeJobs items (no AWS call), shared by drs_start_recovery and drs_job_wait:
- a server's state in the run is the one of its latest job of the run (a retried launch supersedes the failed one);
- a server whose latest job ended (COMPLETED) without launching it is started again by the next attempt, a server
  that launched (LAUNCHED, or TERMINATED: launched, then cleaned up) or whose job still runs is never started again;
- after a StartRecovery whose answer was lost, the run's jobs that were not there before name what DRS started.
"""

RUN_TAG = "elastic_dr:run_id"
# In a COMPLETED job these launch statuses mean the server was not launched: the next attempt of the run retries it.
NOT_LAUNCHED = ("FAILED", "PENDING", "IN_PROGRESS")


def of_run(jobs, run_id):
    """The LAUNCH jobs tagged with ``run_id``."""
    return [j for j in jobs or [] if j.get("type") == "LAUNCH" and (j.get("tags") or {}).get(RUN_TAG) == run_id]


def _order(job):
    return (job.get("creationDateTime") or "", job.get("jobID") or "")


def latest_by_server(jobs, source_server_ids=None):
    """{source server ID: (job, participant)} from each server's latest job among ``jobs`` (creation time, then ID)."""
    wanted = None if source_server_ids is None else set(source_server_ids)
    latest = {}
    for job in sorted(jobs or [], key=_order):
        for participant in job.get("participatingServers") or []:
            sid = participant.get("sourceServerID")
            if wanted is None or sid in wanted:
                latest[sid] = (job, participant)
    return latest


def launch_failed(job, participant):
    """Whether the job ended without launching this server."""
    return job.get("status") == "COMPLETED" and participant.get("launchStatus") in NOT_LAUNCHED


def reuse_or_retry(jobs, source_server_ids):
    """({sid: job ID} to reuse, {sid: earlier job ID} to start again) for the servers already in a job of the run."""
    reuse, retry = {}, {}
    for sid, (job, participant) in latest_by_server(jobs, source_server_ids).items():
        (retry if launch_failed(job, participant) else reuse)[sid] = job["jobID"]
    return reuse, retry


def started_since(jobs, source_server_ids, known_job_ids):
    """The run's jobs not in ``known_job_ids`` that hold any of these servers: what a StartRecovery whose answer was
    lost started."""
    wanted = set(source_server_ids)
    return [j for j in sorted(jobs or [], key=_order) if j.get("jobID") not in set(known_job_ids)
            and wanted & {p.get("sourceServerID") for p in j.get("participatingServers") or []}]


def answer_may_be_lost(exception):
    """Whether a failed call may still have been carried out: no answer at all (connection, timeout) or a 5xx.

    A 4xx answer (validation, conflict, quota, access) is a refusal: nothing was done."""
    inner = getattr(exception, "exception", exception)
    response = getattr(inner, "response", None)
    if not isinstance(response, dict):
        return True
    status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
    return not isinstance(status, int) or status >= 500
