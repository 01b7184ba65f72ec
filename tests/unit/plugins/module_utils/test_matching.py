# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""plugins/module_utils/matching.py (the facade): API, names and keys, phases, overrides, claims, foreign owners."""

import json

import pytest

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import matching
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.matching import (
    exact_key,
    match_servers,
    normalize_name,
)
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.pairing import scoring


def src(*names, **extra):
    return [dict({"id": "s-%02d" % n, "name": name}, **extra) for n, name in enumerate(names)]


def tgt(*names, **extra):
    return [dict({"id": "i-%02d" % n, "name": name, "state": "stopped"}, **extra) for n, name in enumerate(names)]


def pairs_of(result, method=None):
    return sorted(
        (p["source_server_id"], p["target_instance_id"])
        for p in result["pairs"]
        if method is None or p["method"] == method
    )


def codes(entries, key="source_server_id"):
    return dict((e[key], e["reason_code"]) for e in entries)


def ov(sid, tid):
    return {"source_server_id": sid, "target_instance_id": tid}


# ----------------------------------------------------------------------------------------------------------------
# API surface
# ----------------------------------------------------------------------------------------------------------------


def test_facade_exports_exactly_the_public_api():
    assert set(matching.__all__) == {
        "HAS_RAPIDFUZZ",
        "MatchingDependencyError",
        "DEFAULT_THRESHOLD",
        "DEFAULT_MARGIN",
        "DEFAULT_SCORER",
        "SCORERS",
        "OVERRIDE_TEMPLATE",
        "normalize_name",
        "exact_key",
        "match_servers",
    }
    for name in matching.__all__:
        assert hasattr(matching, name)
    assert matching.DEFAULT_THRESHOLD == 88.0 and matching.DEFAULT_MARGIN == 5.0
    assert matching.DEFAULT_SCORER == "ratio+token_sort_ratio"
    assert matching.OVERRIDE_TEMPLATE.format(source_server_id="s-1", target_instance_id="i-1") == (
        "{source_server_id: s-1, target_instance_id: i-1}"
    )


def test_result_shape_and_summary():
    result = match_servers(src("web-01", "db-01"), tgt("WEB-01"))
    assert set(result) == {
        "pairs",
        "proposals",
        "blocked",
        "unmatched_sources",
        "unmatched_targets",
        "ambiguous",
        "duplicates",
        "reserved",
        "errors",
        "summary",
    }
    pair = result["pairs"][0]
    assert set(pair) == {
        "source_server_id",
        "source_name",
        "target_instance_id",
        "target_name",
        "method",
        "score",
        "names",
        "evidence",
        "warnings",
    }
    assert pair["method"] == "exact" and pair["score"] == 100.0 and pair["names"] == {"name": "web-01"}
    unmatched = result["unmatched_sources"][0]
    assert set(unmatched) == {
        "source_server_id",
        "source_name",
        "names",
        "reason_code",
        "reason",
        "remediation",
        "nearest",
    }
    summary = result["summary"]
    assert summary["sources"] == 2 and summary["targets"] == 1 and summary["paired"] == 1 and summary["exact"] == 1
    assert summary["match_rate"] == 0.5
    json.dumps(result)


# ----------------------------------------------------------------------------------------------------------------
# normalize_name and exact_key
# ----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("  Web-Prod-01  ", "web-prod-01"),
        ("WEB\t prod\n01", "web prod 01"),
        ("ｗｅｂ－ｐｒｏｄ－０１", "web-prod-01"),
        ("Straße-01", "strasse-01"),
        ("web\u200b-01", "web-01"),
        ("ﬁle-01", "file-01"),
        (None, ""),
        ("", ""),
        ("   ", ""),
        (42, "42"),
    ],
)
def test_normalize_basic(raw, expected):
    assert normalize_name(raw) == expected


