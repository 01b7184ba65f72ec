"""Replication health (issue 12 item 17): readiness and the failover apply the same replication rules, and
dr_max_lag_seconds reaches the start of the jobs. A hostile estate: stalled, still syncing, backlogged and lagging
servers beside healthy ones, each with a perfect target."""

from __future__ import annotations

import yaml

from more_helpers import record, run_playbook, tail

SICK = {"pay-db-01": {"replication_state": "STALLED"}, "pay-db-02": {"replication_state": "INITIAL_SYNC"},
        "pay-app-01": {"replication_state": "BACKLOG", "lag_s": 900}, "pay-app-02": {"lag_s": 3600}}
HEALTHY = ["pay-web-01", "pay-web-02"]


def _estate(tmp_path):
    servers = [{"name": name, "wave": 1, "ip": f"10.20.1.{11 + i}", "target": {"name": name}, **SICK.get(name, {})}
               for i, name in enumerate(list(SICK) + HEALTHY)]
    path = tmp_path / "sick.yml"
    path.write_text(yaml.safe_dump({
        "name": "sick", "description": "replication in every bad state",
        "source": {"region": "us-east-1", "vpc_cidr": "10.20.0.0/16", "subnets": {"a": "10.20.1.0/24"}},
        "recovery": {"region": "us-west-2", "vpc_cidr": "10.20.0.0/16", "subnets": {"a": "10.20.1.0/24"}},
        "servers": servers}))
    return str(path)


def test_readiness_and_failover_agree_on_replication_health(demo_lab, tmp_path):
    demo_lab.reset(estate=_estate(tmp_path), time_scale=2000)
    readiness = run_playbook(demo_lab, "readiness", tmp_path, dr_pairing="match", dr_max_lag_seconds=300)
    out = readiness.stdout
    for name in SICK:
        assert name in out, f"readiness does not mention {name}:\n{tail(readiness)}"
    proc = run_playbook(demo_lab, "failover", tmp_path, dr_mode="drill", dr_run_id="sick-1", dr_pairing="match",
                        dr_max_lag_seconds=300, dr_failure_policy="continue")
    run = record(tmp_path, "sick-1")
    by_name = {s["name"]: s for w in run["waves"] for s in w["servers"]}
    launched = sorted(n for n, s in by_name.items() if s["status"] == "launched")
    assert launched == sorted(HEALTHY), (launched, tail(proc))
    problems = {p["name"] for w in run["waves"] for p in w["problems"]}
    assert set(SICK) <= problems, problems
    assert run["verdict"]["verdict"] != "PASS" and proc.returncode != 0
