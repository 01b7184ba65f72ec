# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""plugins/module_utils/records.py: the one wave status rule, the run record, RTO as elapsed time, the verdict."""

import pytest

from plugins.module_utils import records


def srv(sid, status="launched", created="2026-11-23T01:00:00.000Z", launched="2026-11-23T01:05:00.000Z", **extra):
    entry = {"source_server_id": sid, "planned_source_server_id": sid, "status": status, "job_id": "drsjob-1",
             "job_created_at": created, "launched_at": launched if status == "launched" else None,
             "identity_preserved": True if status == "launched" else None, "ip_preserved": True if status == "launched" else None}
    entry.update(extra)
    return entry


# --- the one wave status rule --------------------------------------------------------------------------------------------


def test_every_planned_server_recovered_succeeds():
    assert records.wave_status(["s-1", "s-2"], [srv("s-1"), srv("s-2")]) == ("succeeded", "")


def test_some_not_recovered_is_partial():
    status, reason = records.wave_status(["s-1", "s-2", "s-3"], [srv("s-1"), srv("s-2", "failed")])
    assert status == "partial" and reason == "2 of 3 servers not recovered"


def test_all_servers_failed_is_a_failed_wave_not_partial():
    status, reason = records.wave_status(["s-1", "s-2"], [srv("s-1", "failed"), srv("s-2", "ip_mismatch")])
    assert status == "failed" and reason == "none of the 2 planned servers was recovered"


def test_nothing_started_fails():
    assert records.wave_status(["s-1"], []) == ("failed", "no server of the wave could be started")


def test_a_mismatch_is_not_recovered_even_when_launched():
    server = srv("s-2", identity_preserved=False)
    assert records.wave_status(["s-1", "s-2"], [srv("s-1"), server])[0] == "partial"


def test_critical_server_lost_fails_the_wave():
    status, reason = records.wave_status(["s-1", "s-2"], [srv("s-1"), srv("s-2", "failed")], critical=["s-2"])
    assert status == "failed" and reason == "critical servers not recovered: s-2"


def test_critical_server_of_a_failback_counts_by_its_planned_id():
    reversed_server = srv("s-rev-1", planned_source_server_id="s-1")
    assert records.wave_status(["s-1"], [reversed_server], critical=["s-1"]) == ("succeeded", "")


def test_error_and_timeout_fail_first():
    assert records.wave_status(["s-1"], [srv("s-1")], error="AccessDenied") == ("failed", "AccessDenied")
    assert records.wave_status(["s-1"], [srv("s-1", "in_progress")], timed_out_after=600) == ("failed", "jobs did not complete within 600 s")


def test_empty_wave_succeeds():
    assert records.wave_status([], []) == ("succeeded", "")


def test_wave_record_is_the_same_rule_for_failover_and_failback():
    wave = {"name": "w1", "number": 1, "source_server_ids": ["s-1", "s-2"], "critical": []}
    wait = {"done": True, "jobs": [{"job_id": "drsjob-1", "created_at": "2026-11-23T01:00:00.000Z"}],
            "servers": [srv("s-1"), srv("s-2", "failed", error="LAUNCH_FAILED: capacity")]}
    failover = records.wave_record(wave, "drill", "us-west-2", wait=wait, match={"pairs": [{"source_server_id": "s-1", "source_name": "web-1"}]})
    failback = records.wave_record(wave, "failback", "us-east-1", wait=wait, reprotected=[])
    assert failover["status"] == failback["status"] == "partial"
    assert [p["kind"] for p in failover["problems"]] == ["failed"]
    assert failover["servers"][0]["name"] == "web-1" and failover["servers"][0]["job_created_at"] == "2026-11-23T01:00:00.000Z"
    assert failback["reprotected"] == [] and "matched_at" not in failback


def test_wave_record_of_a_wait_that_timed_out():
    wave = {"name": "w1", "source_server_ids": ["s-1"]}
    record = records.wave_record(wave, "drill", "r", wait={"done": False, "servers": [srv("s-1", "in_progress")], "jobs": []}, timeout_s=60)
    assert record["status"] == "failed" and record["reason"] == "jobs did not complete within 60 s"
    assert [p["kind"] for p in record["problems"]] == ["timeout"]


# --- RTO is elapsed time --------------------------------------------------------------------------------------------------


def two_waves():
    job = [{"job_id": "drsjob-1", "created_at": "2026-11-23T01:00:00.000Z"}]
    job2 = [{"job_id": "drsjob-2", "created_at": "2026-11-23T01:20:00.000Z"}]
    return [
        {"name": "w1", "status": "succeeded", "planned": ["a"], "jobs": job, "servers": [srv("a", launched="2026-11-23T01:06:00.000Z")]},
        {"name": "w2", "status": "succeeded", "planned": ["b"], "jobs": job2,
         "servers": [srv("b", created="2026-11-23T01:20:00.000Z", launched="2026-11-23T01:26:00.000Z", job_id="drsjob-2")]},
    ]