def test_normalize_strips_prefix_suffix_and_patterns_case_insensitively():
    assert normalize_name("DR-Web-01-USEAST1", strip_prefixes=["dr-"], strip_suffixes=["-useast1"]) == "web-01"
    assert normalize_name("web-01.corp.example.com", strip_patterns=[r"\.corp\.example\.com$"]) == "web-01"
    assert normalize_name("dr-dr-web-01", strip_prefixes=["dr-"]) == "web-01"
    assert normalize_name("dr-", strip_prefixes=["dr-"]) == "dr-"
    with pytest.raises(ValueError, match="strip_patterns"):
        normalize_name("x", strip_patterns=["("])


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("acme_prod", "acme-prod"),
        ("ACME-PROD", "acme-prod"),
        ("acme . prod", "acme-prod"),
        ("db-1-2", "db-1-2"),
        ("db-12", "db-12"),
        ("--web__01--", "web-01"),
        ("a:b/c\\d|e,f;g", "a-b-c-d-e-f-g"),
        ("db-01.corp.example.com", "db-01"),
        ("DB-01.CORP.EXAMPLE.COM.", "db-01"),
        ("ip-10-0-1-25.ec2.internal", "ip-10-0-1-25"),
        ("10.0.1.25", "10-0-1-25"),
        ("web.01.example.com", "web-01-example-com"),
        ("web.example", "web-example"),
        ("sql-007", "sql-007"),
    ],
)
def test_exact_key(raw, expected):
    assert exact_key(raw) == expected


def test_exact_key_keeps_numbers_apart():
    assert exact_key("db-1-2") != exact_key("db-12") != exact_key("db-2-1")
    assert exact_key("sql-007") != exact_key("SQL-7")


def test_separator_folding_pairs_acme_prod_with_ACME_PROD():
    result = match_servers(src("acme_prod"), tgt("ACME-PROD"))
    assert pairs_of(result, "exact") == [("s-00", "i-00")]


def test_fqdn_hostname_pairs_the_short_name():
    sources = [{"id": "s-1", "names": {"hostname": "db-01.corp.example.com"}}]
    result = match_servers(sources, tgt("DB-01"))
    assert pairs_of(result, "exact") == [("s-1", "i-00")]


# ----------------------------------------------------------------------------------------------------------------
# input validation
# ----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sources, targets, fragment",
    [
        (["web"], [], r"sources\[0\]"),
        ([{"name": "web"}], [], r"sources\[0\] has no 'id'"),
        ([], [{"id": "", "name": "x"}], r"targets\[0\] has no 'id'"),
        ([{"id": "s-1", "names": ["web"]}], [], "names"),
    ],
)
def test_invalid_input_raises_with_position(sources, targets, fragment):
    with pytest.raises(ValueError, match=fragment):
        match_servers(sources, targets)


@pytest.mark.parametrize("field", ["overrides", "claims", "accepted"])
@pytest.mark.parametrize(
    "entry, fragment",
    [
        ({"source_id": "s-1", "target_id": "i-1"}, "'source_id'"),
        ({"source_server_id": "s-1"}, "misses 'target_instance_id'"),
        ({"source_server_id": "s-1", "target_instance_id": ""}, "misses 'target_instance_id'"),
        ({"source_server_id": "s-1", "target_instance_id": "i-1", "note": "x"}, "'note'"),
        ("s-1:i-1", "must be a mapping"),
    ],
)
def test_bad_pair_entries_raise_naming_the_key_and_the_spelling(field, entry, fragment):
    with pytest.raises(ValueError, match=fragment) as info:
        match_servers(src("web"), tgt("web"), **{field: [entry]})
    assert "source_server_id" in str(info.value) and "target_instance_id" in str(info.value)


def test_threshold_margin_and_scorer_are_validated():
    for kwargs in ({"threshold": 0}, {"threshold": 101}, {"margin": -1}, {"threshold": "x"}, {"scorer": "nope"}):
        with pytest.raises(ValueError):
            match_servers([], [], **kwargs)


def test_empty_inputs():
    result = match_servers([], [], fuzzy=True)
    assert result["pairs"] == [] and result["summary"]["match_rate"] == 0.0


