# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Benchmark of plugins/module_utils/matching.py (a script, not a test): speed, precision and recall.

Generates N source servers and N pre-provisioned targets with a known ground truth, realistic hostnames
``{role}-{env}-{site}-{nnnn}`` numbered sequentially per role/env/site (so many names differ by one digit):

* (1 - fuzzy share) of the targets are equal to their source after normalization (random case, surrounding
  whitespace, doubled spaces, a few full-width characters);
* the fuzzy share needs fuzzy matching: a one-letter typo (substitution, insertion, deletion or adjacent
  transposition, never in the digits), two adjacent tokens swapped, or an extra suffix (-dr, -new, ...).

Then times ``match_servers(fuzzy=True)`` and prints the precision of the pairs (wrong pairs must be 0), the fuzzy
proposals (right and wrong) and the recall (pairs plus right proposals), a naive pure-Python Levenshtein over all
pairs of a smaller estate for comparison, and a 1,000-server run. Fuzzy candidates are proposals for a human, never
pairs, and only typo-like differences in long words qualify: the typos this generator puts into short words (``web``,
``db``) and suffixes such as ``-new`` or ``-tgt`` are refused by design.

Then (``--adversarial``, on by default) a hostile estate of cases with a ground truth per class (re-ordered
numbers, letter siblings, direction and Region codes, roman numerals, lifecycle tokens, separator and case twins,
FQDNs, zero padding, -dr suffixes, disagreeing names, swapped tags, IPs of another source, hash-like ids, names cut
at 15 characters, tenant prefixes, site codes, duplicate sources across waves, foreign owners, true typos), alone at
``--sources`` local sources and mixed into the friendly estate; it exits non-zero on a wrong pair.

    .venv/bin/python bench/match.py [--sources 10000] [--seed 42] [--naive-size 1000] [--no-adversarial]
