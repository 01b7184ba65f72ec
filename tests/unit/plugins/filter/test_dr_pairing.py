"""The pair playbook's review: pairs with evidence, proposals to accept, problems with their fixes; the proposals file."""

from __future__ import annotations

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from plugins.filter.dr_pairing import dr_evidence_text, dr_pairing_lines, dr_pairing_proposals, dr_pairing_view, dr_pairs_to_apply
from plugins.filter.dr_plan import dr_accepted_pairs

EVIDENCE = {"name": {"method": "exact", "score": 100.0, "result": "exact"},
            "ip": {"result": "match", "target_ip": "10.0.1.11"}, "platform": {"result": "match"},
            "disks": {"result": "differs", "source_gib": [50 * 1024 ** 3], "target_gib": [20 * 1024 ** 3]},
            "size": {"result": "unknown"}, "verdict": "corroborated"}
MATCH = {
    "pairs": [{"source_server_id": "s-1", "source_name": "db-01", "target_instance_id": "i-1", "target_name": "DB-01",
               "target_private_ip": "10.0.1.11", "method": "exact", "score": 100.0, "evidence": EVIDENCE, "warnings": [],
               "stored_target_instance_id": None, "launch_config_in_place": False,
               "checks": [{"check": "replication_lag", "passed": False, "severity": "warning", "message": "lag 900 s"}]},
              {"source_server_id": "s-2", "source_name": "web-01", "target_instance_id": "i-2", "target_name": "web-01",
               "method": "stored", "score": None, "evidence": {}, "warnings": [], "stored_target_instance_id": "i-2",
               "launch_config_in_place": True, "checks": []}],
    "proposals": [{"source_server_id": "s-3", "source_name": "app-03", "target_instance_id": "i-3", "target_name": "app-3",
                   "score": 92.3, "acceptable": True, "evidence": {"ip": {"result": "match", "target_ip": "10.0.2.13"}},
                   "reason": "zero padding", "remediation": "Accept it in proposals.yml."}],
    "blocked": [{"source_server_id": "s-4", "source_name": "crm-01", "target_instance_id": "i-4", "reason_code": "names_swapped",
                 "reason": "swapped", "remediation": "Retag", "evidence": {"ip": {"result": "other_source", "target_ip": "10.0.2.14",
                                                                                  "owner": "s-5"}}}],
    "invalid_pairs": [{"source_server_id": "s-6", "source_name": "search-01", "remediation": "Pre-provision an x86_64 target",
                       "checks": [{"check": "architecture", "passed": False, "severity": "error", "message": "arm64"}]}],
    "unmatched_sources": [{"source_server_id": "s-7", "source_name": "batch-02", "reason_code": "no_exact_match", "reason": "none",
                           "remediation": "Tag it", "nearest": None}],
    "ambiguous": [], "errors": [], "unmatched_targets": [{"target_instance_id": "i-9", "target_name": "spare", "reason": "r",
                                                          "remediation": "m"}],
    "summary": {"sources": 7},
}


def test_evidence_reads_as_one_line_and_names_the_owner_of_a_foreign_ip():
    text = dr_evidence_text(EVIDENCE)
    assert text.startswith("name exact 100; ip match 10.0.1.11; platform match; disks differs (50 vs 20 GiB)")
    assert "size" not in text and text.endswith("verdict corroborated")
    assert "is the IP of s-5" in dr_evidence_text(MATCH["blocked"][0]["evidence"])


def test_view_counts_every_server_once_and_says_what_is_stored():
    view = dr_pairing_view(MATCH, "pair-1")
    assert [p["state"] for p in view["pairs"]] == ["to store", "stored"]
    assert view["pairs"][0]["warnings"] == ["lag 900 s"]
    assert [p["kind"] for p in view["problems"]] == ["invalid", "blocked", "unmatched"]
    assert view["summary"] == {"sources": 7, "pairs": 2, "proposals": 1, "acceptable_proposals": 1, "problems": 3, "stored": 1,
                               "to_store": 1}
    applied = {"servers": [{"source_server_id": "s-1", "changed": True}, {"source_server_id": "s-2", "changed": False}]}
    assert [p["state"] for p in dr_pairing_view(MATCH, "pair-1", applied)["pairs"]] == ["stored now", "stored"]
    with pytest.raises(AnsibleFilterError):
        dr_pairing_view({"failed": True})


def test_console_lines_show_pairs_proposals_and_problems_with_their_fix():
    lines = dr_pairing_lines(dr_pairing_view(MATCH, "pair-1"))
    assert lines[0] == ("7 source servers: 2 pairs (1 stored, 1 to store), 1 fuzzy proposal to review (1 acceptable), 3 problems.")
    assert any(line.startswith("PAIR     db-01 (s-1) -> i-1 DB-01 [name exact 100; ip match") for line in lines)
    assert any(line.startswith("PROPOSAL app-03 (s-3) -> i-3 app-3") and "acceptable: Accept it" in line for line in lines)
    assert any(line.startswith("BLOCKED  crm-01 (s-4): swapped -> Retag") for line in lines)


def test_only_valid_pairs_are_applied():
    assert [p["source_server_id"] for p in dr_pairs_to_apply(MATCH)] == ["s-1", "s-2"]


def test_the_proposals_file_round_trips_through_acceptance():
    text = dr_pairing_proposals(dr_pairing_view(MATCH, "pair-1"), "pair-1")
    assert text.startswith("# Fuzzy pairing proposals of pair run pair-1.")
    content = yaml.safe_load(text)
    assert content["proposals"][0]["accept"] is False and content["proposals"][0]["acceptable"] is True
    assert dr_accepted_pairs(content) == []
    content["proposals"][0]["accept"] = True
    assert dr_accepted_pairs(content) == [{"source_server_id": "s-3", "target_instance_id": "i-3"}]


@pytest.mark.parametrize("content, words", [
    ({"pairs": []}, "no 'proposals' list"),
    ({"proposals": [{"source_server_id": "s-1"}]}, "proposals[0] needs source_server_id and target_instance_id"),
    ({"proposals": [{"source_server_id": "s-1", "target_instance_id": "i-1", "accept": "yes"}]}, "accept must be true or false"),
])
def test_a_malformed_proposals_file_is_refused_with_the_key(content, words):
    with pytest.raises(AnsibleFilterError, match=words.replace("[", r"\[").replace("]", r"\]")):
        dr_accepted_pairs(content, "approved.yml")