def test_duplicate_ids_are_errors_and_never_paired():
    sources = [{"id": "s-1", "name": "web"}, {"id": "s-1", "name": "db"}]
    result = match_servers(sources, tgt("web", "db"))
    assert result["pairs"] == []
    assert [e["code"] for e in result["errors"]] == ["duplicate_id"]
    assert codes(result["unmatched_sources"]) == {"s-1": "duplicate_id"}


def test_missing_names_are_unmatched_with_remediation():
    result = match_servers(
        [{"id": "s-1", "name": None}, {"id": "s-2", "names": {"drs_tag": "", "hostname": None}}], tgt(None, "  ")
    )
    assert codes(result["unmatched_sources"]) == {"s-1": "no_name", "s-2": "no_name"}
    assert codes(result["unmatched_targets"], "target_instance_id") == {"i-00": "no_name", "i-01": "no_name"}
    assert "Name=" in result["unmatched_sources"][0]["remediation"]


# ----------------------------------------------------------------------------------------------------------------
# source names
# ----------------------------------------------------------------------------------------------------------------


def test_names_that_agree_after_exact_key_proceed():
    sources = [
        {
            "id": "s-1",
            "names": {"drs_tag": "WEB_01", "origin_instance_tag": "web-01", "hostname": "web-01.corp.example.com"},
        }
    ]
    result = match_servers(sources, tgt("web-01"))
    assert pairs_of(result) == [("s-1", "i-00")]
    assert result["pairs"][0]["source_name"] == "WEB_01"


def test_names_disagree_refuses_the_source_and_says_which_tags():
    sources = [{"id": "s-1", "names": {"drs_tag": "hr-portal", "hostname": "fin-portal"}}]
    result = match_servers(sources, tgt("hr-portal", "fin-portal"), fuzzy=True)
    assert result["pairs"] == [] and result["proposals"] == []
    entry = result["unmatched_sources"][0]
    assert entry["reason_code"] == "names_disagree"
    assert "drs_tag='hr-portal'" in entry["reason"] and "hostname='fin-portal'" in entry["reason"]
    assert "'fin-portal'" in entry["reason"] and "name_sources" in entry["remediation"]
    assert "{source_server_id: s-1, target_instance_id: i-00}" in entry["remediation"]
    assert entry["nearest"]["target_instance_id"] == "i-00" and "i-01" in entry["reason"]


def test_names_absent_uses_name():
    assert pairs_of(match_servers([{"id": "s-1", "name": "x-01"}], tgt("X-01"))) == [("s-1", "i-00")]


# ----------------------------------------------------------------------------------------------------------------
# exact phase: twins and duplicates
# ----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("twins", [("crm-02", "crm_02"), ("crm-02", "CRM-02"), ("crm-02", "crm 02", "Crm.02")])
def test_separator_and_case_twins_pair_nothing(twins):
    result = match_servers(src("crm-02"), tgt(*twins), fuzzy=True)
    assert result["pairs"] == [] and result["proposals"] == []
    assert codes(result["ambiguous"]) == {"s-00": "duplicate_target"}
    assert len(result["ambiguous"][0]["candidates"]) == len(twins)
    assert result["duplicates"] == [
        {"side": "target", "key": "crm-02", "ids": ["i-%02d" % n for n in range(len(twins))]}
    ]
    assert set(codes(result["unmatched_targets"], "target_instance_id").values()) == {"duplicate_name"}


def test_duplicate_sources_across_waves_are_refused():
    sources = [{"id": "s-1", "name": "ops-01", "wave": "w1"}, {"id": "s-2", "name": "OPS_01", "wave": "w2"}]
    result = match_servers(sources, tgt("ops-01"), fuzzy=True)
    assert result["pairs"] == []
    assert codes(result["ambiguous"]) == {"s-1": "duplicate_source", "s-2": "duplicate_source"}
    assert "s-2" in result["ambiguous"][0]["reason"]
    assert result["duplicates"] == [{"side": "source", "key": "ops-01", "ids": ["s-1", "s-2"]}]


