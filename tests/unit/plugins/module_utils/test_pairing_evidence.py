# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""pairing/evidence.py and the evidence policy: swapped tags, IPs of another source, facts, accepted proposals."""


import pytest

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.matching import match_servers

GIB = 1024**3


def ov(sid, tid):
    return {"source_server_id": sid, "target_instance_id": tid}


def test_evidence_of_an_exact_pair_is_complete():
    sources = [
        {
            "id": "s-1",
            "name": "web-01",
            "ips": ["10.0.0.1"],
            "platform": "linux",
            "architecture": "x86_64",
            "boot_mode": "uefi",
            "disks": [8 * GIB, 100 * GIB],
            "instance_type": "m5.large",
        }
    ]
    targets = [
        {
            "id": "i-1",
            "name": "WEB-01",
            "private_ip": "10.0.0.1",
            "platform": "Linux",
            "architecture": "x86_64",
            "boot_mode": "uefi",
            "disks": [100 * GIB, 8 * GIB],
            "instance_type": "m5.large",
            "subnet_id": "subnet-1",
            "az": "us-east-1a",
        }
    ]
    evidence = match_servers(sources, targets)["pairs"][0]["evidence"]
    assert evidence["name"] == {
        "method": "exact",
        "score": 100.0,
        "source_key": "web-01",
        "target_key": "web-01",
        "result": "exact",
    }
    assert evidence["ip"] == {"result": "match", "source_ips": ["10.0.0.1"], "target_ip": "10.0.0.1", "owner": None}
    assert evidence["platform"]["result"] == "match" and evidence["boot_mode"]["result"] == "match"
    assert evidence["disks"] == {"result": "match", "source_gib": [8, 100], "target_gib": [8, 100]}
    assert evidence["size"]["result"] == "match"
    assert evidence["placement"] == {"subnet_id": "subnet-1", "az": "us-east-1a"}
    assert evidence["contradictions"] == []
    assert evidence["corroborations"] == ["ip_match", "disks_match", "size_match"]
    assert evidence["verdict"] == "corroborated"


def test_unknown_facts_are_uncontradicted():
    evidence = match_servers([{"id": "s-1", "name": "a"}], [{"id": "i-1", "name": "a"}])["pairs"][0]["evidence"]
    assert evidence["verdict"] == "uncontradicted"
    assert {evidence[k]["result"] for k in ("ip", "platform", "architecture", "boot_mode", "disks", "size")} == {
        "unknown"
    }


def test_different_disks_or_size_do_not_block():
    sources = [{"id": "s-1", "name": "a", "disks": [8 * GIB], "instance_type": "m5.large"}]
    targets = [{"id": "i-1", "name": "a", "disks": [16 * GIB], "instance_type": "m5.xlarge"}]
    pair = match_servers(sources, targets)["pairs"][0]
    assert pair["evidence"]["disks"]["result"] == "differs" and pair["evidence"]["size"]["result"] == "differs"


@pytest.mark.parametrize(
    "fact, a, b",
    [("platform", "linux", "windows"), ("architecture", "x86_64", "arm64"), ("boot_mode", "uefi", "legacy_bios")],
)
def test_a_fact_mismatch_blocks_an_exact_pair(fact, a, b):
    result = match_servers([{"id": "s-1", "name": "a", fact: a}], [{"id": "i-1", "name": "a", fact: b}])
    assert result["pairs"] == []
    blocked = result["blocked"][0]
    assert (blocked["reason_code"], blocked["method"]) == ("evidence_contradicts", "exact")
    assert blocked["evidence"]["contradictions"] == ["%s_mismatch" % fact]
    assert a in blocked["reason"] and b in blocked["reason"]
    # An override would not help (DRS refuses the mismatch): the fix is a target like the source.
    assert blocked["remediation"].startswith("Pre-provision a %s target for s-1" % a)
    assert "override" not in blocked["remediation"]
    assert result["unmatched_targets"] == []


def test_the_ip_of_another_source_blocks_an_exact_pair():
    sources = [
        {"id": "s-1", "name": "vault-01", "ips": ["10.0.0.1"]},
        {"id": "s-2", "name": "keys-01", "ips": ["10.0.0.2"]},
    ]
    targets = [{"id": "i-1", "name": "vault-01", "private_ip": "10.0.0.2"}]
    result = match_servers(sources, targets)
    blocked = result["blocked"][0]
    assert (blocked["source_server_id"], blocked["reason_code"]) == ("s-1", "evidence_contradicts")
    assert blocked["evidence"]["ip"]["result"] == "other_source" and blocked["evidence"]["ip"]["owner"] == "s-2"
    assert "s-2" in blocked["reason"] and "10.0.0.2" in blocked["reason"]


