"""Starting recovery jobs in a hostile world, through the real playbooks against the lab.

- A re-run with the same run ID starts again the servers whose launch failed and never relaunches a launched one
  (issue 12 item 16: it retried 0 of 6, only a new run ID did).
- A lost StartRecovery answer (DRS started the job, the caller got a 5xx) is looked up by the run tag, not retried
  blindly: one job per wave, every server in it, the record says launched (issue 12 item 14: 7 servers were in the
  run's job while the record said "never started").
- A StartRecovery that DRS really refused every time ends the run loudly with nothing started and no duplicate job.
"""

from __future__ import annotations


from more_helpers import two_region_estate, aws_client, record, run_playbook, tail

RUN_TAG = "elastic_dr:run_id"
WAVES = {1: ["pay-db-01", "pay-app-01", "pay-app-02"], 2: ["pay-web-01", "pay-web-02", "pay-web-03"]}


def _estate(tmp_path):
    return two_region_estate(tmp_path, "payments", WAVES, 40, "two waves for start faults")


def _run_jobs(lab, run_id):
    """The run's LAUNCH jobs in DRS: {job ID: [source server IDs]}."""
    jobs = aws_client(lab, "drs", "us-west-2").describe_jobs(filters={})["items"]
    return {j["jobID"]: sorted(p["sourceServerID"] for p in j.get("participatingServers") or [])
            for j in jobs if (j.get("tags") or {}).get(RUN_TAG) == run_id and j.get("type") == "LAUNCH"}


def _servers(run):
    return {s["source_server_id"]: s for w in run["waves"] for s in w["servers"]}


def test_a_rerun_retries_the_failed_launches_and_never_relaunches_a_launched_server(demo_lab, tmp_path):
    demo_lab.reset(estate=_estate(tmp_path), time_scale=2000)
    truth = {s["name"]: s for s in demo_lab.truth()["servers"]}
    failing = sorted(truth[n]["source_server_id"] for n in ("pay-app-02", "pay-web-01"))
    demo_lab.faults(launch_failures=failing)
    first = run_playbook(demo_lab, "failover", tmp_path, dr_mode="recovery", dr_run_id="rr-1", dr_pairing="match",
                         dr_failure_policy="continue")
    assert first.returncode != 0, tail(first)
    before = _servers(record(tmp_path, "rr-1"))
    assert sorted(sid for sid, s in before.items() if s["status"] == "failed") == failing, tail(first)
    jobs_before = _run_jobs(demo_lab, "rr-1")
    assert len(jobs_before) == 2

    demo_lab.faults()  # the cause is fixed (capacity came back)
    again = run_playbook(demo_lab, "failover", tmp_path, dr_mode="recovery", dr_run_id="rr-1", dr_pairing="match",
                         dr_failure_policy="continue")
    run = record(tmp_path, "rr-1")
    assert again.returncode == 0 and run["verdict"]["verdict"] == "PASS", tail(again)
    after = _servers(run)
    for name, server in truth.items():
        entry = after[server["source_server_id"]]
        assert entry["status"] == "launched" and entry["ec2_instance_id"] == server["target_instance_id"], (name, entry)
    jobs_after = _run_jobs(demo_lab, "rr-1")
    new = {j: members for j, members in jobs_after.items() if j not in jobs_before}
    # Only the failed servers were started again (one new job per wave that had one); the launched ones kept their job.
    assert sorted(sid for members in new.values() for sid in members) == failing, new
    for sid, entry in before.items():
        if sid not in failing:
            assert after[sid]["job_id"] == entry["job_id"], sid
        else:
            assert after[sid]["job_id"] in new, sid


def test_a_lost_start_recovery_answer_is_looked_up_not_started_twice(demo_lab, tmp_path):
    demo_lab.reset(estate=_estate(tmp_path), time_scale=2000)
    truth = {s["name"]: s for s in demo_lab.truth()["servers"]}
    demo_lab.faults(answer_lost_rate=1.0, operations=["StartRecovery"])
    seq = demo_lab.last_seq()
    proc = run_playbook(demo_lab, "failover", tmp_path, dr_mode="drill", dr_run_id="lost-1", dr_pairing="match")
    run = record(tmp_path, "lost-1")
    assert proc.returncode == 0 and run["verdict"]["verdict"] == "PASS", tail(proc)
    starts = [c for c in demo_lab.calls(seq) if c["operation"] == "StartRecovery"]
    assert len(starts) == 2 and {c["status"] for c in starts} == {500}, starts  # one call per wave, none repeated
    jobs = _run_jobs(demo_lab, "lost-1")
    waves = sorted(sorted(truth[n]["source_server_id"] for n in names) for names in WAVES.values())
    assert sorted(jobs.values()) == waves
    servers = _servers(run)
    for name, server in truth.items():
        entry = servers[server["source_server_id"]]
        assert entry["status"] == "launched" and entry["job_id"] in jobs, (name, entry)


def test_a_start_recovery_that_always_fails_ends_the_run_with_nothing_started(demo_lab, tmp_path):
    demo_lab.reset(estate=_estate(tmp_path), time_scale=2000)
    demo_lab.faults(error_rate=1.0, operations=["StartRecovery"])
    seq = demo_lab.last_seq()
    proc = run_playbook(demo_lab, "failover", tmp_path, dr_mode="drill", dr_run_id="down-1", dr_pairing="match")
    assert proc.returncode != 0, tail(proc)
    assert _run_jobs(demo_lab, "down-1") == {}
    starts = [c for c in demo_lab.calls(seq) if c["operation"] == "StartRecovery"]
    assert 1 <= len(starts) <= 4, len(starts)  # looked up between tries, bounded: not 10 x 4 botocore attempts
    run = record(tmp_path, "down-1")
    first = run["waves"][0]
    assert first["status"] == "failed", first
    assert "StartRecovery" in first.get("error", "") or any("StartRecovery" in str(p) for p in first["problems"]), first
