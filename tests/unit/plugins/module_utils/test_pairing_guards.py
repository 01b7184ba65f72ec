# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""pairing/guards.py and the fuzzy phase, per failure class: what is another machine, what is only a proposal."""


import pytest

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.matching import (
    exact_key,
    match_servers,
)
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.pairing import guards
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.pairing.normalize import tokens


def veto(source_name, target_name):
    return guards.veto(tokens(exact_key(source_name)), tokens(exact_key(target_name)))


def one(source_name, target_name, **kwargs):
    """match one source against one target with fuzzy on; the target carries the source's IP."""
    sources = [{"id": "s-1", "name": source_name, "ips": ["10.0.0.1"]}]
    targets = [{"id": "i-1", "name": target_name, "private_ip": "10.0.0.1"}]
    return match_servers(sources, targets, fuzzy=True, **kwargs)


# Another machine, whatever the score: never proposed, never paired (class, source name, target name, veto code).
DIFFERENT = [
    ("reordered_numbers", "db-1-2", "db-2-1", "numbers_differ"),
    ("reordered_numbers", "ip-10-0-1-25", "ip-10-1-0-25", "numbers_differ"),
    ("reordered_numbers", "10.0.1.25", "10.1.0.25", "numbers_differ"),
    ("other_number", "web-prod-0012", "web-prod-0013", "numbers_differ"),
    ("letter_siblings", "payroll01a", "payroll01b", "single_letter"),
    ("letter_siblings", "broker-1a", "broker-1b", "single_letter"),
    ("letter_siblings", "payroll01", "payroll01b", "single_letter"),
    ("direction", "billing-east-01", "billing-west-01", "direction_code"),
    ("direction", "billing-ne-01", "billing-nw-01", "direction_code"),
    ("region", "app-use1-01", "app-usw1-01", "region_code"),
    ("region", "app-euw1-01", "app-euc1-01", "region_code"),
    ("region", "app-apse2-01", "app-apne2-01", "region_code"),
    ("region", "app-us-east-1-01", "app-us-west-1-01", "direction_code"),
    ("roman", "sapnode-ii", "sapnode-iii", "roman_numeral"),
    ("roman", "sapnode-xviii-01", "sapnode-xviii-01-b", "single_letter"),
    ("lifecycle", "billing-01", "billing-01-old", "lifecycle_marker"),
    ("lifecycle", "billing-01", "billing-01-test", "lifecycle_marker"),
    ("lifecycle", "billing-prod-01", "billing-dev-01", "lifecycle_marker"),
    ("lifecycle", "billing-blue-01", "billing-green-01", "lifecycle_marker"),
    ("lifecycle", "orders-primary-01", "orders-primery-01", "lifecycle_marker"),
    ("lifecycle", "orders-01-standby", "orders-01", "lifecycle_marker"),
    ("short_token", "web-01", "wbe-01", "short_token"),
    ("short_token", "crm-01", "cms-01", "short_token"),
    ("extra_token", "payments-01", "payments-01-frontend", "extra_token"),
    ("word_differs", "payments-01", "invoices-01", "word_differs"),
    ("dr_in_the_middle", "ledger-dr-01", "ledger-01", "short_token"),
    ("hash_ids", "app-7f3a9c", "app-7f3b9c", "single_letter"),
    ("hash_ids", "app-deadbeef-01", "app-deadbeaf-01", "hash_like"),
    ("hash_ids", "srv-a1b2c3d4", "srv-a1b2c3d5", "numbers_differ"),
    ("system_id", "sap-prd-ab1", "sap-prd-ab2", "numbers_differ"),
    ("system_id", "sap-prd-pa1", "sap-prd-pb1", "short_token"),
    ("truncated_15", "dw01-warehou", "dw01-warehouse-prod", "lifecycle_marker"),
    ("truncated_15", "accountingsrv", "accountingsrv01", "numbers_differ"),
    ("tenant_prefix", "acme-erp-01", "globex-erp-01", "short_token"),
    ("tenant_prefix", "initech-erp-01", "umbrella-erp-01", "word_differs"),
    ("tenant_prefix", "t1-erp-01", "t2-erp-01", "numbers_differ"),
    ("site_code", "nyc-files-01", "sfo-files-01", "short_token"),
    ("site_code", "fra1-files-01", "ams1-files-01", "short_token"),
    ("environment_synonym_of_another_class", "orders-prd-01", "orders-stg-01", "lifecycle_marker"),
]

# Typo-like differences of the same host: a proposal for a human, never a pair by itself.
SAME_HOST = [
    ("typo_long_word", "payments-01", "paymnets-01"),
    ("typo_long_word", "settlement-01", "setlement-01"),
    ("typo_nine_letters_two_edits", "reconciliation-01", "reconcilaitoin-01"),
    ("zero_padding", "sql-007", "SQL-7"),
    ("dr_suffix", "ledger-01", "ledger-01-dr"),
    ("dr_suffix", "ledger-01", "dr-ledger-01"),
    ("dr_suffix", "ledger-01", "ledger01drs"),
    ("token_reordering", "payments-prod-01", "prod-payments-01"),
    ("concatenation", "web-server-01", "webserver-01"),
    ("environment_synonym", "payments-prod-01", "payments-production-01"),
    ("environment_synonym", "payments-stg-01", "payments-staging-01"),
]