def test_an_ip_that_belongs_to_nobody_does_not_block():
    sources = [{"id": "s-1", "name": "vault-01", "ips": ["10.0.0.1"]}]
    targets = [{"id": "i-1", "name": "vault-01", "private_ip": "10.9.9.9"}]
    pair = match_servers(sources, targets)["pairs"][0]
    assert pair["evidence"]["ip"]["result"] == "differs" and pair["evidence"]["verdict"] == "uncontradicted"


def test_swapped_name_tags_are_blocked_as_names_swapped():
    sources = [
        {"id": "s-a", "name": "mailhub-01", "ips": ["10.0.0.1"]},
        {"id": "s-b", "name": "chathub-01", "ips": ["10.0.0.2"]},
    ]
    targets = [
        {"id": "i-a", "name": "mailhub-01", "private_ip": "10.0.0.2"},
        {"id": "i-b", "name": "chathub-01", "private_ip": "10.0.0.1"},
    ]
    result = match_servers(sources, targets)
    assert result["pairs"] == []
    assert [(b["source_server_id"], b["target_instance_id"], b["reason_code"]) for b in result["blocked"]] == [
        ("s-a", "i-a", "names_swapped"),
        ("s-b", "i-b", "names_swapped"),
    ]
    remediation = result["blocked"][0]["remediation"]
    assert "i-a" in remediation and "i-b" in remediation
    assert "{source_server_id: s-a, target_instance_id: i-b}" in remediation
    assert "{source_server_id: s-b, target_instance_id: i-a}" in remediation
    assert "Name=chathub-01 on i-a" in remediation
    # the two overrides the remediation names fix it
    fixed = match_servers(sources, targets, overrides=[ov("s-a", "i-b"), ov("s-b", "i-a")])
    assert sorted((p["source_server_id"], p["target_instance_id"], p["method"]) for p in fixed["pairs"]) == [
        ("s-a", "i-b", "override"),
        ("s-b", "i-a", "override"),
    ]
    assert all(p["evidence"]["ip"]["result"] == "match" for p in fixed["pairs"])


def test_a_stored_pair_with_a_contradiction_is_blocked():
    sources = [{"id": "s-1", "name": "a", "architecture": "arm64"}]
    targets = [{"id": "i-1", "name": "a", "architecture": "x86_64"}]
    result = match_servers(sources, targets, claims=[ov("s-1", "i-1")])
    assert [(b["method"], b["reason_code"]) for b in result["blocked"]] == [("stored", "evidence_contradicts")]


def _typo_estate(target_ip):
    sources = [
        {"id": "s-1", "name": "payments-01", "ips": ["10.0.0.1"]},
        {"id": "s-2", "name": "x-99", "ips": ["10.0.0.2"]},
    ]
    targets = [{"id": "i-1", "name": "paymnets-01", "private_ip": target_ip}]
    return sources, targets


def test_a_proposal_is_acceptable_only_with_an_ip_match():
    sources, targets = _typo_estate("10.0.0.1")
    proposal = match_servers(sources, targets, fuzzy=True)["proposals"][0]
    assert proposal["acceptable"] is True and proposal["evidence"]["name"]["method"] == "fuzzy"
    assert "{source_server_id: s-1, target_instance_id: i-1}" in proposal["remediation"]
    sources, targets = _typo_estate(None)
    proposal = match_servers(sources, targets, fuzzy=True)["proposals"][0]
    assert proposal["acceptable"] is False and "cannot be accepted" in proposal["reason"]
    assert "add the override {source_server_id: s-1, target_instance_id: i-1}" in proposal["remediation"]


def test_an_accepted_acceptable_proposal_is_a_fuzzy_pair():
    sources, targets = _typo_estate("10.0.0.1")
    result = match_servers(sources, targets, fuzzy=True, accepted=[ov("s-1", "i-1")])
    assert [(p["method"], p["target_instance_id"]) for p in result["pairs"]] == [("fuzzy", "i-1")]
    assert result["pairs"][0]["score"] > 88 and result["proposals"] == []
    assert result["summary"]["fuzzy"] == 1


def test_an_accepted_proposal_that_is_contradicted_stays_a_proposal():
    sources, targets = _typo_estate("10.0.0.2")
    result = match_servers(sources, targets, fuzzy=True, accepted=[ov("s-1", "i-1")])
    assert result["pairs"] == []
    proposal = result["proposals"][0]
    assert proposal["acceptable"] is False and "s-2" in proposal["reason"] and "accepted" in proposal["reason"]


def test_accepted_without_fuzzy_pairs_nothing():
    sources, targets = _typo_estate("10.0.0.1")
    result = match_servers(sources, targets, accepted=[ov("s-1", "i-1")])
    assert result["pairs"] == [] and result["proposals"] == []
