"""Pairing you can trust: pair -> review -> apply -> failover from the stored pairs, on the demo and a hostile estate."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from e2e_helpers import clients, record, run_playbook
from lab.testing import FAST_SCALE, run_task, store_reviewed_pairs

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = str(ROOT / "lab/estates/hostile.yml")


def tail(proc) -> str:
    return (proc.stdout or "")[-5000:] + (proc.stderr or "")[-2000:]


def stored_pairs(lab) -> dict:
    drs, _ec2 = clients(lab)
    out = {}
    for server in drs.describe_source_servers(filters={})["items"]:
        cfg = drs.get_launch_configuration(sourceServerID=server["sourceServerID"])
        target = (cfg.get("launchIntoInstanceProperties") or {}).get("launchIntoEC2InstanceID")
        if target:
            out[server["sourceServerID"]] = target
    return out


def test_review_then_apply_stores_exact_pairs_and_only_the_accepted_corroborated_proposals(lab, tmp_path):
    truth = {s["name"]: s for s in lab.truth()["servers"]}
    seq = lab.last_seq()
    preview = run_playbook(lab, "pair", tmp_path, dr_run_id="pair-1")
    assert preview.returncode == 0, tail(preview)
    assert [c for c in lab.calls(seq) if c["mutating"]] == []  # a review changes nothing
    review = json.loads((tmp_path / "pair-1" / "pairs.json").read_text())
    assert "<table>" in (tmp_path / "pair-1" / "pairs.html").read_text()
    proposals = yaml.safe_load((tmp_path / "pair-1" / "proposals.yml").read_text())["proposals"]
    # app-03 -> app-3 (zero padding) and web-prod-04 -> web-prd-04 (environment synonym): proposals, corroborated by the IP.
    assert {(p["source_name"], p["target_instance_id"]) for p in proposals} == {
        ("app-03", truth["app-03"]["target_instance_id"]), ("web-prod-04", truth["web-prod-04"]["target_instance_id"])}, tail(preview)
    assert all(p["acceptable"] and p["accept"] is False and "ip match" in p["evidence"] for p in proposals)
    assert "PROPOSAL app-03" in preview.stdout and "ip match" in preview.stdout
    assert {p["source_name"] for p in review["pairs"]} >= {"db-01", "web-01", "sqlsrv-01"}
    assert all(p["state"] == "to store" for p in review["pairs"])

    # Apply without accepting anything: the exact pairs are stored, the proposals are not; rc 2 because servers remain unpaired.
    apply = run_playbook(lab, "pair", tmp_path, dr_run_id="pair-2", dr_pair_apply=True)
    assert apply.returncode != 0 and "have no valid pair" in apply.stdout, tail(apply)
    stored = stored_pairs(lab)
    assert truth["app-03"]["source_server_id"] not in stored and truth["db-01"]["source_server_id"] in stored
    for name, server in truth.items():
        if server["source_server_id"] in stored:
            assert stored[server["source_server_id"]] == server["target_instance_id"], name

    # Accept the proposals in the file the review wrote: they are stored too, with the review record.
    for p in proposals:
        p["accept"] = True
    approved = tmp_path / "approved.yml"
    approved.write_text(yaml.safe_dump({"proposals": proposals}))
    apply = run_playbook(lab, "pair", tmp_path, dr_run_id="pair-3", dr_pair_apply=True, dr_pair_approved_file=str(approved))
    stored = stored_pairs(lab)
    assert stored[truth["app-03"]["source_server_id"]] == truth["app-03"]["target_instance_id"], tail(apply)
    drs, _ec2 = clients(lab)
    tags = drs.describe_source_servers(filters={"sourceServerIDs": [truth["app-03"]["source_server_id"]]})["items"][0]["tags"]
    assert tags["elastic_dr:pair-target"] == truth["app-03"]["target_instance_id"] and tags["elastic_dr:pair-method"] == "fuzzy"
    assert tags["elastic_dr:pair-ip"] == truth["app-03"]["target_ip"] and tags["elastic_dr:pair-reviewed"] == "pair-3"

    # Applying again changes nothing.
    seq = lab.last_seq()
    again = run_playbook(lab, "pair", tmp_path, dr_run_id="pair-4", dr_pair_apply=True, dr_pair_approved_file=str(approved))
    assert [c["operation"] for c in lab.calls(seq) if c["mutating"]] == [], tail(again)

    # Clearing a pair removes its review record too, so a later review starts from nothing stored.
    app03 = truth["app-03"]["source_server_id"]
    cleared = run_task(lab, tmp_path, "drs_launch_into_config", {"pairs": [{"source_server_id": app03}], "state": "absent",
                                                                 "record_review": True})
    assert cleared["changed"] and cleared["servers"][0]["review"], cleared
    tags = drs.describe_source_servers(filters={"sourceServerIDs": [app03]})["items"][0]["tags"]
    assert not [k for k in tags if k.startswith("elastic_dr:pair-")] and app03 not in stored_pairs(lab)


def test_drill_from_stored_pairs_makes_no_launch_configuration_update_and_verifies_the_reviewed_pair(lab, tmp_path):
    truth = {s["source_server_id"]: s for s in lab.truth()["servers"]}
    store_reviewed_pairs(lab, tmp_path / "pairing")
    seq = lab.last_seq()
    proc = run_playbook(lab, "drill", tmp_path, dr_run_id="stored-1")
    assert [c for c in lab.calls(seq) if c["operation"] == "UpdateLaunchConfiguration"] == [], tail(proc)
    run = record(tmp_path, "stored-1")
    launched = [s for w in run["waves"] for s in w["servers"] if s["status"] == "launched"]
    assert len(launched) == 19, tail(proc)
    for s in launched:
        assert s["ec2_instance_id"] == truth[s["source_server_id"]]["target_instance_id"]


def test_failover_without_stored_pairs_launches_nothing_and_says_how_to_pair(lab, tmp_path):
    seq = lab.last_seq()
    proc = run_playbook(lab, "failover", tmp_path, dr_mode="drill", dr_run_id="unpaired-1")
    assert proc.returncode != 0
    assert [c for c in lab.calls(seq) if c["operation"] in ("StartRecovery", "UpdateLaunchConfiguration")] == [], tail(proc)
    run = record(tmp_path, "unpaired-1")
    kinds = {p["kind"] for w in run["waves"] for p in w["problems"]}
    assert "unmatched" in kinds
    assert any("elastic_dr.orchestrator.pair" in (p["remediation"] or "") for w in run["waves"] for p in w["problems"])


def test_drift_since_review_blocks_that_server_and_readiness_says_so(lab, tmp_path):
    truth = {s["name"]: s for s in lab.truth()["servers"]}
    store_reviewed_pairs(lab, tmp_path / "pairing")
    _drs, ec2 = clients(lab)
    renamed = truth["web-02"]
    ec2.create_tags(Resources=[renamed["target_instance_id"]], Tags=[{"Key": "Name", "Value": "web-02-repurposed"}])
    proc = run_playbook(lab, "readiness", tmp_path)
    assert proc.returncode == 0, tail(proc)
    assert "was named web-02 when the pair was reviewed" in proc.stdout, tail(proc)
    proc = run_playbook(lab, "drill", tmp_path, dr_run_id="drift-1", dr_waves="wave_03")
    run = record(tmp_path, "drift-1")
    launched = {s["source_server_id"] for w in run["waves"] for s in w["servers"] if s["status"] == "launched"}
    assert renamed["source_server_id"] not in launched and truth["web-01"]["source_server_id"] in launched, tail(proc)


def test_hostile_estate_no_server_ever_takes_another_servers_target(lab, tmp_path):
    lab.reset(estate=HOSTILE, time_scale=FAST_SCALE)
    truth = lab.truth()["servers"]
    by_id = {s["source_server_id"]: s for s in truth}
    owner = {s["target_instance_id"]: s["source_server_id"] for s in truth if s["target_instance_id"]}
    preview = run_playbook(lab, "pair", tmp_path, dr_run_id="hostile-pair")
    assert preview.returncode == 0, tail(preview)
    review = json.loads((tmp_path / "hostile-pair" / "pairs.json").read_text())
    paired = {p["source_server_id"]: p["target_instance_id"] for p in review["pairs"]}
    for sid, tid in paired.items():
        assert owner.get(tid) == sid, f"{by_id[sid]['name']} paired with {tid}"
    assert {by_id[sid]["name"] for sid in paired} == {"acme_prod", "broker-1a", "payroll01b", "db-2-1", "web-01"}, tail(preview)
    problems = {(p["source_name"], p["reason_code"]) for p in review["problems"]}
    codes = {name: code for name, code in problems}
    assert codes.get("crm-01") == codes.get("crm-02") == "names_swapped", problems
    assert codes.get("ledger-01") == "names_disagree", problems
    assert {(n, c) for n, c in problems if n == "files-01"} and all(c != "exact" for n, c in problems if n == "files-01")
    blocked = [p for p in review["problems"] if p["kind"] == "blocked"]
    assert blocked and all("ip" in p["evidence"] for p in blocked)  # the evidence is shown
    assert [p["source_name"] for p in review["proposals"]] == ["sql-007"]

    # The riskiest way to run it: match at failover time, fuzzy on, every acceptable proposal accepted.
    approved = tmp_path / "approved.yml"
    approved.write_text(yaml.safe_dump({"proposals": [dict(p, accept=True) for p in review["proposals"]]}))
    proc = run_playbook(lab, "drill", tmp_path, dr_run_id="hostile-drill", dr_pairing="match", dr_matching={"fuzzy": True},
                        dr_pair_approved_file=str(approved))
    run = record(tmp_path, "hostile-drill")
    launched = [s for w in run["waves"] for s in w["servers"] if s["status"] == "launched"]
    names = {by_id[s["source_server_id"]]["name"] for s in launched}
    assert names == {"acme_prod", "broker-1a", "payroll01b", "db-2-1", "web-01", "sql-007"}, tail(proc)
    for s in launched:
        assert owner.get(s["ec2_instance_id"]) == s["source_server_id"]


def test_pairing_under_50_percent_drs_throttling_stores_the_same_pairs_with_their_review_records(lab, tmp_path):
    truth = {s["source_server_id"]: s for s in lab.truth()["servers"]}
    lab.faults(throttle_rate=0.5, services=["drs"])
    try:
        proc = store_reviewed_pairs(lab, tmp_path / "pairing")
    finally:
        lab.faults()
    assert "have no valid pair" in proc.stdout and "Traceback" not in proc.stdout + proc.stderr, tail(proc)
    stored = stored_pairs(lab)
    assert len(stored) == 19, tail(proc)  # the 17 exact pairs and the 2 accepted proposals, as without faults
    for sid, tid in stored.items():
        assert tid == truth[sid]["target_instance_id"]
    drs, _ec2 = clients(lab)
    reviewed = {s["sourceServerID"]: s["tags"].get("elastic_dr:pair-target") for s in drs.describe_source_servers(filters={})["items"]}
    assert {sid: reviewed[sid] for sid in stored} == stored  # every stored pair has its review record