@pytest.mark.parametrize("label, a, b, code", DIFFERENT, ids=["%s:%s/%s" % (c[0], c[1], c[2]) for c in DIFFERENT])
def test_guard_vetoes_another_machine(label, a, b, code):
    found = veto(a, b)
    assert found is not None and found.code == code, (label, found)
    assert veto(b, a) is not None


@pytest.mark.parametrize("label, a, b, code", DIFFERENT, ids=["%s:%s/%s" % (c[0], c[1], c[2]) for c in DIFFERENT])
def test_another_machine_is_never_paired_nor_proposed(label, a, b, code):
    result = one(a, b)
    assert result["pairs"] == [] and result["proposals"] == []
    entry = result["unmatched_sources"][0]
    # the nearest candidate is explained when it scored near the threshold
    if entry["nearest"] is not None:
        assert entry["reason_code"] in (code, "below_threshold", "no_candidate")
        assert "{source_server_id: s-1, target_instance_id: i-1}" in entry["remediation"]


@pytest.mark.parametrize("label, a, b", SAME_HOST, ids=["%s:%s/%s" % c for c in SAME_HOST])
def test_guard_lets_typo_like_differences_through(label, a, b):
    assert veto(a, b) is None and veto(b, a) is None


@pytest.mark.parametrize(
    "label, a, b", [c for c in SAME_HOST if c[0] in ("typo_long_word", "zero_padding", "dr_suffix")]
)
def test_typo_like_difference_is_a_proposal_not_a_pair(label, a, b):
    result = one(a, b)
    assert result["pairs"] == []
    assert [(p["source_server_id"], p["target_instance_id"], p["acceptable"]) for p in result["proposals"]] == [
        ("s-1", "i-1", True)
    ]
    assert "accepted" in result["proposals"][0]["remediation"]


def test_numbers_must_be_equal_in_order_not_as_a_multiset():
    assert guards.number_sequence(("db", "1", "2")) != guards.number_sequence(("db", "2", "1"))
    assert guards.number_sequence(("sql", "007")) == guards.number_sequence(("sql", "7"))


def test_fuzzy_near_tie_is_ambiguous():
    sources = [{"id": "s-1", "name": "settlement-01"}]
    targets = [{"id": "i-1", "name": "setlement-01"}, {"id": "i-2", "name": "settlemnt-01"}]
    result = match_servers(sources, targets, fuzzy=True)
    assert result["proposals"] == [] and result["ambiguous"][0]["reason_code"] == "fuzzy_near_tie"
    assert len(result["ambiguous"][0]["candidates"]) == 2
    assert set(e["reason_code"] for e in result["unmatched_targets"]) == {"fuzzy_ambiguous"}


def test_fuzzy_contested_target_is_ambiguous():
    sources = [{"id": "s-1", "name": "settlement-01"}, {"id": "s-2", "name": "setlemment-01"}]
    targets = [{"id": "i-1", "name": "setlement-01"}]
    result = match_servers(sources, targets, fuzzy=True)
    assert result["proposals"] == []
    assert {a["reason_code"] for a in result["ambiguous"]} <= {"fuzzy_contested_target", "fuzzy_near_tie"}
    assert len(result["ambiguous"]) == 2


def test_a_vetoed_candidate_does_not_compete():
    """payroll01b is another machine: it neither wins nor makes payroll-01's true typo a tie."""
    sources = [{"id": "s-1", "name": "payrolls01", "ips": ["10.0.0.1"]}]
    targets = [{"id": "i-1", "name": "payroll01", "private_ip": "10.0.0.1"}, {"id": "i-2", "name": "payrolls01b"}]
    result = match_servers(sources, targets, fuzzy=True)
    assert [(p["target_instance_id"]) for p in result["proposals"]] == ["i-1"]


def test_fuzzy_never_takes_a_target_named_like_another_source():
    sources = [{"id": "s-1", "name": "ledger-01-dr"}, {"id": "s-2", "names": {"drs_tag": "ledger-01", "hostname": "x"}}]
    result = match_servers(sources, [{"id": "i-1", "name": "ledger-01"}], fuzzy=True)
    assert result["proposals"] == []
    assert result["unmatched_targets"][0]["reason_code"] == "source_not_paired"


def test_below_threshold_names_the_nearest():
    result = one("payments-01", "paymnets-01", threshold=92.0)
    entry = result["unmatched_sources"][0]
    assert entry["reason_code"] == "below_threshold"
    assert entry["nearest"]["target_instance_id"] == "i-1" and "i-1" in entry["remediation"]


def test_without_fuzzy_the_nearest_is_still_explained():
    result = match_servers([{"id": "s-1", "name": "payments-01"}], [{"id": "i-1", "name": "paymnets-01"}])
    entry = result["unmatched_sources"][0]
    assert entry["reason_code"] == "no_exact_match" and entry["nearest"]["target_instance_id"] == "i-1"
    assert result["proposals"] == []