"""

import argparse
import os
import platform
import random
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)


def _collection_alias():
    """Make this checkout importable as ansible_collections.elastic_dr.orchestrator (how module_utils import)."""
    import importlib
    import types

    importlib.import_module("ansible_collections")  # the namespace package shipped with ansible-core
    for name, path in (("ansible_collections.elastic_dr", []), ("ansible_collections.elastic_dr.orchestrator", [ROOT])):
        if name not in sys.modules:
            module = types.ModuleType(name)
            module.__path__ = path
            sys.modules[name] = module


_collection_alias()
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import matching  # noqa: E402
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.pairing import scoring  # noqa: E402

ROLES = (
    "web",
    "app",
    "api",
    "db",
    "cache",
    "mq",
    "batch",
    "etl",
    "auth",
    "search",
    "proxy",
    "mail",
    "files",
    "logs",
    "mon",
    "ldap",
    "sftp",
    "vpn",
    "ci",
    "build",
    "report",
    "crm",
    "erp",
    "pay",
)
ENVS = ("prod", "stg", "uat", "dev", "qa", "perf")
SITES = ("use1", "use2", "usw2", "euw1", "euc1", "apse1", "apne1", "sae1")
SUFFIXES = ("-dr", "-new", "-tgt", "-drs", "-rep", "-bkp")
LETTERS = "abcdefghijklmnopqrstuvwxyz"
FULLWIDTH_OFFSET = 0xFEE0  # 'a' (0x61) -> 'ａ' (0xFF41)


def canonical_names(rng, count):
    """`count` unique hostnames, numbered 0001.. within each role/env/site as fleets usually are."""
    counters = {}
    names = []
    for _position in range(count):
        combo = (rng.choice(ROLES), rng.choice(ENVS), rng.choice(SITES))
        counters[combo] = counters.get(combo, 0) + 1
        names.append("%s-%s-%s-%04d" % (combo + (counters[combo],)))
    return names


def surface_noise(rng, name):
    """Differences that normalization removes: case, surrounding whitespace, full-width letters."""
    chars = [c.upper() if rng.random() < 0.3 else c for c in name]
    if rng.random() < 0.05:
        chars = [chr(ord(c) + FULLWIDTH_OFFSET) if "!" <= c <= "~" else c for c in chars]
    text = "".join(chars)
    return rng.choice(("", " ", "  ", "\t")) + text + rng.choice(("", " ", "\n"))


def fuzzy_variant(rng, name):
    """A one-letter typo, two adjacent tokens swapped, or an extra suffix; returns (kind, variant)."""
    kind = rng.choice(("typo", "swap", "suffix"))
    if kind == "typo":
        positions = [i for i, c in enumerate(name) if c.isalpha()]
        pos = rng.choice(positions)
        op = rng.choice(("sub", "ins", "del", "transpose"))
        if op == "sub":
            variant = name[:pos] + rng.choice([c for c in LETTERS if c != name[pos]]) + name[pos + 1 :]
        elif op == "ins":
            variant = name[:pos] + rng.choice(LETTERS) + name[pos:]
        elif op == "del":
            variant = name[:pos] + name[pos + 1 :]
        else:
            if pos + 1 < len(name) and name[pos + 1].isalpha() and name[pos + 1] != name[pos]:
                variant = name[:pos] + name[pos + 1] + name[pos] + name[pos + 2 :]
            else:
                variant = name[:pos] + name[pos + 1 :]
    elif kind == "swap":
        tokens = name.split("-")
        k = rng.randrange(len(tokens) - 1)
        tokens[k], tokens[k + 1] = tokens[k + 1], tokens[k]
        variant = "-".join(tokens)
    else:
        variant = name + rng.choice(SUFFIXES)
    return kind, variant


def random_id(rng, prefix):
    return "%s-%017x" % (prefix, rng.getrandbits(68))


def generate(count, seed, fuzzy_share=0.10):
    """(sources, targets, truth {source_id: target_id}, kinds {source_id: exact|typo|swap|suffix})."""
    rng = random.Random(seed)
    names = canonical_names(rng, count)
    taken = set(names)
    sources, targets, truth, kinds = [], [], {}, {}
    for name in names:
        sid, tid = random_id(rng, "s"), random_id(rng, "i")
        if rng.random() < fuzzy_share:
            while True:
                kind, variant = fuzzy_variant(rng, name)
                if variant not in taken:  # a variant must not be another host's real name
                    taken.add(variant)
                    break
        else:
            kind, variant = "exact", name
        sources.append({"id": sid, "name": surface_noise(rng, name) if rng.random() < 0.5 else name})
        targets.append({"id": tid, "name": surface_noise(rng, variant), "state": "stopped"})
        truth[sid] = tid
        kinds[sid] = kind
    rng.shuffle(sources)
    rng.shuffle(targets)
    return sources, targets, truth, kinds


def evaluate(result, truth, kinds):
    """Pairs and proposals against the truth: a fuzzy-kind source found as a proposal counts as recovered."""
    found = [(p["source_server_id"], p["target_instance_id"]) for p in result["pairs"]]
    proposed = [(p["source_server_id"], p["target_instance_id"]) for p in result["proposals"]]
    correct = sum(1 for sid, tid in found if truth.get(sid) == tid)
    right_proposals = sum(1 for sid, tid in proposed if truth.get(sid) == tid)
    per_kind = {}
    for sid, kind in kinds.items():
        per_kind.setdefault(kind, [0, 0])[1] += 1
    for sid, tid in found + proposed:
        if truth.get(sid) == tid:
            per_kind[kinds[sid]][0] += 1
    precision = correct / float(len(found)) if found else 1.0
    recall = (correct + right_proposals) / float(len(truth)) if truth else 1.0
    return {
        "pairs": len(found),
        "correct": correct,
        "wrong": len(found) - correct,
        "proposals": len(proposed),
        "right_proposals": right_proposals,
        "wrong_proposals": len(proposed) - right_proposals,
        "precision": precision,
        "recall": recall,
        "per_kind": per_kind,
    }


# ---------------------------------------------------------------------------------------------------------------
# Adversarial estates: one case = a class, its sources, its targets and the expected outcome of each source.
# ---------------------------------------------------------------------------------------------------------------

PAIR, PROPOSAL, REFUSE = "pair", "proposal", "refuse"
CLASSES = (
    "reordered_numbers",
    "letter_siblings",
    "direction_region",
    "roman",
    "lifecycle",
    "separator_twins",
    "case_twins",
    "separator_fold",
    "fqdn",
    "zero_padding",
    "dr_suffix",
    "names_disagree",
    "swapped_tags",
    "ip_other_source",
    "hash_ids",
    "truncated_15",
    "tenant_prefix",
    "site_code",
    "duplicate_sources_across_waves",
    "foreign_owner",
    "typo_long_word",
)


class Case(object):
    """One hostile case: class label, sources, targets, expected {source id: (outcome, right target id or None)}."""

    def __init__(self, label, number):
        self.label, self.number = label, number
        self.sources, self.targets, self.expect = [], [], {}
        self._ip = 0

    def ip(self):
        self._ip += 1
        return "10.%d.%d.%d" % (self.number // 250 % 250, self.number % 250, self._ip)

    def source(self, name=None, expect=REFUSE, right=None, names=None, **extra):
        sid = "s-%s-%05d-%d" % (self.label[:8], self.number, len(self.sources))
        entry = {"id": sid, "ips": [self.ip()], "platform": "linux", "architecture": "x86_64"}
        entry.update({"names": names} if names is not None else {"name": name})
        entry.update(extra)
        self.sources.append(entry)
        if not entry.get("foreign"):
            self.expect[sid] = (expect, right)
        return entry

    def target(self, name, ip=None, **extra):
        tid = "i-%s-%05d-%d" % (self.label[:8], self.number, len(self.targets))
        entry = {
            "id": tid,
            "name": name,
            "state": "stopped",
            "private_ip": ip or self.ip(),
            "platform": "linux",
            "architecture": "x86_64",
        }
        entry.update(extra)
        self.targets.append(entry)
        return entry


def _ip_of(entry):
    return entry["ips"][0]


def build_case(label, number, rng):
    n = 10000 + number  # a number of its own: cases never interact with each other or with the friendly estate
    case = Case(label, number)
    if label == "reordered_numbers":
        case.source("db-%d-2" % n)
        case.target("db-2-%d" % n)
        case.source("ip-10-%d-1-25" % n)
        case.target("ip-10-1-%d-25" % n)
    elif label == "letter_siblings":
        stem = rng.choice(("payroll%da", "broker-%d-a", "ledger%da"))
        case.source(stem % n)
        case.target(stem[:-1] % n + "b")
    elif label == "direction_region":
        a, b = rng.choice(
            (("east", "west"), ("use1", "usw1"), ("north", "south"), ("euw1", "euc1"), ("apse2", "apne2"))
        )
        case.source("billing-%s-%d" % (a, n))
        case.target("billing-%s-%d" % (b, n))
    elif label == "roman":
        a, b = rng.choice((("ii", "iii"), ("iv", "vi"), ("ix", "xi")))
        case.source("sapnode-%s-%d" % (a, n))
        case.target("sapnode-%s-%d" % (b, n))
    elif label == "lifecycle":
        case.source("invoicing-%d" % n)
        case.target("invoicing-%d-%s" % (n, rng.choice(("old", "test", "new", "bak", "clone", "standby"))))
    elif label == "separator_twins":
        case.source("crm-%d" % n)
        case.target("crm-%d" % n)
        case.target("crm_%d" % n)
    elif label == "case_twins":
        case.source("crm-%d" % n)
        case.target("CRM-%d" % n)
        case.target("crm-%d" % n)
    elif label == "separator_fold":
        entry = case.source("acme_prod_%d" % n, PAIR)
        entry_t = case.target("ACME-PROD-%d" % n, _ip_of(entry))
        case.expect[entry["id"]] = (PAIR, entry_t["id"])
    elif label == "fqdn":
        entry = case.source(names={"hostname": "db-%d.corp.example.com" % n})
        entry_t = case.target("DB-%d" % n, _ip_of(entry))
        case.expect[entry["id"]] = (PAIR, entry_t["id"])
    elif label == "zero_padding":
        entry = case.source("sqlsrv-00%d" % n)
        entry_t = case.target("SQLSRV-%d" % n, _ip_of(entry))
        case.expect[entry["id"]] = (PROPOSAL, entry_t["id"])
    elif label == "dr_suffix":
        entry = case.source("treasury-%d" % n)
        entry_t = case.target("treasury-%d-dr" % n, _ip_of(entry))
        case.expect[entry["id"]] = (PROPOSAL, entry_t["id"])
    elif label == "names_disagree":
        case.source(names={"drs_tag": "hrportal-%d" % n, "hostname": "finportal-%d" % n})
        case.target("hrportal-%d" % n)
    elif label == "swapped_tags":
        a = case.source("mailhub-%d" % n)
        b = case.source("chathub-%d" % n)
        case.target("mailhub-%d" % n, _ip_of(b))
        case.target("chathub-%d" % n, _ip_of(a))
    elif label == "ip_other_source":
        case.source("vault-%d" % n)
        other = case.source("keystore-%d" % n)
        case.target("vault-%d" % n, _ip_of(other))
    elif label == "hash_ids":
        digest = "%08x" % rng.getrandbits(32)
        pos = rng.randrange(len(digest))
        flip = rng.choice([c for c in "0123456789abcdef" if c != digest[pos]])
        case.source("app-%s-%d" % (digest, n))
        case.target("app-%s-%d" % (digest[:pos] + flip + digest[pos + 1 :], n))
    elif label == "truncated_15":
        full = ["dw%d-warehouse-%s" % (n, env) for env in ("prod", "perf")]
        case.source(full[0][:15])
        for name in full:
            case.target(name)
    elif label == "tenant_prefix":
        a, b = rng.choice((("acme", "globex"), ("initech", "umbrella"), ("t1", "t2")))
        case.source("%s-erp-%d" % (a, n))
        case.target("%s-erp-%d" % (b, n))
    elif label == "site_code":
        a, b = rng.choice((("nyc", "sfo"), ("lon", "par"), ("fra1", "ams1"), ("dc2", "dc3")))
        case.source("%s-files-%d" % (a, n))
        case.target("%s-files-%d" % (b, n))
    elif label == "duplicate_sources_across_waves":
        case.source("ops-%d" % n, wave="wave-1")
        case.source("OPS_%d" % n, wave="wave-2")
        case.target("ops-%d" % n)
    elif label == "foreign_owner":
        owner = case.source("ledger-%d" % n, foreign=True)
        case.target("ledger-%d" % n, _ip_of(owner))
        case.source("ledger-%d-dr" % n)
        owner2 = case.source("cashbook-%d" % n, foreign=True)
        case.target("cashbook-%d-dr" % n, _ip_of(owner2))
        case.source("cashbooks-%d" % n)  # a weaker fuzzy candidate of the same target: the foreign owner wins it
    elif label == "typo_long_word":
        word = rng.choice(("payments", "settlement", "reporting", "warehouse", "analytics"))
        pos = rng.choice([i for i in range(1, len(word) - 2) if word[i] != word[i + 1]])
        typo = word[:pos] + word[pos + 1] + word[pos] + word[pos + 2 :]
        entry = case.source("%s-%d" % (word, n))
        entry_t = case.target("%s-%d" % (typo, n), _ip_of(entry))
        case.expect[entry["id"]] = (PROPOSAL, entry_t["id"])
    else:
        raise ValueError(label)
    return case


def adversarial(min_sources, seed):
    """Cases of every class in turn until there are at least ``min_sources`` local sources."""
    rng = random.Random(seed)
    cases, count, number = [], 0, 0
    while count < min_sources or number < len(CLASSES):
        case = build_case(CLASSES[number % len(CLASSES)], number, rng)
        cases.append(case)
        count += len(case.expect)
        number += 1
    return cases


def flatten(cases, rng):
    sources = [s for case in cases for s in case.sources]
    targets = [t for case in cases for t in case.targets]
    rng.shuffle(sources)
    rng.shuffle(targets)
    return sources, targets


def score_adversarial(result, cases):
    """Per class: cases, pairs right/wrong, proposals right/wrong, refused correctly, missed."""
    pairs = dict((p["source_server_id"], p["target_instance_id"]) for p in result["pairs"])
    proposals = dict((p["source_server_id"], (p["target_instance_id"], p["acceptable"])) for p in result["proposals"])
    table, silent, wrong_acceptable = {}, 0, 0
    for case in cases:
        row = table.setdefault(
            case.label,
            dict(
                cases=0,
                pairs_right=0,
                pairs_wrong=0,
                proposals_right=0,
                proposals_wrong=0,
                refused=0,
                missed=0,
                expected_found=0,
                expected=0,
            ),
        )
        row["cases"] += 1
        for sid, (outcome, right) in case.expect.items():
            if outcome != REFUSE:
                row["expected"] += 1
            if sid in pairs:
                if outcome != REFUSE and pairs[sid] == right:
                    row["pairs_right"] += 1
                    row["expected_found"] += 1
                else:
                    row["pairs_wrong"] += 1
                    silent += outcome == REFUSE
            elif sid in proposals:
                tid, ok = proposals[sid]
                if outcome != REFUSE and tid == right:
                    row["proposals_right"] += 1
                    row["expected_found"] += 1
                else:
                    row["proposals_wrong"] += 1
                    wrong_acceptable += bool(ok)
            elif outcome == REFUSE:
                row["refused"] += 1
            else:
                row["missed"] += 1
    return table, silent, wrong_acceptable


def print_adversarial(table, silent, wrong_acceptable):
    print(
        "  %-31s %5s %6s %6s %6s %6s %7s %6s %9s %7s"
        % ("class", "cases", "pair+", "pair-", "prop+", "prop-", "refused", "missed", "precision", "recall")
    )
    for label in CLASSES:
        row = table.get(label)
        if row is None:
            continue
        given = row["pairs_right"] + row["pairs_wrong"] + row["proposals_right"] + row["proposals_wrong"]
        precision = (row["pairs_right"] + row["proposals_right"]) / float(given) if given else 1.0
        recall = row["expected_found"] / float(row["expected"]) if row["expected"] else None
        print(
            "  %-31s %5d %6d %6d %6d %6d %7d %6d %8.1f%% %7s"
            % (
                label,
                row["cases"],
                row["pairs_right"],
                row["pairs_wrong"],
                row["proposals_right"],
                row["proposals_wrong"],
                row["refused"],
                row["missed"],
                100 * precision,
                "-" if recall is None else "%.1f%%" % (100 * recall),
            )
        )
    wrong = sum(row["pairs_wrong"] for row in table.values())
    print(
        "  wrong pairs %d (must be 0), silent guesses %d (must be 0), wrong proposals that are acceptable %d "
        "(must be 0)" % (wrong, silent, wrong_acceptable)
    )
    return wrong


def timed(function, repeat):
    times, value = [], None
    for _run in range(repeat):
        start = time.perf_counter()
        value = function()
        times.append(time.perf_counter() - start)
    return value, times


def levenshtein(a, b):
    """Textbook pure-Python edit distance (two-row dynamic programming)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def naive_all_pairs(sources, targets):
    """What a straightforward implementation does: normalize, then edit distance over every pair."""
    src = [matching.normalize_name(s["name"]) for s in sources]
    tgt = [matching.normalize_name(t["name"]) for t in targets]
    best = []
    for a in src:
        best.append(min(range(len(tgt)), key=lambda j, a=a: levenshtein(a, tgt[j])))
    return best


