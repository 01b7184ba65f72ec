# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Where a failed-over server runs (module_utils/failback_state.py) and what a failback wave records of it
(records.failback_reversal): every state a kill or a stray hand can leave behind."""

import pytest

from plugins.module_utils import failback_state as fs
from plugins.module_utils import records

FWD = {"sourceServerID": "s-1"}
RI = {"recoveryInstanceID": "i-ri1", "ec2InstanceID": "i-dr1"}


def inst(iid, state, ip="10.0.0.5"):
    return {"InstanceId": iid, "State": {"Name": state}, "PrivateIpAddress": ip}


def where(ri, dr_state, original_state, reversed_server=None, failback=None):
    return fs.classify(FWD, ri, inst("i-dr1", dr_state) if dr_state else None, inst("i-orig1", original_state) if original_state else None,
                       reversed_server, failback, "us-east-1", "us-west-2")


@pytest.mark.parametrize("case, expected", [
    # (recovery instance?, DR state, original state, reversed?, failback RI?) -> state
    ((RI, "running", "running", None, None), fs.RECOVERED),         # after a failover; the stale original still runs
    ((RI, "running", "stopped", None, None), fs.RECOVERED),         # the usual after a real outage
    ((RI, "stopped", "running", None, None), fs.RECOVERED),         # someone stopped the DR instance (precheck refuses it)
    ((RI, "running", "stopped", {"dataReplicationInfo": {}}, None), fs.REVERSING),
    ((RI, "running", "stopped", {"dataReplicationInfo": {}}, {"recoveryInstanceID": "i-fb"}), fs.REVERSING),  # launch under way
    ((RI, "running", "running", {"dataReplicationInfo": {}}, {"recoveryInstanceID": "i-fb"}), fs.FAILED_BACK),
    ((None, "stopped", "running", None, None), fs.FAILED_BACK),     # failed back and cleaned up by an earlier pass
    ((RI, "stopped", "stopped", {"dataReplicationInfo": {}}, None), fs.NOWHERE),
    ((None, "stopped", "stopped", None, None), fs.NOWHERE),         # a killed resume stopped the original after the clean-up
    ((None, None, None, None, None), fs.NOWHERE),
    ((None, "running", "running", None, None), fs.UNKNOWN),         # the DRS record vanished and both run: nothing explains it
])
def test_where_a_server_runs(case, expected):
    state, message, remediation = where(*case)
    assert state == expected, message
    assert (remediation is not None) == (expected in (fs.NOWHERE, fs.UNKNOWN))


def test_nowhere_names_both_instances_and_the_way_back():
    state, message, remediation = where(RI, "stopped", "stopped")
    assert state == fs.NOWHERE
    assert "i-dr1" in message and "i-orig1" in message
    assert remediation.startswith("Start i-dr1 in us-west-2") and "same dr_run_id" in remediation
    # After a finished failback (its records cleaned up) the original holds the latest data, not the DR instance.
    state, message, remediation = where(None, "stopped", "stopped")
    assert state == fs.NOWHERE and remediation.startswith("Start i-orig1 in us-east-1")


def test_a_server_running_nowhere_fails_the_run():
    nowhere = {"source_server_id": "s-1", "state": "nowhere", "message": "Runs nowhere.", "remediation": "Start i-dr1."}
    fine = {"source_server_id": "s-2", "state": "failed_back", "original_instance_id": "i-o2", "original_private_ip": "10.0.0.2",
            "message": "Runs in its original."}
    extras = records.failback_reversal(where=[nowhere, fine], names={"s-1": "db-01"})
    assert [p["kind"] for p in extras["problems"]] == ["nowhere"] and extras["problems"][0]["name"] == "db-01"
    assert [s["source_server_id"] for s in extras["settled"]] == ["s-2"]
    wave = records.wave_record({"name": "wave_01", "number": 1, "source_server_ids": ["s-1", "s-2"]}, "failback", "us-east-1",
                               settled=extras["settled"], extra_problems=extras["problems"])
    assert wave["status"] == "partial"
    judged = records.verdict({"waves": [wave], "playbook": "failback", "mode": "recovery"})
    assert judged["verdict"] == "FAIL" and "running nowhere" in judged["reasons"][0] and "db-01" in judged["reasons"][0]


def test_a_server_settled_earlier_counts_as_recovered_in_its_original():
    settled = records.settled_server({"source_server_id": "s-2", "state": "failed_back", "original_instance_id": "i-o2",
                                      "original_private_ip": "10.0.0.2", "message": "Runs in its original instance i-o2."})
    wave = records.wave_record({"name": "wave_01", "number": 1, "source_server_ids": ["s-2"]}, "failback", "us-east-1", settled=[settled])
    assert wave["status"] == "succeeded" and wave["servers"][0]["ec2_instance_id"] == "i-o2"
    # Only a server whose recovery instance is gone was settled by an earlier pass; one still recovered is failed back now.
    assert records.settled_in_origin([{"state": "failed_back", "recovery_instance_id": "i-ri"}]) == []


def _precheck(*items):
    return {"instances": list(items)}


def test_precheck_refusals_say_how_to_resume():
    running = {"recovery_instance_id": "i-ri1", "source_server_id": "s-1", "error": "Original instance i-o1 is running.",
               "remediation": "Stop i-o1 before the failback launch.",
               "checks": [{"check": "original_instance_stopped", "passed": False, "severity": "error"}]}
    stopped_dr = {"recovery_instance_id": "i-ri2", "source_server_id": "s-2", "error": "Recovery instance i-ri2 is stopped.",
                  "remediation": "Start i-ri2.", "checks": [{"check": "recovery_instance_running", "passed": False, "severity": "error"}]}
    fine = {"recovery_instance_id": "i-ri3", "source_server_id": "s-3", "checks": []}
    extras = records.failback_reversal(_precheck(running, stopped_dr, fine), names={"s-1": "db-01"}, run_id="fb-7")
    by_sid = {p["source_server_id"]: p for p in extras["problems"]}
    assert set(by_sid) == {"s-1", "s-2"} and {p["kind"] for p in by_sid.values()} == {"precheck"}
    assert by_sid["s-1"]["name"] == "db-01" and by_sid["s-2"]["name"] == "i-ri2"
    assert by_sid["s-1"]["remediation"].endswith("adding -e dr_stop_originals=true -e dr_run_id=fb-7.")
    assert by_sid["s-2"]["remediation"].endswith("adding -e dr_run_id=fb-7.")
    # With dr_stop_originals already on, the resume does not repeat it.
    again = records.failback_reversal(_precheck(running), run_id="fb-7", stop_originals=True)["problems"][0]["remediation"]
    assert "dr_stop_originals" not in again.split("Then")[-1]


def test_reverse_replications_left_running_are_recorded_with_the_command_that_removes_them():
    reverse = {"instances": [
        {"recovery_instance_id": "i-ri1", "source_server_id": "s-1", "reversed_source_server_id": "s-r1", "reversed_region": "us-east-1",
         "replication_state": "CONTINUOUS", "changed": True},
        {"recovery_instance_id": "i-ri2", "source_server_id": "s-2", "reversed_source_server_id": "s-r2", "reversed_region": "us-east-1",
         "replication_state": "CONTINUOUS", "changed": True}]}
    back = [{"source_server_id": "s-r1", "planned_source_server_id": "s-1", "status": "launched", "identity_preserved": True}]
    extras = records.failback_reversal(reverse=reverse, servers=back, run_id="fb-7", region="us-west-2")
    assert [e["reversed_source_server_id"] for e in extras["reversed"]] == ["s-r1", "s-r2"]
    [left] = extras["problems"]
    assert left["kind"] == "reversed" and left["severity"] == "warning" and left["source_server_id"] == "s-2"
    assert "drs_reverse_replication" in left["remediation"] and '"i-ri2"' in left["remediation"] and '"i-ri1"' not in left["remediation"]