def planned(waves):
    return [{"name": w["name"], "number": i + 1, "source_server_ids": w["planned"]} for i, w in enumerate(waves)]


def test_run_rto_counts_the_time_between_waves():
    waves = two_waves()
    record = records.run_record(waves, {"rto_target_minutes": 20}, "r-1", "failover", planned(waves))
    # The waves last 6 minutes each; between them 14 minutes pass (matching, configuration, waits): RTO is 26 minutes.
    assert [w["duration_s"] for w in record["waves"]] == [360.0, 360.0]
    assert record["summary"]["rto_s"] == 1560.0 and record["summary"]["rto_met"] is False
    assert [w["rto_s"] for w in record["waves"]] == [360.0, 1560.0]
    assert [s["rto_s"] for w in record["waves"] for s in w["servers"]] == [360.0, 1560.0]
    assert record["summary"]["rto_started_at"] == "2026-11-23T01:00:00.000Z" and record["summary"]["rto_ended_at"] == "2026-11-23T01:26:00.000Z"
    judged = records.verdict(record)
    assert judged["verdict"] == "FAIL" and judged["rto_s"] == 1560.0


def test_rto_from_the_declared_incident_time():
    waves = two_waves()
    record = records.run_record(waves, {"incident_time": "2026-11-23T00:30:00Z"}, "r", "failover", planned(waves))
    assert record["summary"]["rto_s"] == 3360.0 and record["summary"]["rto_from"] == "incident_time"
    assert records.verdict(record)["rto_s"] == 3360.0


def test_rto_ends_at_the_last_verified_server_not_at_a_failed_one():
    waves = two_waves()
    waves[1]["servers"].append(srv("c", "failed", created="2026-11-23T01:20:00.000Z"))
    waves[1]["servers"][0]["ip_preserved"] = False
    record = records.run_record(waves, {}, "r", "failover", planned(waves))
    assert record["summary"]["rto_s"] == 360.0 and record["waves"][1]["rto_s"] is None


def test_skipped_waves_are_recorded():
    waves = two_waves()
    record = records.run_record(waves[:1], {}, "r", "failover", planned(waves))
    assert record["waves"][1]["status"] == "skipped" and records.verdict(record)["verdict"] == "FAIL"


# --- the verdict and the job ------------------------------------------------------------------------------------------------


JOB_CASES = [("PASS", False, False), ("PARTIAL", False, True), ("PARTIAL", True, False), ("FAIL", True, True), ("", False, True)]


@pytest.mark.parametrize("name, accept, fails", JOB_CASES)
def test_job_fails_unless_pass_or_accepted_partial(name, accept, fails):
    assert records.job_should_fail({"verdict": name}, accept) is fails


# --- check mode: the preview ---------------------------------------------------------------------------------------------


def _preview_wave(name, planned, would, refused=()):
    wave = {"name": name, "number": 1, "source_server_ids": list(planned)}
    match = {"pairs": [{"source_server_id": sid, "target_instance_id": "i-" + sid, "target_private_ip": "10.0.0.1"} for sid in planned]}
    start = {"started": list(would), "refused": [{"source_server_id": sid, "reason": "target running", "remediation": "Stop it."} for sid in refused]}
    return records.wave_record(wave, "drill", "us-west-2", match=match, start=start, preview=True)


def test_a_preview_wave_lists_what_would_start_and_where():
    wave = _preview_wave("wave_01", ["s-1", "s-2"], ["s-1", "s-2"])
    assert (wave["status"], wave["reason"]) == ("preview", "would start 2 of 2 planned servers")
    assert [(s["source_server_id"], s["status"], s["target_instance_id"]) for s in wave["servers"]] == [
        ("s-1", "would_start", "i-s-1"), ("s-2", "would_start", "i-s-2")]


def test_a_clean_preview_passes_the_job_and_a_blocked_one_fails_it():
    clean = records.run_record([_preview_wave("wave_01", ["s-1"], ["s-1"])], {}, "r", "drill", [{"name": "wave_01", "source_server_ids": ["s-1"]}])
    judged = records.verdict(clean)
    assert judged["verdict"] == "PREVIEW" and judged["clean"] is True and not records.job_should_fail(judged)
    assert clean["summary"]["would_start"] == 1 and clean["summary"]["launched"] == 0
    blocked = records.run_record([_preview_wave("wave_01", ["s-1", "s-2"], ["s-1"], refused=["s-2"])], {}, "r", "drill",
                                 [{"name": "wave_01", "source_server_ids": ["s-1", "s-2"]}])
    judged = records.verdict(blocked)
    assert judged["verdict"] == "PREVIEW" and judged["clean"] is False and records.job_should_fail(judged, accept_partial=True)
    assert any("s-2" in reason for reason in judged["reasons"]), judged["reasons"]


