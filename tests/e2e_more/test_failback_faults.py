"""Failback in a hostile world (issue 12 items 4 and 18): everything that can be checked is checked before the first
mutation, and one bad server does not strand the rest of its wave.

One failover, then three failbacks with the same run ID:
1. the originals still run and nobody asked to stop them: refused before any change, with the resume command;
2. one recovery instance was stopped meanwhile: the other servers of its wave fail back, the stopped one is a problem
   with its remediation, no reverse replication is left running for it, the job fails (PARTIAL);
3. the instance is started again: the resume converges to PASS, every server in its original instance.
"""

from __future__ import annotations

import json
import subprocess
import time

from more_helpers import BIN, FAST, ROOT, aws_client, env_for, record, run_playbook, tail, two_region_estate

WAVES = {1: ["ord-db-01", "ord-app-01", "ord-app-02"], 2: ["ord-web-01", "ord-web-02", "ord-web-03"]}


def _estate(tmp_path):
    return two_region_estate(tmp_path, "orders", WAVES, 30, "two waves for failback faults")


def _ec2(lab, region):
    return aws_client(lab, "ec2", region)


def _drs(lab, region):
    return aws_client(lab, "drs", region)


def _states(ec2, ids):
    return {i["InstanceId"]: i["State"]["Name"] for r in ec2.describe_instances(InstanceIds=ids)["Reservations"] for i in r["Instances"]}


def _reversed_from(lab):
    """EC2 instance IDs (recovery side) that a FAILBACK-direction source server in the origin Region replicates from."""
    servers = _drs(lab, "us-east-1").describe_source_servers(filters={})["items"]
    return {s["sourceProperties"]["identificationHints"].get("awsInstanceID") for s in servers
            if s.get("replicationDirection") == "FAILBACK" and (s.get("dataReplicationInfo") or {}).get("dataReplicationState") != "DISCONNECTED"}


def test_failback_checks_before_it_changes_and_one_bad_server_does_not_strand_its_wave(demo_lab, tmp_path):
    demo_lab.reset(estate=_estate(tmp_path), time_scale=2000)
    truth = {s["name"]: s for s in demo_lab.truth()["servers"]}
    proc = run_playbook(demo_lab, "failover", tmp_path, dr_mode="recovery", dr_run_id="ofo-1", dr_pairing="match")
    failover = record(tmp_path, "ofo-1")
    assert failover["verdict"]["verdict"] == "PASS", tail(proc)
    recovered = {s["name"]: s for w in failover["waves"] for s in w["servers"]}

    # 1. Originals running, dr_stop_originals not given: nothing may change, and the way on is printed.
    seq = demo_lab.last_seq()
    proc = run_playbook(demo_lab, "failback", tmp_path, dr_run_id="ofb-1", dr_failover_run_id="ofo-1", dr_origin_region="us-east-1")
    assert proc.returncode != 0, tail(proc)
    mutating = [c for c in demo_lab.calls(seq) if c["mutating"]]
    assert mutating == [], mutating
    back = record(tmp_path, "ofb-1")
    assert back["verdict"]["verdict"] == "FAIL", back["verdict"]
    problems = [p for w in back["waves"] for p in w["problems"]]
    assert {p["name"] for p in problems if p["kind"] == "precheck"} >= set(WAVES[1]), problems
    assert any("-e dr_stop_originals=true -e dr_run_id=ofb-1" in (p["remediation"] or "") for p in problems), problems
    assert "dr_stop_originals=true" in proc.stdout, tail(proc)

    # 2. One recovery instance of wave 1 is stopped meanwhile: the rest of wave 1 and all of wave 2 fail back.
    bad = "ord-app-01"
    ec2_dr = _ec2(demo_lab, "us-west-2")
    ec2_dr.stop_instances(InstanceIds=[recovered[bad]["ec2_instance_id"]])
    proc = run_playbook(demo_lab, "failback", tmp_path, dr_run_id="ofb-1", dr_failover_run_id="ofo-1", dr_origin_region="us-east-1",
                        dr_stop_originals=True)
    assert proc.returncode != 0, tail(proc)  # PARTIAL is not a green job
    back = record(tmp_path, "ofb-1")
    assert back["verdict"]["verdict"] == "PARTIAL", (back["verdict"], tail(proc))
    servers = {s["name"]: s for w in back["waves"] for s in w["servers"]}
    good = [n for names in WAVES.values() for n in names if n != bad]
    for name in good:
        assert servers[name]["status"] == "launched", (name, servers.get(name), tail(proc))
        assert servers[name]["ec2_instance_id"] == truth[name]["origin_instance_id"]
    wave1 = next(w for w in back["waves"] if w["name"] == "wave_01")
    assert wave1["status"] == "partial", wave1["reason"]
    problem = next(p for p in wave1["problems"] if p["name"] == bad)
    assert "stopped" in problem["message"] and problem["remediation"], problem
    assert "dr_run_id=ofb-1" in problem["remediation"], problem
    assert recovered[bad]["ec2_instance_id"] not in _reversed_from(demo_lab)  # nothing started for the bad server
    # Every mutation is on record: the reverse replications this wave started.
    assert sorted(r["source_server_id"] for r in wave1["reversed"]) == sorted(
        recovered[n]["source_server_id"] for n in WAVES[1] if n != bad), wave1["reversed"]
    ec2_origin = _ec2(demo_lab, "us-east-1")
    assert _states(ec2_origin, [truth[bad]["origin_instance_id"]]) == {truth[bad]["origin_instance_id"]: "running"}  # not stopped for nothing

    # 3. Start it again and resume: the run converges.
    ec2_dr.start_instances(InstanceIds=[recovered[bad]["ec2_instance_id"]])
    proc = run_playbook(demo_lab, "failback", tmp_path, dr_run_id="ofb-1", dr_failover_run_id="ofo-1", dr_origin_region="us-east-1",
                        dr_stop_originals=True)
    back = record(tmp_path, "ofb-1")
    assert back["verdict"]["verdict"] == "PASS", (back["verdict"], tail(proc))
    assert proc.returncode == 0, tail(proc)
    servers = {s["name"]: s for w in back["waves"] for s in w["servers"]}
    assert {n: servers[n]["ec2_instance_id"] for n in truth} == {n: t["origin_instance_id"] for n, t in truth.items()}
    origin_ids = [t["origin_instance_id"] for t in truth.values()]
    assert set(_states(ec2_origin, origin_ids).values()) == {"running"}

    # 4. Someone stops a failed-back original (its DR target was reset by the clean-up): the server runs nowhere. The
    # failback says so before anything else and fails, with the way back.
    lost = "ord-web-02"
    ec2_origin.stop_instances(InstanceIds=[truth[lost]["origin_instance_id"]])
    seq = demo_lab.last_seq()
    proc = run_playbook(demo_lab, "failback", tmp_path, dr_run_id="ofb-1", dr_failover_run_id="ofo-1", dr_origin_region="us-east-1",
                        dr_stop_originals=True)
    assert proc.returncode != 0, tail(proc)
    assert "RUNNING NOWHERE" in proc.stdout and lost in proc.stdout, tail(proc)
    back = record(tmp_path, "ofb-1")
    assert back["verdict"]["verdict"] == "FAIL" and "running nowhere" in back["verdict"]["reasons"][0], back["verdict"]
    [nowhere] = [p for w in back["waves"] for p in w["problems"] if p["kind"] == "nowhere"]
    assert nowhere["name"] == lost and nowhere["remediation"].startswith(f"Start {truth[lost]['origin_instance_id']} in us-east-1")
    assert [c for c in demo_lab.calls(seq) if c["mutating"]] == []  # the others are back already: nothing to do