def backend_name():
    scoring.score_hits(["a"], ["a"], scoring.fuzz.ratio, 0)
    return "process.cdist (numpy)" if scoring._BACKEND["cdist"] else "process.extract (no numpy)"


def run(args):
    if not matching.HAS_RAPIDFUZZ:
        sys.exit("rapidfuzz is not installed in this interpreter")
    kwargs = dict(fuzzy=True, threshold=args.threshold, margin=args.margin, scorer=args.scorer)
    print(
        "python %s, rapidfuzz backend: %s, cpus: %s, machine: %s"
        % (platform.python_version(), backend_name(), os.cpu_count(), platform.machine())
    )
    print("defaults: scorer=%s threshold=%.1f margin=%.1f" % (args.scorer, args.threshold, args.margin))

    sources, targets, truth, kinds = generate(args.sources, args.seed, args.fuzzy_share)
    print(
        "\n%d sources x %d targets, seed %d, %.0f%% need fuzzy"
        % (len(sources), len(targets), args.seed, 100 * args.fuzzy_share)
    )
    result, times = timed(lambda: matching.match_servers(sources, targets, **kwargs), args.repeat)
    stats = evaluate(result, truth, kinds)
    summary = result["summary"]
    print(
        "  match_servers(fuzzy=True): best %.3f s, median %.3f s over %d runs"
        % (min(times), statistics.median(times), len(times))
    )
    print(
        "  pairs %d (exact %d), wrong %d; proposals %d (right %d, wrong %d); ambiguous %d, unmatched sources %d"
        % (
            stats["pairs"],
            summary["exact"],
            stats["wrong"],
            stats["proposals"],
            stats["right_proposals"],
            stats["wrong_proposals"],
            summary["ambiguous"],
            summary["unmatched_sources"],
        )
    )
    print(
        "  precision of pairs %.4f%%  recall (pairs + right proposals) %.4f%%"
        % (100 * stats["precision"], 100 * stats["recall"])
    )
    for kind in sorted(stats["per_kind"]):
        ok, total = stats["per_kind"][kind]
        print("    %-6s %5d / %5d recovered (%.1f%%)" % (kind, ok, total, 100.0 * ok / total))

    exact_only, exact_times = timed(lambda: matching.match_servers(sources, targets), args.repeat)
    print(
        "  exact only (fuzzy=False): best %.3f s, recall %.2f%%"
        % (min(exact_times), 100 * evaluate(exact_only, truth, kinds)["recall"])
    )

    if args.orphans:
        rng = random.Random(args.seed + 1)
        cut = int(len(sources) * args.orphans)
        dropped_targets = set(rng.sample(sorted(truth.values()), cut))
        dropped_sources = set(rng.sample(sorted(truth), cut))
        o_sources = [s for s in sources if s["id"] not in dropped_sources]
        o_targets = [t for t in targets if t["id"] not in dropped_targets]
        o_truth = dict((s, t) for s, t in truth.items() if s not in dropped_sources and t not in dropped_targets)
        o_kinds = dict((s, kinds[s]) for s in o_truth)
        o_result = matching.match_servers(o_sources, o_targets, **kwargs)
        o_stats = evaluate(o_result, o_truth, o_kinds)
        print(
            "  with %.0f%% orphans on each side (sources without target, targets without source): "
            "pairs %d, wrong %d, wrong proposals %d, precision %.4f%%, recall %.4f%%"
            % (
                100 * args.orphans,
                o_stats["pairs"],
                o_stats["wrong"],
                o_stats["wrong_proposals"],
                100 * o_stats["precision"],
                100 * o_stats["recall"],
            )
        )

    small_sources, small_targets, small_truth, small_kinds = generate(1000, args.seed, args.fuzzy_share)
    small, small_times = timed(lambda: matching.match_servers(small_sources, small_targets, **kwargs), args.repeat)
    small_stats = evaluate(small, small_truth, small_kinds)
    print(
        "\n1,000 x 1,000 (seed target: 1,000 pairs in 10 s): best %.3f s, wrong %d, recall %.2f%%"
        % (min(small_times), small_stats["wrong"], 100 * small_stats["recall"])
    )

    if args.naive_size:
        n_sources, n_targets, _truth, _kinds = generate(args.naive_size, args.seed, args.fuzzy_share)
        _best, naive_times = timed(lambda: naive_all_pairs(n_sources, n_targets), 1)
        _fast, fast_times = timed(lambda: matching.match_servers(n_sources, n_targets, **kwargs), args.repeat)
        print(
            "naive pure-Python Levenshtein, all %d x %d pairs: %.2f s (match_servers on the same: %.3f s, x%.0f)"
            % (args.naive_size, args.naive_size, naive_times[0], min(fast_times), naive_times[0] / min(fast_times))
        )

    if args.adversarial:
        run_adversarial(args, kwargs, sources, targets)


