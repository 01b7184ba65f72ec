"""Drift of a stored pair against its review record (the elastic_dr:pair-* tags the pair playbook writes)."""

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.pair_discovery import engine_source, server_names
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.pair_drift import drift_checks, launch_config_in_place

REVIEWED = {"elastic_dr:pair-target": "i-1", "elastic_dr:pair-ip": "10.0.1.11", "elastic_dr:pair-name": "DB-01",
            "elastic_dr:pair-method": "exact", "elastic_dr:pair-reviewed": "pair-1"}


def _entry(**changes):
    entry = {"source_server_id": "s-1", "source_name": "db-01", "target_instance_id": "i-1", "target_name": "DB-01",
             "target_private_ip": "10.0.1.11", "method": "stored", "stored_target_instance_id": "i-1",
             "evidence": {"name": {"result": "exact"}}}
    entry.update(changes)
    return entry


def _failed(checks):
    return {(c["check"], c["severity"]) for c in checks if not c["passed"]}


def test_a_reviewed_pair_that_still_holds_has_no_drift():
    assert _failed(drift_checks({"tags": REVIEWED}, _entry())) == set()


def test_renamed_readdressed_or_repointed_targets_are_errors():
    assert _failed(drift_checks({"tags": REVIEWED}, _entry(target_name="DB-01-old"))) == {("pair_name", "error")}
    assert _failed(drift_checks({"tags": REVIEWED}, _entry(target_private_ip="10.0.1.99"))) == {("pair_ip", "error")}
    moved = _entry(target_instance_id="i-2", stored_target_instance_id="i-2")
    assert ("pair_target", "error") in _failed(drift_checks({"tags": REVIEWED}, moved))


def test_an_unreviewed_stored_pair_is_a_warning_when_names_agree_and_an_error_when_they_differ():
    assert _failed(drift_checks({"tags": {}}, _entry())) == {("pair_reviewed", "warning")}
    differs = _entry(evidence={"name": {"result": "differs"}})
    assert _failed(drift_checks({"tags": {}}, differs)) == {("pair_reviewed", "error")}


def test_a_pair_that_is_not_stored_yet_has_no_drift_checks():
    assert drift_checks({"tags": REVIEWED}, _entry(stored_target_instance_id=None)) == []


def test_launch_config_in_place_needs_the_target_and_the_launch_into_settings():
    config = {"launchIntoInstanceProperties": {"launchIntoEC2InstanceID": "i-1"}, "copyPrivateIp": False, "copyTags": False}
    assert launch_config_in_place(config, "i-1") is True
    assert launch_config_in_place(dict(config, copyTags=True), "i-1") is False
    assert launch_config_in_place(config, "i-2") is False and launch_config_in_place(None, "i-1") is False


def test_every_name_of_a_server_counts_but_a_generated_ec2_hostname_does_not():
    server = {"sourceServerID": "s-1", "tags": {"Name": "DB-01"},
              "sourceProperties": {"identificationHints": {"hostname": "ip-10-0-1-11.ec2.internal"},
                                   "networkInterfaces": [{"ips": ["10.0.1.11"]}], "disks": [{"bytes": 1024}]}}
    order = ["drs_tag", "origin_instance_tag", "hostname"]
    assert server_names(server, order, {}) == {"drs_tag": "DB-01"}
    server["sourceProperties"]["identificationHints"]["hostname"] = "db-07"
    assert server_names(server, order, {}) == {"drs_tag": "DB-01", "hostname": "db-07"}
    record = engine_source(server, order, {})
    assert record["ips"] == ["10.0.1.11"] and record["disks"] == [1024] and record["name"] == "DB-01"
