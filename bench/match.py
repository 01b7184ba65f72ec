# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Benchmark of plugins/module_utils/matching.py (a script, not a test): speed, precision and recall.

Generates N source servers and N pre-provisioned targets with a known ground truth, realistic hostnames
``{role}-{env}-{site}-{nnnn}`` numbered sequentially per role/env/site (so many names differ by one digit):

* (1 - fuzzy share) of the targets are equal to their source after normalization (random case, surrounding
  whitespace, doubled spaces, a few full-width characters);
* the fuzzy share needs fuzzy matching: a one-letter typo (substitution, insertion, deletion or adjacent
  transposition, never in the digits), two adjacent tokens swapped, or an extra suffix (-dr, -new, ...).

Then times ``match_servers(fuzzy=True)`` and prints precision (wrong pairs must be 0) and recall, a naive
pure-Python Levenshtein over all pairs of a smaller estate for comparison, and a 1,000-server run.

    .venv/bin/python bench/match.py [--sources 10000] [--seed 42] [--naive-size 1000]
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

from plugins.module_utils import matching  # noqa: E402  (after the sys.path set-up)

ROLES = ("web", "app", "api", "db", "cache", "mq", "batch", "etl", "auth", "search", "proxy", "mail", "files", "logs",
         "mon", "ldap", "sftp", "vpn", "ci", "build", "report", "crm", "erp", "pay")
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
            variant = name[:pos] + rng.choice([c for c in LETTERS if c != name[pos]]) + name[pos + 1:]
        elif op == "ins":
            variant = name[:pos] + rng.choice(LETTERS) + name[pos:]
        elif op == "del":
            variant = name[:pos] + name[pos + 1:]
        else:
            if pos + 1 < len(name) and name[pos + 1].isalpha() and name[pos + 1] != name[pos]:
                variant = name[:pos] + name[pos + 1] + name[pos] + name[pos + 2:]
            else:
                variant = name[:pos] + name[pos + 1:]
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
    correct = sum(1 for p in result["pairs"] if truth.get(p["source_id"]) == p["target_id"])
    wrong = len(result["pairs"]) - correct
    per_kind = {}
    for sid, kind in kinds.items():
        per_kind.setdefault(kind, [0, 0])[1] += 1
    for p in result["pairs"]:
        if truth.get(p["source_id"]) == p["target_id"]:
            per_kind[kinds[p["source_id"]]][0] += 1
    precision = correct / float(len(result["pairs"])) if result["pairs"] else 1.0
    recall = correct / float(len(truth)) if truth else 1.0
    return {"pairs": len(result["pairs"]), "correct": correct, "wrong": wrong, "precision": precision,
            "recall": recall, "per_kind": per_kind}


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
    matching.score_hits(["a"], ["a"], matching.fuzz.ratio, 0)
    return "process.cdist (numpy)" if matching._BACKEND["cdist"] else "process.extract (no numpy)"


def run(args):
    if not matching.HAS_RAPIDFUZZ:
        sys.exit("rapidfuzz is not installed in this interpreter")
    kwargs = dict(fuzzy=True, threshold=args.threshold, margin=args.margin, scorer=args.scorer)
    print("python %s, rapidfuzz backend: %s, cpus: %s, machine: %s"
          % (platform.python_version(), backend_name(), os.cpu_count(), platform.machine()))
    print("defaults: scorer=%s threshold=%.1f margin=%.1f require_equal_numbers=True"
          % (args.scorer, args.threshold, args.margin))

    sources, targets, truth, kinds = generate(args.sources, args.seed, args.fuzzy_share)
    print("\n%d sources x %d targets, seed %d, %.0f%% need fuzzy"
          % (len(sources), len(targets), args.seed, 100 * args.fuzzy_share))
    result, times = timed(lambda: matching.match_servers(sources, targets, **kwargs), args.repeat)
    stats = evaluate(result, truth, kinds)
    summary = result["summary"]
    print("  match_servers(fuzzy=True): best %.3f s, median %.3f s over %d runs"
          % (min(times), statistics.median(times), len(times)))
    print("  pairs %d (exact %d, fuzzy %d), wrong %d, ambiguous %d, unmatched sources %d"
          % (stats["pairs"], summary["exact"], summary["fuzzy"], stats["wrong"], summary["ambiguous"],
             summary["unmatched_sources"]))
    print("  precision %.4f%%  recall %.4f%%" % (100 * stats["precision"], 100 * stats["recall"]))
    for kind in sorted(stats["per_kind"]):
        ok, total = stats["per_kind"][kind]
        print("    %-6s %5d / %5d recovered (%.1f%%)" % (kind, ok, total, 100.0 * ok / total))

    exact_only, exact_times = timed(lambda: matching.match_servers(sources, targets), args.repeat)
    print("  exact only (fuzzy=False): best %.3f s, recall %.2f%%"
          % (min(exact_times), 100 * evaluate(exact_only, truth, kinds)["recall"]))

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
        print("  with %.0f%% orphans on each side (sources without target, targets without source): "
              "pairs %d, wrong %d, precision %.4f%%, recall %.4f%%"
              % (100 * args.orphans, o_stats["pairs"], o_stats["wrong"], 100 * o_stats["precision"],
                 100 * o_stats["recall"]))

    small_sources, small_targets, small_truth, small_kinds = generate(1000, args.seed, args.fuzzy_share)
    small, small_times = timed(lambda: matching.match_servers(small_sources, small_targets, **kwargs), args.repeat)
    small_stats = evaluate(small, small_truth, small_kinds)
    print("\n1,000 x 1,000 (seed target: 1,000 pairs in 10 s): best %.3f s, wrong %d, recall %.2f%%"
          % (min(small_times), small_stats["wrong"], 100 * small_stats["recall"]))

    if args.naive_size:
        n_sources, n_targets, _truth, _kinds = generate(args.naive_size, args.seed, args.fuzzy_share)
        _best, naive_times = timed(lambda: naive_all_pairs(n_sources, n_targets), 1)
        _fast, fast_times = timed(lambda: matching.match_servers(n_sources, n_targets, **kwargs), args.repeat)
        print("naive pure-Python Levenshtein, all %d x %d pairs: %.2f s (match_servers on the same: %.3f s, x%.0f)"
              % (args.naive_size, args.naive_size, naive_times[0], min(fast_times), naive_times[0] / min(fast_times)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--sources", type=int, default=10000, help="source servers (and as many targets)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--naive-size", type=int, default=1000, help="estate size for the naive baseline (0 skips it)")
    parser.add_argument("--fuzzy-share", type=float, default=0.10, help="share of pairs that need fuzzy matching")
    parser.add_argument("--orphans", type=float, default=0.02,
                        help="extra run with this share of sources and targets left without a partner (0 skips it)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of match_servers (best and median shown)")
    parser.add_argument("--scorer", default=matching.DEFAULT_SCORER,
                        help="one of matching.SCORERS, or several joined by + (the best of them scores)")
    parser.add_argument("--threshold", type=float, default=matching.DEFAULT_THRESHOLD)
    parser.add_argument("--margin", type=float, default=matching.DEFAULT_MARGIN)
    run(parser.parse_args(argv))


if __name__ == "__main__":
    main()
