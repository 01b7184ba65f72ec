"""Run records where the next job finds them (the failover -> failback chain across two runner jobs that share no disk is
tests/e2e_awx/test_runner_chain.py).

Issue 12 item 8: reports went under the invoker's $PWD; under ansible-runner they landed outside the job, and a second
job could not find the failover's record, so the recommended failback (dr_failover_run_id) failed before any AWS call.
With dr_report_bucket the run's files are kept in S3 as the run goes and the failback reads the record back from there.
"""

from __future__ import annotations

from more_helpers import aws_client, aws_calls, run_playbook, tail, two_region_estate

WAVES = {1: ["dur-db-01", "dur-app-01"], 2: ["dur-web-01"]}
BUCKET = "example-dr-records"


def _keys(lab):
    listing = aws_client(lab, "s3", "us-west-2").list_objects_v2(Bucket=BUCKET).get("Contents") or []
    return sorted(o["Key"] for o in listing)


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
