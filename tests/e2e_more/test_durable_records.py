"""Run records where the next job finds them: the failover -> failback chain across two jobs that share no disk.

Issue 12 item 8: reports went under the invoker's $PWD; under ansible-runner they landed outside the job, and a second
job could not find the failover's record, so the recommended failback (dr_failover_run_id) failed before any AWS call.
With dr_report_bucket the run's files are kept in S3 as the run goes and the failback reads the record back from there.
"""

from __future__ import annotations

import json

from more_helpers import aws_client, aws_calls, record, run_playbook, tail, two_region_estate

WAVES = {1: ["dur-db-01", "dur-app-01"], 2: ["dur-web-01"]}
BUCKET = "example-dr-records"


def _keys(lab):
    listing = aws_client(lab, "s3", "us-west-2").list_objects_v2(Bucket=BUCKET).get("Contents") or []
    return sorted(o["Key"] for o in listing)


def test_a_failback_in_a_fresh_job_plans_from_the_failover_record_kept_in_s3(demo_lab, tmp_path):
    demo_lab.reset(estate=two_region_estate(tmp_path, "durable", WAVES, 70, "failover then failback in two jobs"), time_scale=2000)
    truth = {s["source_server_id"]: s for s in demo_lab.truth()["servers"]}
    aws_client(demo_lab, "s3", "us-west-2").create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    first_job, second_job = tmp_path / "job-1", tmp_path / "job-2"  # two AWX jobs: nothing on disk is shared
    failover = run_playbook(demo_lab, "failover", first_job, dr_mode="recovery", dr_run_id="fo-s3", dr_pairing="match",
                            dr_report_bucket=BUCKET)
    assert failover.returncode == 0, tail(failover)
    assert f"Kept in s3://{BUCKET}/dr-runs/fo-s3/" in failover.stdout, tail(failover)
    assert _keys(demo_lab) == [f"dr-runs/fo-s3/{n}" for n in ("plan.json", "report.html", "run.json", "waves/wave_01.json", "waves/wave_02.json")]
    stored = json.loads(aws_client(demo_lab, "s3", "us-west-2").get_object(Bucket=BUCKET, Key="dr-runs/fo-s3/run.json")["Body"].read())
    assert stored == record(first_job, "fo-s3") and stored["verdict"]["verdict"] == "PASS"

    failback = run_playbook(demo_lab, "failback", second_job, dr_failover_run_id="fo-s3", dr_run_id="fb-s3", dr_origin_region="us-east-1",
                            dr_stop_originals=True, dr_report_bucket=BUCKET)
    assert failback.returncode == 0, tail(failback)
    back = record(second_job, "fb-s3")
    assert back["verdict"]["verdict"] == "PASS", back["verdict"]
    assert sorted(s["ec2_instance_id"] for w in back["waves"] for s in w["servers"]) == sorted(t["origin_instance_id"] for t in truth.values())
    assert "dr-runs/fb-s3/run.json" in _keys(demo_lab)


def test_a_failback_whose_failover_record_is_nowhere_fails_before_any_drs_call_and_says_where_it_looked(demo_lab, tmp_path):
    demo_lab.reset(estate=two_region_estate(tmp_path, "durable", WAVES, 70, "no record anywhere"), time_scale=2000)
    aws_client(demo_lab, "s3", "us-west-2").create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    seq = demo_lab.last_seq()
    proc = run_playbook(demo_lab, "failback", tmp_path, dr_failover_run_id="fo-never", dr_run_id="fb-x", dr_origin_region="us-east-1",
                        dr_report_bucket=BUCKET)
    assert proc.returncode != 0
    assert f"Not stored at s3://{BUCKET}/dr-runs/fo-never/: run.json" in proc.stdout, tail(proc)
    assert [c for c in aws_calls(demo_lab, seq) if c["service"] in ("drs", "ec2")] == []


def test_check_mode_keeps_nothing_in_s3(demo_lab, tmp_path):
    demo_lab.reset(estate=two_region_estate(tmp_path, "durable", WAVES, 70, "a preview sends nothing"), time_scale=2000)
    aws_client(demo_lab, "s3", "us-west-2").create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    proc = run_playbook(demo_lab, "drill", tmp_path, dr_run_id="chk-s3", dr_pairing="match", dr_report_bucket=BUCKET, run_args=["--check"])
    assert proc.returncode == 0, tail(proc)
    assert _keys(demo_lab) == []
