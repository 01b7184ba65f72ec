# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Hypothesis properties of match_servers: the partition invariant, order and estate independence, the guards."""

import json
import os
import random
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.matching import (
    exact_key,
    match_servers,
    normalize_name,
)

# PAIRING_EXAMPLES=2000 runs a longer search.
PROPERTY = settings(
    max_examples=int(os.environ.get("PAIRING_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
ROOT = Path(__file__).resolve().parents[4]

# No q, x, z or j in the estate's words: the unrelated names of the estate-independence property use only those.
BASES = [
    "web-prod-01",
    "web-prod-02",
    "payments-01",
    "settlement-02",
    "db-1-2",
    "db-2-1",
    "payroll01a",
    "payroll01b",
    "billing-east-01",
    "billing-west-01",
    "sapnode-ii",
    "sapnode-iii",
    "crm-02",
    "ledger-01",
    "sql-007",
    "reporting-use1-01",
    "reporting-usw1-01",
    "ops-01",
]
IPS = ["10.0.0.%d" % n for n in range(1, 7)]


@st.composite
def noisy_name(draw):
    base = draw(st.sampled_from(BASES))
    kind = draw(st.sampled_from(["plain", "case", "separator", "typo", "dr", "old", "none", "fqdn", "pad"]))
    if kind == "none":
        return draw(st.sampled_from([None, "", "  "]))
    if kind == "case":
        return base.upper()
    if kind == "separator":
        return base.replace("-", draw(st.sampled_from(["_", " ", ".", "--"])))
    if kind == "typo":
        letters = [i for i, c in enumerate(base[:-1]) if c.isalpha() and base[i + 1].isalpha()]
        if letters:
            i = draw(st.sampled_from(letters))
            return base[:i] + base[i + 1] + base[i] + base[i + 2 :]
    if kind == "dr":
        return base + "-dr"
    if kind == "old":
        return base + "-old"
    if kind == "fqdn":
        return base + ".corp.example.com"
    if kind == "pad":
        return base.replace("0", "00")
    return base


@st.composite
def server_facts(draw):
    return {
        "ips": draw(st.one_of(st.none(), st.lists(st.sampled_from(IPS), max_size=2))),
        "platform": draw(st.sampled_from([None, "linux", "windows"])),
    }


@st.composite
def estate(draw, max_size=7):
    n_sources = draw(st.integers(0, max_size))
    n_targets = draw(st.integers(0, max_size))
    sources = []
    for i in range(n_sources):
        entry = {"id": "s-%02d" % i, "foreign": draw(st.booleans()) and draw(st.booleans())}
        if draw(st.booleans()):
            entry["name"] = draw(noisy_name())
        else:
            entry["names"] = {"drs_tag": draw(noisy_name()), "hostname": draw(noisy_name())}
        entry.update(draw(server_facts()))
        sources.append(entry)
    targets = []
    for j in range(n_targets):
        facts = draw(server_facts())
        targets.append(
            {
                "id": "i-%02d" % j,
                "name": draw(noisy_name()),
                "state": "stopped",
                "private_ip": (facts["ips"] or [None])[0],
                "platform": facts["platform"],
            }
        )
    sids = [s["id"] for s in sources] + ["s-99"]
    tids = [t["id"] for t in targets] + ["i-99"]

    def some_pairs():
        return draw(
            st.lists(st.tuples(st.sampled_from(sids), st.sampled_from(tids)), max_size=2).map(
                lambda pairs: [{"source_server_id": s, "target_instance_id": t} for s, t in pairs]
            )
        )

    extra = {
        "overrides": some_pairs() if draw(st.booleans()) else [],
        "claims": some_pairs() if draw(st.booleans()) else [],
        "accepted": some_pairs() if draw(st.booleans()) else [],
    }
    return sources, targets, extra


OPTIONS = st.fixed_dictionaries(
    {
        "fuzzy": st.booleans(),
        "threshold": st.floats(70, 100),
        "margin": st.floats(0, 15),
        "scorer": st.sampled_from(["ratio", "token_sort_ratio", "ratio+token_sort_ratio", "WRatio"]),
    }
)


def check_invariant(result, sources, targets, extra):
    local = sorted(s["id"] for s in sources if not s.get("foreign"))
    placed = []
    for field in ("pairs", "proposals", "blocked", "unmatched_sources", "ambiguous"):
        placed += [e["source_server_id"] for e in result[field]]
    assert sorted(placed) == local, "every non-foreign source in exactly one place"
    held = []
    for field in ("pairs", "proposals", "blocked", "reserved"):
        held += [e["target_instance_id"] for e in result[field]]
    assert len(held) == len(set(held)), "a target in two places"
    rest = [e["target_instance_id"] for e in result["unmatched_targets"]]
    assert sorted(held + rest) == sorted(t["id"] for t in targets), "every target placed once"
    # no target of a pair/proposal is another source's claim, override or unique exact-name target (a stored pair may
    # take another's exact-name target: that source is then target_taken; an override is validated against both)
    stored = {}
    for item in extra["claims"] + extra["overrides"]:
        stored.setdefault(item["target_instance_id"], set()).add(item["source_server_id"])
    owners = dict((k, set(v)) for k, v in stored.items())
    by_key_s, by_key_t = {}, {}
    for s in sources:
        names = s.get("names") or {"name": s.get("name")}
        keys = set(exact_key(v) for v in names.values() if v and exact_key(v))
        for key in keys:
            by_key_s.setdefault(key, []).append(s["id"])
    for t in targets:
        if exact_key(t["name"]):
            by_key_t.setdefault(exact_key(t["name"]), []).append(t["id"])
    for key, tids in by_key_t.items():
        if len(tids) == 1 and len(by_key_s.get(key, ())) == 1:
            owners.setdefault(tids[0], set()).add(by_key_s[key][0])
    for entry in result["pairs"] + result["proposals"]:
        if entry.get("method") == "override":
            continue
        table = stored if entry.get("method") == "stored" else owners
        others = table.get(entry["target_instance_id"], set()) - {entry["source_server_id"]}
        assert not others, (entry, others)
    for entry in result["pairs"]:
        if entry["method"] == "fuzzy":
            assert {
                "source_server_id": entry["source_server_id"],
                "target_instance_id": entry["target_instance_id"],
            } in (extra["accepted"])
            assert entry["evidence"]["ip"]["result"] == "match" and not entry["evidence"]["contradictions"]
        if entry["method"] in ("exact", "stored"):
            assert not entry["evidence"]["contradictions"]
    summary = result["summary"]
    assert (
        summary["paired"] == len(result["pairs"]) == sum(summary[m] for m in ("exact", "override", "stored", "fuzzy"))
    )
    json.dumps(result)


@PROPERTY
@given(estate(), OPTIONS)
def test_property_partition_invariant(data, options):
    sources, targets, extra = data
    result = match_servers(sources, targets, **dict(options, **extra))
    check_invariant(result, sources, targets, extra)


@PROPERTY
@given(estate(), OPTIONS, st.randoms(use_true_random=False))
def test_property_independent_of_input_order(data, options, rnd):
    sources, targets, extra = data
    expected = match_servers(sources, targets, **dict(options, **extra))
    shuffled = dict((k, rnd.sample(v, len(v))) for k, v in extra.items())
    again = match_servers(
        rnd.sample(sources, len(sources)), rnd.sample(targets, len(targets)), **dict(options, **shuffled)
    )
    assert again == expected


def outcome(result, sid):
    for field in ("pairs", "proposals", "blocked", "unmatched_sources", "ambiguous"):
        for entry in result[field]:
            if entry["source_server_id"] == sid:
                return (
                    field,
                    entry.get("target_instance_id"),
                    entry.get("reason_code"),
                    entry.get("method"),
                    (entry.get("nearest") or {}).get("target_instance_id"),
                    entry.get("acceptable"),
                )
    return None


UNRELATED = st.lists(
    st.tuples(st.sampled_from(["qzx", "jqz", "zzqj", "xqjz-qq"]), st.integers(700, 799)),
    min_size=1,
    max_size=4,
    unique=True,
)


@PROPERTY
@given(estate(), st.sampled_from([88.0, 80.0, 95.0]), UNRELATED, UNRELATED)
def test_property_unrelated_names_never_change_a_decision(data, threshold, more_sources, more_targets):
    sources, targets, extra = data
    options = dict(extra, fuzzy=True, threshold=threshold)
    before = match_servers(sources, targets, **options)
    grown_sources = sources + [
        {"id": "s-x%02d" % n, "name": "%s-%d" % pair, "ips": ["192.168.9.%d" % n]}
        for n, pair in enumerate(more_sources)
    ]
    grown_targets = targets + [
        {"id": "i-x%02d" % n, "name": "%s-%d" % pair, "private_ip": "192.168.8.%d" % n}
        for n, pair in enumerate(more_targets)
    ]
    after = match_servers(grown_sources, grown_targets, **options)
    for source in sources:
        if not source.get("foreign"):
            assert outcome(after, source["id"]) == outcome(before, source["id"])
    assert [r for r in after["reserved"] if not r["target_instance_id"].startswith("i-x")] == before["reserved"]


@PROPERTY
@given(st.integers(0, 999), st.integers(0, 999), st.sampled_from(["db", "ip-10", "payments", "app-use"]))
def test_property_reordered_numbers_never_pair_nor_propose(a, b, stem):
    if a == b:
        return
    result = match_servers(
        [{"id": "s-1", "name": "%s-%d-%d" % (stem, a, b), "ips": ["10.0.0.1"]}],
        [{"id": "i-1", "name": "%s-%d-%d" % (stem, b, a), "private_ip": "10.0.0.1"}],
        fuzzy=True,
        threshold=70,
    )
    assert result["pairs"] == [] and result["proposals"] == []


@PROPERTY
@given(
    st.sampled_from(["payroll", "broker-", "settlement", "ledger"]),
    st.integers(1, 99),
    st.sampled_from(["a", "b", "c", "ii", "iii", "iv", "east", "west", "old", "new", "test", "blue", "bak", "e"]),
    st.sampled_from(["a", "b", "c", "ii", "iii", "iv", "east", "west", "old", "new", "test", "blue", "bak", "e", ""]),
)
def test_property_sibling_affixes_never_pair_nor_propose(stem, n, left, right):
    if left == right:
        return
    result = match_servers(
        [{"id": "s-1", "name": "%s%02d%s" % (stem, n, left), "ips": ["10.0.0.1"]}],
        [{"id": "i-1", "name": "%s%02d-%s" % (stem, n, right), "private_ip": "10.0.0.1"}],
        fuzzy=True,
        threshold=70,
    )
    assert result["pairs"] == [] and result["proposals"] == []


AFFIXES = st.lists(st.sampled_from(["dr-", "DR-", "-dr", "-useast1", " ", "x", "-", "ａ", "ß", "ss"]), max_size=3)


@PROPERTY
@given(st.text(max_size=40), AFFIXES, AFFIXES, st.lists(st.sampled_from([r"\d+$", r"^x+", "-old"]), max_size=2))
def test_property_normalize_is_idempotent(name, prefixes, suffixes, patterns):
    once = normalize_name(name, prefixes, suffixes, patterns)
    assert normalize_name(once, prefixes, suffixes, patterns) == once
    assert once == once.strip() and "  " not in once


@PROPERTY
@given(st.text(max_size=30))
def test_property_exact_key_is_separator_insensitive(name):
    key = exact_key(name)
    assert exact_key(key) == key or "." in name
    assert not key.startswith("-") and not key.endswith("-") and "--" not in key


def _bench():
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_match", str(ROOT / "bench" / "match.py"))
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


def test_bench_friendly_generator_smoke():
    bench = _bench()
    sources, targets, truth, kinds = bench.generate(400, seed=7)
    stats = bench.evaluate(match_servers(sources, targets, fuzzy=True), truth, kinds)
    assert stats["wrong"] == 0 and stats["wrong_proposals"] == 0
    assert stats["recall"] > 0.9


def test_bench_adversarial_generator_has_no_wrong_pair():
    bench = _bench()
    cases = bench.adversarial(300, seed=3)
    sources, targets = bench.flatten(cases, random.Random(3))
    table, silent, wrong_acceptable = bench.score_adversarial(match_servers(sources, targets, fuzzy=True), cases)
    assert set(table) == set(bench.CLASSES)
    assert sum(row["pairs_wrong"] for row in table.values()) == 0 and silent == 0 and wrong_acceptable == 0
    assert sum(row["missed"] for row in table.values()) == 0