def test_duplicate_source_paired_by_override_still_blocks_its_twin():
    sources = [{"id": "s-1", "name": "ops-01"}, {"id": "s-2", "name": "ops-01"}]
    result = match_servers(sources, tgt("ops-01", "other"), overrides=[ov("s-1", "i-01")])
    assert pairs_of(result) == [("s-1", "i-01")]
    assert codes(result["ambiguous"]) == {"s-2": "duplicate_source"}


# ----------------------------------------------------------------------------------------------------------------
# overrides
# ----------------------------------------------------------------------------------------------------------------


def test_override_wins_over_name_and_any_state_is_fine():
    targets = [{"id": "i-1", "name": "db-01", "state": "running"}, {"id": "i-2", "name": "web-01", "state": "stopped"}]
    result = match_servers(src("web-01"), targets, overrides=[ov("s-00", "i-1")])
    assert pairs_of(result, "override") == [("s-00", "i-1")]
    assert result["pairs"][0]["score"] is None
    assert codes(result["unmatched_targets"], "target_instance_id") == {"i-2": "source_paired_elsewhere"}


def test_override_beats_the_sources_own_claim():
    result = match_servers(
        src("web-01"), tgt("web-01", "spare"), overrides=[ov("s-00", "i-01")], claims=[ov("s-00", "i-00")]
    )
    assert pairs_of(result, "override") == [("s-00", "i-01")]
    assert codes(result["unmatched_targets"], "target_instance_id") == {"i-00": "stored_pair_superseded"}


@pytest.mark.parametrize(
    "overrides, code",
    [
        ([ov("s-99", "i-00")], "unknown_source"),
        ([ov("s-00", "i-99")], "unknown_target"),
        ([ov("s-00", "i-00"), ov("s-00", "i-01")], "source_used_twice"),
        ([ov("s-00", "i-00"), ov("s-01", "i-00")], "target_used_twice"),
    ],
)
def test_invalid_overrides_are_errors_and_withhold_their_servers(overrides, code):
    result = match_servers(src("a-01", "b-01"), tgt("a-01", "b-01"), overrides=overrides)
    assert code in [e["code"] for e in result["errors"]]
    error = [e for e in result["errors"] if e["code"] == code][0]
    assert set(error) == {"source_server_id", "target_instance_id", "code", "message", "remediation"}
    assert not [p for p in result["pairs"] if p["method"] == "override"]
    for item in overrides:
        if item["source_server_id"] in ("s-00", "s-01"):
            assert codes(result["unmatched_sources"]).get(item["source_server_id"]) == "override_rejected"
        if item["target_instance_id"] in ("i-00", "i-01"):
            assert item["target_instance_id"] not in [p["target_instance_id"] for p in result["pairs"]]


def test_override_displacing_another_sources_exact_target_is_an_error():
    result = match_servers(src("web-01", "db-01"), tgt("web-01", "db-01"), overrides=[ov("s-00", "i-01")])
    assert [e["code"] for e in result["errors"]] == ["displaces_exact"]
    assert "s-01" in result["errors"][0]["remediation"] and "override" in result["errors"][0]["remediation"]
    assert result["pairs"] == []
    # giving the displaced server its own override makes both valid
    result = match_servers(
        src("web-01", "db-01"), tgt("web-01", "db-01"), overrides=[ov("s-00", "i-01"), ov("s-01", "i-00")]
    )
    assert pairs_of(result, "override") == [("s-00", "i-01"), ("s-01", "i-00")]


def test_override_to_a_target_claimed_by_another_source_is_an_error():
    result = match_servers(
        src("web-01", "db-01"), tgt("x", "y"), overrides=[ov("s-00", "i-01")], claims=[ov("s-01", "i-01")]
    )
    assert [e["code"] for e in result["errors"]] == ["target_claimed"]
    assert "stored as the launch-into target of source server s-01" in result["errors"][0]["message"]
    assert codes(result["unmatched_sources"])["s-00"] == "override_rejected"


