"""A plan-wide match shared among the waves: dr_match_compact keeps what the waves use, dr_wave_match slices it per wave."""

from __future__ import annotations

from plugins.filter.dr_plan import PAIR_KEYS, dr_match_compact, dr_wave_match
from plugins.filter.dr_record import dr_readiness_lines, dr_wave_problems


def _pair(sid, iid):
    return {"source_server_id": sid, "source_name": f"n-{sid}", "source_hostname": "h", "origin_instance_id": "i-o",
            "target_instance_id": iid, "target_name": f"n-{sid}", "target_private_ip": "10.0.0.1", "target_subnet_id": "subnet-1",
            "target_security_groups": ["sg-1"], "target_state": "stopped", "method": "exact", "score": 100.0,
            "checks": [{"check": "target_stopped", "passed": True, "severity": "error"},
                       {"check": "replication_lag", "passed": False, "severity": "warning", "message": "lag 900 s"}]}


MATCH = {
    "changed": False,
    "pairs": [_pair("s-1", "i-1"), _pair("s-2", "i-2"), _pair("s-3", "i-3")],
    "invalid_pairs": [dict(_pair("s-4", "i-4"), remediation="Pre-provision an x86_64 target")],
    "unmatched_sources": [{"source_server_id": "s-5", "source_name": "batch-02", "reason": "no target", "remediation": "Tag it"}],
    "unmatched_targets": [],
    "ambiguous": [{"source_server_id": "s-6", "source_name": "report-01", "reason": "2 targets",
                   "candidates": [{"target_instance_id": "i-6"}, {"target_instance_id": "i-7"}],
                   "remediation": "Rename one"}],
    "duplicates": [{"side": "target", "key": "report-01", "ids": ["i-6", "i-7"]},
                   {"side": "source", "key": "web-01", "ids": ["s-8", "s-9"]}],
    "errors": [],
    "summary": {"sources": 6, "paired": 3},
}


def test_compact_keeps_what_the_waves_use_and_the_failed_checks():
    compact = dr_match_compact(MATCH)
    assert [sorted(p) for p in compact["pairs"]] == [sorted(PAIR_KEYS + ("checks",))] * 3
    assert compact["pairs"][0]["checks"] == [MATCH["pairs"][0]["checks"][1]]
    assert compact["invalid_pairs"] == MATCH["invalid_pairs"] and compact["summary"] == MATCH["summary"]


def test_no_usable_result_compacts_to_nothing():
    assert dr_match_compact(None) == {}
    assert dr_match_compact({"skipped": True}) == {}
    assert dr_match_compact({"failed": True, "msg": "AccessDenied"}) == {}
    assert dr_match_compact({"changed": False, "msg": "AccessDenied"}) == {}  # failed_when: false, no pairs
    assert dr_match_compact(dict(MATCH, errors=[{"message": "bad override", "remediation": "fix it"}])) == {}


def test_a_wave_whose_servers_all_have_valid_pairs_is_complete():
    wave = dr_wave_match({"name": "wave_01", "source_server_ids": ["s-2", "s-1"]}, dr_match_compact(MATCH))
    assert wave["complete"] is True and wave["wave"] == "wave_01"
    assert [p["source_server_id"] for p in wave["pairs"]] == ["s-1", "s-2"]
    assert wave["summary"] == {"sources": 2, "paired": 2, "invalid": 0, "unmatched_sources": 0, "ambiguous": 0, "blocked": 0, "proposals": 0, "match_rate": 1.0,
                               "exact": 2, "fuzzy": 0, "override": 0, "stored": 0, "origin": 0}
    assert dr_wave_problems(wave) == []


def test_a_wave_with_any_problem_is_incomplete_and_keeps_its_problems_only():
    wave = dr_wave_match({"name": "wave_02", "source_server_ids": ["s-3", "s-4", "s-5", "s-6"]}, MATCH)
    assert wave["complete"] is False
    assert [p["kind"] for p in dr_wave_problems(wave)] == ["unmatched", "ambiguous", "invalid"]
    assert [d["key"] for d in wave["duplicates"]] == ["report-01"]  # the target twins of its ambiguous source
    assert wave["summary"]["paired"] == 1 and wave["summary"]["match_rate"] == 0.25
    lines = dr_readiness_lines([wave])
    assert lines[0] == "wave_02: 1/4 servers ready to launch into their own instance, 3 problems"
    assert any("[ambiguous] report-01" in line and "Rename one" in line for line in lines)
    one = dr_wave_match({"name": "wave_03", "source_server_ids": ["s-1", "s-5"]}, MATCH)
    assert dr_readiness_lines([one])[0] == "wave_03: 1/2 servers ready to launch into their own instance, 1 problem"


def test_a_server_missing_from_the_plan_wide_match_makes_the_wave_match_again():
    assert dr_wave_match({"name": "w", "source_server_ids": ["s-1", "s-99"]}, MATCH)["complete"] is False
    assert dr_wave_match({"name": "w", "source_server_ids": ["s-1"]}, {})["complete"] is False  # no plan-wide match


def test_readiness_lines_count_warnings_apart_from_problems():
    wave = dr_wave_match({"name": "wave_01", "source_server_ids": ["s-1", "s-2"]}, MATCH)
    lines = dr_readiness_lines([wave], warnings=True)
    assert lines[0] == "wave_01: 2/2 servers ready to launch into their own instance, 2 warnings"
    assert lines[1].startswith("  [warning] n-s-1 (s-1): lag 900 s")
    assert dr_readiness_lines([wave]) == ["wave_01: 2/2 servers ready to launch into their own instance"]
