"""Failback waves from a failover's run record, and the cross-check against what DRS shows now."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from plugins.filter.dr_plan import dr_failback_waves, dr_recovery_instance_problems


def _server(sid, status="launched", ri=None, ip="10.0.0.1", critical=False):
    return {"source_server_id": sid, "status": status, "recovery_instance_id": ri, "private_ip": ip, "critical": critical}


RECORD = {
    "playbook": "failover", "mode": "recovery",
    "waves": [
        {"name": "wave_02", "number": 2, "servers": [_server("s-3", ri="i-3", ip="10.0.0.3")]},
        {"name": "wave_01", "number": 1, "servers": [
            _server("s-2", ri="i-2", ip="10.0.0.2", critical=True), _server("s-1", status="failed", ri=None), _server("s-9", ri="i-9", ip=None)]},
        {"name": "wave_03", "number": 3, "servers": [_server("s-4", status="failed")]},
    ],
}


def test_waves_keep_the_failover_order_and_only_launched_servers():
    waves = dr_failback_waves(RECORD)
    assert [w["name"] for w in waves] == ["wave_01", "wave_02"]  # wave_03 launched nothing: nothing to fail back
    assert [w["number"] for w in waves] == [1, 2]
    first = waves[0]
    assert first["source_server_ids"] == ["s-2", "s-9"]
    assert first["critical"] == ["s-2"]
    assert first["expected_recovery_instances"] == {"s-2": "i-2", "s-9": "i-9"}
    assert first["expected_private_ips"] == {"i-2": "10.0.0.2"}


@pytest.mark.parametrize("record, words", [
    ({"playbook": "failover", "mode": "drill", "waves": []}, "drill mode"),
    ({"playbook": "failback", "mode": "recovery", "waves": []}, "failback run"),
    ({"run_id": "x"}, "not a run record"),
    ([], "not a run record"),
])
def test_drill_failback_and_foreign_records_are_refused_with_what_to_pass(record, words):
    with pytest.raises(AnsibleFilterError, match=words) as error:
        dr_failback_waves(record, "reports/x/run.json")
    assert "dr_failover_run_id" in str(error.value)


def test_a_recovery_instance_drs_no_longer_shows_is_a_problem_with_remediation():
    now = [{"source_server_id": "s-2", "recovery_instance_id": "i-2"}, {"source_server_id": "s-9", "recovery_instance_id": "i-99"}]
    problems = dr_recovery_instance_problems(now, {"s-2": "i-2", "s-9": "i-9", "s-5": "i-5"})
    assert [(p["source_server_id"], p["kind"]) for p in problems] == [("s-5", "record_mismatch"), ("s-9", "record_mismatch")]
    assert "DRS now shows i-99" in problems[1]["message"] and "DRS now shows none" in problems[0]["message"]
    assert all(p["remediation"] for p in problems)
    assert dr_recovery_instance_problems(now, {"s-2": "i-2"}) == []