def test_ip_contradiction_on_an_override_is_a_warning_platform_blocks():
    sources = [
        {"id": "s-1", "name": "a", "ips": ["10.0.0.1"], "platform": "linux"},
        {"id": "s-2", "name": "b", "ips": ["10.0.0.2"]},
    ]
    targets = [{"id": "i-1", "name": "z", "private_ip": "10.0.0.2", "platform": "linux"}]
    result = match_servers(sources, targets, overrides=[ov("s-1", "i-1")])
    assert pairs_of(result, "override") == [("s-1", "i-1")]
    assert "10.0.0.2" in result["pairs"][0]["warnings"][0]
    targets[0]["platform"] = "windows"
    result = match_servers(sources, targets, overrides=[ov("s-1", "i-1")])
    assert [(b["source_server_id"], b["reason_code"], b["method"]) for b in result["blocked"]] == [
        ("s-1", "evidence_contradicts", "override")
    ]


# ----------------------------------------------------------------------------------------------------------------
# claims (stored pairs)
# ----------------------------------------------------------------------------------------------------------------


def test_stored_pair_with_agreeing_name():
    result = match_servers(src("web-01"), tgt("web-01"), claims=[ov("s-00", "i-00")])
    assert pairs_of(result, "stored") == [("s-00", "i-00")]
    assert result["pairs"][0]["evidence"]["name"]["result"] == "exact" and result["pairs"][0]["warnings"] == []


def test_stored_pair_with_differing_name_warns():
    result = match_servers(src("web-01"), tgt("legacy-box"), claims=[ov("s-00", "i-00")])
    pair = result["pairs"][0]
    assert pair["method"] == "stored" and pair["evidence"]["name"]["result"] == "differs"
    assert "legacy-box" in pair["warnings"][0]


def test_claim_of_a_missing_target():
    result = match_servers(src("web-01"), tgt("web-01"), claims=[ov("s-00", "i-77")])
    assert codes(result["unmatched_sources"]) == {"s-00": "stored_target_missing"}
    assert "i-77" in result["unmatched_sources"][0]["reason"]


def test_claim_conflict_refuses_all_claimants_and_the_target():
    result = match_servers(src("a-01", "b-01"), tgt("a-01"), claims=[ov("s-00", "i-00"), ov("s-01", "i-00")])
    assert result["pairs"] == []
    assert codes(result["unmatched_sources"]) == {"s-00": "claim_conflict", "s-01": "claim_conflict"}
    assert "s-01" in result["unmatched_sources"][0]["reason"]
    assert codes(result["unmatched_targets"], "target_instance_id") == {"i-00": "claim_conflict"}


def test_exact_target_stored_for_another_source_is_target_taken_and_not_fuzzy():
    result = match_servers(src("web-01", "db-01"), tgt("web-01", "web-01-dr"), claims=[ov("s-01", "i-00")], fuzzy=True)
    assert pairs_of(result, "stored") == [("s-01", "i-00")]
    entry = result["unmatched_sources"][0]
    assert (entry["source_server_id"], entry["reason_code"]) == ("s-00", "target_taken")
    assert "s-01" in entry["reason"] and result["proposals"] == []


def test_exact_target_taken_by_an_override():
    result = match_servers(
        src("web-01", "db-01"), tgt("web-01", "x"), overrides=[ov("s-01", "i-00"), ov("s-00", "i-01")]
    )
    assert pairs_of(result, "override") == [("s-00", "i-01"), ("s-01", "i-00")]


# ----------------------------------------------------------------------------------------------------------------
# foreign owners
# ----------------------------------------------------------------------------------------------------------------