def test_a_preview_wave_that_hit_an_error_is_failed():
    wave = records.wave_record({"name": "w", "source_server_ids": ["s-1"]}, "drill", "r", error="boom", preview=True)
    assert (wave["status"], wave["reason"]) == ("failed", "boom")


# --- time -----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["2026-11-23T01:00:00Z", "2026-11-23T01:00:00.000Z", "2026-11-23T01:00:00+00:00", "2026-11-23T01:00:00"])
def test_times_parse_to_utc(text):
    assert records.format_time(text) == "2026-11-23T01:00:00.000Z"


@pytest.mark.parametrize("junk", [None, "", "yesterday", 17, [], {}])
def test_bad_times_are_none(junk):
    assert records.parse_time(junk) is None and records.seconds_between(junk, "2026-11-23T01:00:00Z") is None


def test_plural():
    assert records.plural(1, "problem") == "1 problem" and records.plural(2, "problem") == "2 problems" and records.plural(0, "wave") == "0 waves"


def test_a_refused_server_is_named_from_its_pair():
    match = {"pairs": [{"source_server_id": "s-1", "source_name": "pay-app-02", "target_instance_id": "i-1"}]}
    start = {"refused": [{"source_server_id": "s-1", "reason": "lag is 3600 s", "remediation": "Wait."}]}
    [refused] = records.wave_problems(match, start)
    assert (refused["kind"], refused["name"], refused["source_server_id"]) == ("refused", "pay-app-02", "s-1")


def test_redacted_hides_every_secret_at_any_depth_and_keeps_the_rest():
    settings = {"region": "us-west-2", "assume_role": {"role_arn": "arn:aws:iam::2:role/R", "external_id": "ext-1"},
                "origin_assume_role": {"role_arn": "arn:aws:iam::1:role/R", "external_id": ""},
                "telemetry": {"assume_role": {"external_id": "ext-2", "session_token": "s3cr3t-token"}},
                "waves": [{"name": "a", "password": "s3cr3t-pw"}]}
    out = records.redacted(settings)
    text = repr(out)
    assert "ext-1" not in text and "ext-2" not in text and "s3cr3t" not in text
    assert out["assume_role"] == {"role_arn": "arn:aws:iam::2:role/R", "external_id": records.REDACTED}
    assert out["origin_assume_role"]["external_id"] == ""  # no secret, nothing to hide: the record says none was given
    assert out["region"] == "us-west-2" and out["waves"][0]["name"] == "a"
    assert settings["assume_role"]["external_id"] == "ext-1"  # the input is not changed


# --- drill clean-up ------------------------------------------------------------------------------------------------------


def drill_waves():
    waves = two_waves()
    waves[0]["servers"][0].update(recovery_instance_id="ri-a", ec2_instance_id="i-a")
    waves[1]["servers"][0].update(recovery_instance_id="ri-b", ec2_instance_id="i-b", identity_preserved=None)
    return waves


def test_a_clean_drill_cleanup_keeps_what_was_done_per_wave_and_passes():
    waves = drill_waves()
    done = [{"recovery_instance_id": "ri-b", "actions": ["terminate ri-b"], "changed": True},
            {"recovery_instance_id": "ri-a", "actions": ["stop i-a"], "changed": True}]
    by_wave = records.drill_cleanup_by_wave(waves, done, "", "us-west-2")
    assert by_wave == {"w1": [done[1]], "w2": [done[0]]}
    record = records.run_record(waves, {}, "d", "drill", planned(waves), cleanup=by_wave)
    assert records.verdict(record)["verdict"] == "PASS"


def test_a_failed_drill_cleanup_names_every_instance_left_behind_with_the_command_and_fails():
    waves = drill_waves()
    done = [{"recovery_instance_id": "ri-a", "actions": ["stop i-a"], "changed": False,
             "error": "Failed to attach volume vol-1", "remediation": "Grant the caller the EC2 actions."}]
    by_wave = records.drill_cleanup_by_wave(waves, done, "1 of 1 recovery instances were not cleaned up", "us-west-2")
    (a,), (b,) = by_wave["w1"], by_wave["w2"]
    assert a["remediation"].startswith("Grant the caller the EC2 actions. Then put it back: ansible localhost -m "
                                       "elastic_dr.orchestrator.drs_recovery_instance")
    assert '"state": "reset"' in a["remediation"] and '"ri-a"' in a["remediation"]
    assert b["error"].startswith("Not cleaned up") and '"state": "terminated"' in b["remediation"] and '"ri-b"' in b["remediation"]
    record = records.run_record(waves, {}, "d", "drill", planned(waves), cleanup=by_wave)
    judged = records.verdict(record)
    assert judged["verdict"] == "FAIL"
    assert any("did not put back 2 recovery instances" in r and "ri-a (w1)" in r and "ri-b (w2)" in r for r in judged["reasons"]), judged