def test_resumed_failback_does_not_stop_originals_that_already_run_their_server(demo_lab, tmp_path):
    """Kill the failback after its first wave launched into the originals, resume with dr_stop_originals: the originals
    that already run their failed-back server must not be stopped again, and every server ends running in its original
    (issue 12 items 13 and 18: a resumed failback left servers running nowhere while the verdict said PASS)."""
    demo_lab.reset(estate=_estate(tmp_path), time_scale=2000)
    truth = {s["name"]: s for s in demo_lab.truth()["servers"]}
    proc = run_playbook(demo_lab, "failover", tmp_path, dr_mode="recovery", dr_run_id="rfo-1", dr_pairing="match")
    assert record(tmp_path, "rfo-1")["verdict"]["verdict"] == "PASS", tail(proc)
    demo_lab.set_scale(100)  # slow enough to kill between the two waves
    args = dict(dr_run_id="rfb-1", dr_origin_region="us-east-1", dr_stop_originals=True, dr_failover_run_id="rfo-1",
                dr_failback_cleanup=False)
    cmd = [str(BIN / "ansible-playbook"), "elastic_dr.orchestrator.failback",
           "-e", json.dumps({**FAST, "dr_report_root": str(tmp_path), **args})]
    killed = subprocess.Popen(cmd, cwd=ROOT, env=env_for(demo_lab), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    waves_dir = tmp_path / "rfb-1" / "waves"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and killed.poll() is None and not list(waves_dir.glob("*.json")):
        time.sleep(0.5)
    subprocess.run(["pkill", "-KILL", "-s", str(killed.pid)], check=False)  # the whole tree: workers run in their own sessions too
    killed.kill()
    killed.wait()
    first = [json.loads(p.read_text()) for p in waves_dir.glob("*.json")]
    assert first, "the failback was killed before its first wave ended"
    back_first = {s["ec2_instance_id"] for w in first for s in w["servers"] if s["status"] == "launched"}
    assert back_first
    demo_lab.set_scale(2000)
    again = run_playbook(demo_lab, "failback", tmp_path, **args)
    back = record(tmp_path, "rfb-1")
    assert back["verdict"]["verdict"] == "PASS" and again.returncode == 0, tail(again)
    origin_ids = [t["origin_instance_id"] for t in truth.values()]
    servers = {s["name"]: s for w in back["waves"] for s in w["servers"]}
    assert {n: servers[n]["ec2_instance_id"] for n in truth} == {n: t["origin_instance_id"] for n, t in truth.items()}
    # Nothing restarts a stopped original: an original the resume stopped would stay stopped (running nowhere).
    states = _states(_ec2(demo_lab, "us-east-1"), origin_ids)
    assert set(states.values()) == {"running"}, states
    assert back_first <= set(states), back_first
