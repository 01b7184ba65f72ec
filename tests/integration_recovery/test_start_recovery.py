"""drs_start_recovery through ansible-playbook against the lab: a 150-server wave in one task and its resume,
waiting for quota room instead of failing, and start + wait under DRS throttling and 5xx errors."""

from __future__ import annotations

from datetime import datetime

from recovery_helpers import clients, launch_into, mutating, ops, pairs, run_playbook


def when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_150_servers_in_one_task_make_two_jobs_and_a_rerun_starts_nothing(lab):
    truth = lab.fresh(150, time_scale=0)  # frozen clock: the jobs stay active between the two runs
    wave = pairs(truth["servers"])
    ids = [p["source_server_id"] for p in wave]

    first = run_playbook(lab, "start_wave.yml", {"pairs": wave, "run_id": "big-1", "configure": True})
    configured = first["Configure launch-into"]
    assert not configured.get("failed"), configured.get("msg")
    assert configured["summary"]["changed"] == 150 and configured["summary"]["failed"] == 0
    start = first["Start"]
    assert not start.get("failed"), start.get("msg")
    assert start["changed"] is True
    assert start["refused"] == [] and start["reused"] == []
    assert sorted(start["started"]) == sorted(ids)
    assert [len(j["source_server_ids"]) for j in start["jobs"]] == [100, 50]
    assert all(j["job_id"].startswith("drsjob-") and j["reused"] is False for j in start["jobs"])
    assert sorted(sid for j in start["jobs"] for sid in j["source_server_ids"]) == sorted(ids)
    assert len(ops(first.calls, "StartRecovery")) == 2 == len(ops(first.calls, "StartRecovery", 202))

    drs, _ = clients(lab)
    jobs = drs.describe_jobs(filters={})["items"]
    assert len(jobs) == 2
    assert all(j["tags"]["elastic_dr:run_id"] == "big-1" and j["initiatedBy"] == "START_DRILL" for j in jobs)
    assert sorted(p["sourceServerID"] for j in jobs for p in j["participatingServers"]) == sorted(ids)

    again = run_playbook(lab, "start_wave.yml", {"pairs": wave, "run_id": "big-1"})
    resumed = again["Start"]
    assert not resumed.get("failed"), resumed.get("msg")
    assert resumed["changed"] is False
    assert resumed["started"] == [] and resumed["refused"] == []
    assert sorted(resumed["reused"]) == sorted(ids) and len(resumed["reused"]) == 150
    assert {j["job_id"] for j in resumed["jobs"]} == {j["job_id"] for j in start["jobs"]}
    assert all(j["reused"] is True for j in resumed["jobs"])
    assert ops(again.calls, "StartRecovery") == []
    assert mutating(again.calls) == []
    assert len(drs.describe_jobs(filters={})["items"]) == 2


def test_waits_for_quota_room_instead_of_failing(lab):
    """25 single-server jobs: 20 run at once (quota L-D88FAC3A), the 21st waits for the first to end."""
    truth = lab.fresh(25, time_scale=0)
    drs, _ = clients(lab)
    launch_into(drs, truth["servers"])
    wave = pairs(truth["servers"])
    lab.set_scale(60)  # a job (about 335 simulated seconds) takes about 5.6 s

    run = run_playbook(lab, "start_wave.yml",
                       {"pairs": wave, "run_id": "quota", "max_servers_per_job": 1, "start_poll_interval": 1})
    start = run["Start"]
    assert not start.get("failed"), start.get("msg")
    assert "402" not in str(start) and "ServiceQuotaExceeded" not in str(start)
    assert start["changed"] is True and start["refused"] == []
    assert sorted(start["started"]) == sorted(p["source_server_id"] for p in wave)
    assert len(start["jobs"]) == 25 and all(len(j["source_server_ids"]) == 1 for j in start["jobs"])

    starts = ops(run.calls, "StartRecovery")
    assert len(starts) == 25 == len(ops(run.calls, "StartRecovery", 202))
    assert [c for c in run.calls if c["status"] == 402] == []
    # between the 20th and the 21st StartRecovery the module polled DescribeJobs until a job completed
    polls = [c for c in run.calls if starts[19]["seq"] < c["seq"] < starts[20]["seq"] and c["operation"] == "DescribeJobs"]
    assert len(polls) >= 2, polls

    lab.advance(3600)
    jobs = sorted(drs.describe_jobs(filters={})["items"], key=lambda j: when(j["creationDateTime"]))
    assert len(jobs) == 25 and all(j["status"] == "COMPLETED" for j in jobs)
    first_end = min(when(j["endDateTime"]) for j in jobs[:20])
    assert when(jobs[20]["creationDateTime"]) >= first_end, "the 21st job did not wait for room"
    for job in jobs:
        at = when(job["creationDateTime"])
        active = [j for j in jobs if when(j["creationDateTime"]) <= at < when(j["endDateTime"])]
        assert len(active) <= 20, f"{len(active)} jobs active when {job['jobID']} was created"


def test_start_and_wait_complete_under_throttling_and_errors(lab):
    truth = lab.fresh(10, time_scale=2000)
    drs, _ = clients(lab)
    launch_into(drs, truth["servers"])
    wave = pairs(truth["servers"])
    ids = sorted(p["source_server_id"] for p in wave)
    lab.faults(throttle_rate=0.3, error_rate=0.05)

    run = run_playbook(lab, "start_wave.yml",
                       {"pairs": wave, "run_id": "throttled", "wait": True, "wait_poll_interval": 1, "expected": wave})
    lab.faults()
    faulted = [c for c in run.calls if c["service"] == "drs" and c["status"] in (429, 500, 503)]
    assert faulted, "the lab injected no fault; the test proves nothing"

    start, wait = run["Start"], run["Wait"]
    assert not start.get("failed"), start.get("msg")
    assert sorted(start["started"]) == ids and start["refused"] == []
    assert len(ops(run.calls, "StartRecovery", 202)) == 1  # retried calls never started a second job
    assert not wait.get("failed"), wait.get("msg")
    assert wait["done"] is True
    assert sorted(s["source_server_id"] for s in wait["servers"]) == ids
    assert {s["status"] for s in wait["servers"]} == {"launched"}
    assert wait["summary"]["launched"] == 10 and wait["summary"]["identity_verified"] == 10
    assert wait["summary"]["ip_verified"] == 10
    assert len(drs.describe_jobs(filters={})["items"]) == 1