def run_adversarial(args, kwargs, friendly_sources, friendly_targets):
    cases = adversarial(args.sources, args.seed)
    a_sources, a_targets = flatten(cases, random.Random(args.seed))
    print(
        "\nadversarial: %d cases of %d classes, %d sources (%d local) x %d targets"
        % (len(cases), len(CLASSES), len(a_sources), sum(len(c.expect) for c in cases), len(a_targets))
    )
    result, times = timed(lambda: matching.match_servers(a_sources, a_targets, **kwargs), args.repeat)
    print("  match_servers(fuzzy=True): best %.3f s" % min(times))
    table, silent, wrong_acceptable = score_adversarial(result, cases)
    wrong = print_adversarial(table, silent, wrong_acceptable)

    mixed_cases = adversarial(args.sources // 10, args.seed + 7)
    m_sources, m_targets = flatten(mixed_cases, random.Random(args.seed + 7))
    m_sources = m_sources + friendly_sources
    m_targets = m_targets + friendly_targets
    random.Random(args.seed + 8).shuffle(m_sources)
    random.Random(args.seed + 9).shuffle(m_targets)
    mixed, m_times = timed(lambda: matching.match_servers(m_sources, m_targets, **kwargs), args.repeat)
    m_table, m_silent, m_wrong_acceptable = score_adversarial(mixed, mixed_cases)
    m_wrong = sum(row["pairs_wrong"] for row in m_table.values())
    print(
        "\nmixed: the friendly %d x %d estate plus %d adversarial cases (%d x %d in all): best %.3f s, median %.3f s; "
        "adversarial wrong pairs %d, silent guesses %d, wrong acceptable proposals %d"
        % (
            len(friendly_sources),
            len(friendly_targets),
            len(mixed_cases),
            len(m_sources),
            len(m_targets),
            min(m_times),
            statistics.median(m_times),
            m_wrong,
            m_silent,
            m_wrong_acceptable,
        )
    )
    if wrong or silent or wrong_acceptable or m_wrong or m_silent or m_wrong_acceptable:
        sys.exit("adversarial estate: wrong pairs or acceptable wrong proposals")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--sources", type=int, default=10000, help="source servers (and as many targets)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--naive-size", type=int, default=1000, help="estate size for the naive baseline (0 skips it)")
    parser.add_argument("--fuzzy-share", type=float, default=0.10, help="share of pairs that need fuzzy matching")
    parser.add_argument(
        "--orphans",
        type=float,
        default=0.02,
        help="extra run with this share of sources and targets left without a partner (0 skips it)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of match_servers (best and median shown)")
    parser.add_argument(
        "--scorer",
        default=matching.DEFAULT_SCORER,
        help="one of matching.SCORERS, or several joined by + (the best of them scores)",
    )
    parser.add_argument("--threshold", type=float, default=matching.DEFAULT_THRESHOLD)
    parser.add_argument(
        "--adversarial",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also run the hostile estate with ground truth per class, alone and mixed into the friendly one",
    )
    parser.add_argument("--margin", type=float, default=matching.DEFAULT_MARGIN)
    run(parser.parse_args(argv))


if __name__ == "__main__":
    main()
