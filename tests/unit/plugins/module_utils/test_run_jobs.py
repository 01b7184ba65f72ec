# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""plugins/module_utils/run_jobs.py: which servers a new attempt of a run reuses, retries or finds after a lost answer."""

from botocore.exceptions import ClientError, EndpointConnectionError

from plugins.module_utils import run_jobs


def job(job_id, created, status="COMPLETED", run="r1", **servers):
    return {"jobID": job_id, "type": "LAUNCH", "status": status, "creationDateTime": created, "tags": {run_jobs.RUN_TAG: run},
            "participatingServers": [{"sourceServerID": sid, "launchStatus": st} for sid, st in servers.items()]}


def test_only_launch_jobs_of_the_run_count():
    jobs = [job("drsjob-1", "2026-12-03T01:00:00Z", s_a="LAUNCHED"), job("drsjob-2", "2026-12-03T01:00:00Z", run="r2", s_a="LAUNCHED"),
            dict(job("drsjob-3", "2026-12-03T01:00:00Z", s_a="LAUNCHED"), type="TERMINATE")]
    assert [j["jobID"] for j in run_jobs.of_run(jobs, "r1")] == ["drsjob-1"]


def test_a_failed_launch_is_retried_and_a_launched_or_running_one_is_reused():
    jobs = [job("drsjob-1", "2026-12-03T01:00:00Z", s_a="LAUNCHED", s_b="FAILED", s_c="TERMINATED", s_d="PENDING"),
            job("drsjob-2", "2026-12-03T01:05:00Z", status="STARTED", s_e="PENDING")]
    reuse, retry = run_jobs.reuse_or_retry(jobs, ["s_a", "s_b", "s_c", "s_d", "s_e", "s_f"])
    assert reuse == {"s_a": "drsjob-1", "s_c": "drsjob-1", "s_e": "drsjob-2"}  # launched, cleaned-up drill, still running
    assert retry == {"s_b": "drsjob-1", "s_d": "drsjob-1"}  # ended without a launch
    assert "s_f" not in reuse and "s_f" not in retry  # never in the run: a plain start


def test_the_latest_job_decides_even_when_its_id_sorts_first():
    failed = job("drsjob-ff", "2026-12-03T01:00:00Z", s_a="FAILED")
    retried = job("drsjob-00", "2026-12-03T02:00:00Z", s_a="LAUNCHED")
    assert run_jobs.reuse_or_retry([failed, retried], ["s_a"]) == ({"s_a": "drsjob-00"}, {})
    failed_again = job("drsjob-11", "2026-12-03T03:00:00Z", s_a="FAILED")
    assert run_jobs.reuse_or_retry([failed, retried, failed_again], ["s_a"]) == ({}, {"s_a": "drsjob-11"})


def test_a_lost_answer_is_found_among_the_new_jobs_of_the_run_only():
    old = job("drsjob-1", "2026-12-03T01:00:00Z", s_a="LAUNCHED")
    new = job("drsjob-2", "2026-12-03T01:05:00Z", status="PENDING", s_b="PENDING", s_c="PENDING")
    other = job("drsjob-3", "2026-12-03T01:05:00Z", status="PENDING", s_d="PENDING")
    assert [j["jobID"] for j in run_jobs.started_since([old, new, other], ["s_a", "s_b"], {"drsjob-1"})] == ["drsjob-2"]
    assert run_jobs.started_since([old], ["s_a"], {"drsjob-1"}) == []


def _client_error(status, code):
    return ClientError({"Error": {"Code": code, "Message": "x"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "StartRecovery")


class Wrapped(Exception):
    def __init__(self, exception):
        super().__init__(str(exception))
        self.exception = exception


def test_only_a_4xx_answer_says_nothing_was_done():
    assert run_jobs.answer_may_be_lost(Wrapped(_client_error(500, "InternalServerException")))
    assert run_jobs.answer_may_be_lost(Wrapped(_client_error(503, "ServiceUnavailableException")))
    assert run_jobs.answer_may_be_lost(Wrapped(EndpointConnectionError(endpoint_url="https://drs")))
    assert not run_jobs.answer_may_be_lost(Wrapped(_client_error(409, "ConflictException")))
    assert not run_jobs.answer_may_be_lost(_client_error(400, "ValidationException"))