def test_foreign_exact_owner_reserves_its_target():
    sources = [{"id": "s-f", "name": "ledger-01", "foreign": True}, {"id": "s-1", "name": "ledger-01-dr"}]
    result = match_servers(sources, tgt("ledger-01"), fuzzy=True)
    assert result["reserved"] == [
        {
            "target_instance_id": "i-00",
            "target_name": "ledger-01",
            "owner_source_server_id": "s-f",
            "owner_name": "ledger-01",
            "method": "exact",
        }
    ]
    assert result["pairs"] == [] and result["proposals"] == []
    assert codes(result["unmatched_sources"]) == {"s-1": "no_candidate"}
    assert result["summary"]["sources"] == 1 and result["summary"]["reserved"] == 1


def test_foreign_fuzzy_owner_reserves_its_target():
    sources = [{"id": "s-f", "name": "cashbook-ledger-01", "foreign": True}, {"id": "s-1", "name": "payments-01"}]
    result = match_servers(sources, tgt("cashbook-ledger-01-dr", "paymnets-01"), fuzzy=True)
    assert [(r["target_instance_id"], r["method"]) for r in result["reserved"]] == [("i-00", "fuzzy")]
    assert [(p["source_server_id"], p["target_instance_id"]) for p in result["proposals"]] == [("s-1", "i-01")]
    # a local source about as close to the foreign owner's candidate does not get it either
    sources.append({"id": "s-2", "name": "cashbooks-ledger-01"})
    result = match_servers(sources, tgt("cashbook-ledger-01-dr"), fuzzy=True)
    assert result["proposals"] == [] and result["pairs"] == []
    assert codes(result["ambiguous"]) == {"s-2": "fuzzy_contested_target"}
    assert "s-f" not in [e["source_server_id"] for e in result["unmatched_sources"] + result["ambiguous"]]


def test_foreign_stored_pair_reserves_and_foreign_overrides_are_errors():
    sources = [{"id": "s-f", "name": "x", "foreign": True}, {"id": "s-1", "name": "web-01"}]
    result = match_servers(sources, tgt("web-01"), claims=[ov("s-f", "i-00")])
    assert [(r["owner_source_server_id"], r["method"]) for r in result["reserved"]] == [("s-f", "stored")]
    assert codes(result["unmatched_sources"]) == {"s-1": "target_taken"}
    result = match_servers(sources, tgt("web-01", "y"), overrides=[ov("s-f", "i-01")])
    assert [e["code"] for e in result["errors"]] == ["foreign_source"]


# ----------------------------------------------------------------------------------------------------------------
# scoring backends
# ----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scorer", matching.SCORERS + ("ratio+token_sort_ratio",))
def test_every_scorer_runs(scorer):
    result = match_servers(src("payments-01"), tgt("paymnets-01"), fuzzy=True, scorer=scorer)
    assert result["pairs"] == []
    assert len(result["proposals"]) + len(result["unmatched_sources"]) == 1


def test_fuzzy_without_rapidfuzz_raises_clearly(monkeypatch):
    monkeypatch.setattr(scoring, "HAS_RAPIDFUZZ", False)
    with pytest.raises(matching.MatchingDependencyError, match="rapidfuzz"):
        match_servers(src("a"), tgt("b"), fuzzy=True)


def test_extract_backend_gives_the_same_result_as_cdist(monkeypatch):
    names = ["settlement-%02d" % n for n in range(30)]
    sources = src(*names)
    targets = tgt(*[n.replace("settlement", "setltement") for n in names])
    expected = match_servers(sources, targets, fuzzy=True)
    monkeypatch.setitem(scoring._BACKEND, "cdist", False)
    assert match_servers(sources, targets, fuzzy=True) == expected
    assert len(expected["proposals"]) == 30


def test_large_estate_chunks_cdist(monkeypatch):
    monkeypatch.setattr(scoring, "_MAX_CELLS", 7)
    names = ["settlement-%02d" % n for n in range(12)]
    result = match_servers(src(*names), tgt(*[n.replace("settlement", "setltement") for n in names]), fuzzy=True)
    assert len(result["proposals"]) == 12
