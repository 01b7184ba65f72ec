# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pure name matching of DRS source servers to target instances: no AWS, deterministic, 1:1.

A wrong pair overwrites the wrong disks, so nothing ambiguous is ever guessed: duplicates and near ties
are refused and reported with a remediation sentence.
"""

import re
import unicodedata

try:
    from rapidfuzz import fuzz
    from rapidfuzz import process

    HAS_RAPIDFUZZ = True
except ImportError:
    HAS_RAPIDFUZZ = False

SCORERS = ("ratio", "token_sort_ratio", "token_set_ratio", "partial_ratio", "WRatio")
_SPACES = re.compile(r"\s+")


def normalize_name(name, strip_prefixes=(), strip_suffixes=(), strip_patterns=()):
    """NFKC, casefold, trimmed, inner whitespace collapsed; configured tokens stripped until stable."""
    if not name:
        return ""
    text = _SPACES.sub(" ", unicodedata.normalize("NFKC", str(name)).casefold()).strip()
    prefixes = [_SPACES.sub(" ", unicodedata.normalize("NFKC", p).casefold()).strip() for p in strip_prefixes if p]
    suffixes = [_SPACES.sub(" ", unicodedata.normalize("NFKC", s).casefold()).strip() for s in strip_suffixes if s]
    patterns = [re.compile(p, re.IGNORECASE) for p in strip_patterns if p]
    while True:
        before = text
        for prefix in prefixes:
            if prefix and text.startswith(prefix) and len(text) > len(prefix):
                text = text[len(prefix):].strip()
        for suffix in suffixes:
            if suffix and text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)].strip()
        for pattern in patterns:
            stripped = pattern.sub("", text).strip()
            if stripped:
                text = stripped
        text = _SPACES.sub(" ", text).strip()
        if text == before:
            return text


def _pair(source, target, method, score, normalized):
    return {
        "source_id": source["id"],
        "source_name": source.get("name"),
        "target_id": target["id"],
        "target_name": target.get("name"),
        "method": method,
        "score": score,
        "normalized_name": normalized,
        "source": source,
        "target": target,
    }


def _by_id(items):
    return sorted(items, key=lambda item: str(item["id"]))


def _apply_overrides(overrides, sources, targets):
    """Valid override pairs, and errors for the rest."""
    src = {s["id"]: s for s in sources}
    tgt = {t["id"]: t for t in targets}
    pairs, errors = [], []
    seen_s, seen_t = {}, {}
    for item in overrides or []:
        sid, tid = item.get("source_id") or item.get("source_server_id"), item.get("target_id") or item.get("target_instance_id")
        seen_s.setdefault(sid, []).append(tid)
        seen_t.setdefault(tid, []).append(sid)
    for item in overrides or []:
        sid, tid = item.get("source_id") or item.get("source_server_id"), item.get("target_id") or item.get("target_instance_id")
        if sid not in src:
            errors.append({"message": f"Override names unknown source server {sid}.",
                           "remediation": f"Check the ID {sid} and that it is among the servers being matched."})
        elif len(seen_s[sid]) > 1:
            errors.append({"message": f"Source server {sid} has {len(seen_s[sid])} overrides ({', '.join(map(str, seen_s[sid]))}).",
                           "remediation": f"Keep one override for {sid}."})
        elif len(seen_t.get(tid, [])) > 1:
            errors.append({"message": f"Target {tid} is named by {len(seen_t[tid])} overrides ({', '.join(map(str, seen_t[tid]))}).",
                           "remediation": f"Give {tid} to one source server only."})
        elif tid not in tgt:
            tgt[tid] = {"id": tid, "name": None}
            pairs.append(_pair(src[sid], tgt[tid], "override", None, None))
        else:
            pairs.append(_pair(src[sid], tgt[tid], "override", None, None))
    # de-duplicate repeated errors for the same offending override group
    unique, seen = [], set()
    for err in errors:
        if err["message"] not in seen:
            seen.add(err["message"])
            unique.append(err)
    return pairs, unique


def match_servers(sources, targets, *, overrides=(), fuzzy=False, threshold=90.0, margin=5.0, strip_prefixes=(),
                  strip_suffixes=(), strip_patterns=(), scorer="ratio"):
    """Pair sources with targets 1:1: overrides, then exact normalized names, then (optionally) fuzzy."""
    sources, targets = _by_id(sources), _by_id(targets)
    norm = {}

    def key(item):
        if id(item) not in norm:
            norm[id(item)] = normalize_name(item.get("name"), strip_prefixes, strip_suffixes, strip_patterns)
        return norm[id(item)]

    pairs, errors = _apply_overrides(overrides, sources, targets)
    used_s = {p["source_id"] for p in pairs}
    used_t = {p["target_id"] for p in pairs}
    free_s = [s for s in sources if s["id"] not in used_s]
    free_t = [t for t in targets if t["id"] not in used_t]
    unmatched_sources, ambiguous, duplicates = [], [], []

    groups_s, groups_t = {}, {}
    for s in free_s:
        if key(s):
            groups_s.setdefault(key(s), []).append(s)
    for t in free_t:
        if key(t):
            groups_t.setdefault(key(t), []).append(t)
    for side, groups in (("source", groups_s), ("target", groups_t)):
        for name, members in sorted(groups.items()):
            if len(members) > 1:
                ids = [m["id"] for m in members]
                duplicates.append({
                    "side": side, "normalized_name": name, "ids": ids, "names": [m.get("name") for m in members],
                    "remediation": f"Rename one of the {len(ids)} {side}s named '{name}' ({', '.join(map(str, ids))}) "
                                   "or pass an override pair for each.",
                })

    leftover_s, taken_t = [], set()
    for s in free_s:
        name = key(s)
        if not name:
            unmatched_sources.append({"id": s["id"], "name": s.get("name"), "normalized_name": "",
                                      "reason": "The source server has no name to match on.",
                                      "remediation": f"Tag source server {s['id']} with Name=<hostname>, or pass an override pair "
                                                     f"{{source_server_id: {s['id']}, target_instance_id: i-...}}."})
            continue
        cands = groups_t.get(name, [])
        same_source = groups_s.get(name, [])
        if len(cands) == 1 and len(same_source) == 1:
            pairs.append(_pair(s, cands[0], "exact", 100.0, name))
            taken_t.add(cands[0]["id"])
        elif len(cands) > 1 or (cands and len(same_source) > 1):
            reason = (f"{len(cands)} targets are named '{name}'." if len(cands) > 1
                      else f"{len(same_source)} source servers are named '{name}' and want the same target.")
            ambiguous.append({
                "source_id": s["id"], "source_name": s.get("name"),
                "candidates": [{"target_id": c["id"], "target_name": c.get("name"), "score": 100.0} for c in cands],
                "reason": reason,
                "remediation": (f"Rename one of the targets named '{name}' "
                                f"({', '.join(c['id'] for c in cands)}) or pass an override pair for {s['id']}."
                                if len(cands) > 1 else
                                f"Rename one of the source servers named '{name}' "
                                f"({', '.join(x['id'] for x in same_source)}) or pass override pairs."),
            })
            taken_t.update(c["id"] for c in cands)  # never hand a disputed target to someone else
        else:
            leftover_s.append(s)
    leftover_t = [t for t in free_t if t["id"] not in taken_t and key(t) and len(groups_t.get(key(t), [])) == 1]

    if fuzzy and leftover_s and leftover_t:
        if not HAS_RAPIDFUZZ:
            raise RuntimeError("fuzzy matching needs the rapidfuzz library")
        fuzzy_pairs, fuzzy_ambiguous, leftover_s = _fuzzy(leftover_s, leftover_t, key, threshold, margin, scorer)
        pairs.extend(fuzzy_pairs)
        ambiguous.extend(fuzzy_ambiguous)

    paired_t = {p["target_id"] for p in pairs}
    for s in leftover_s:
        unmatched_sources.append({
            "id": s["id"], "name": s.get("name"), "normalized_name": key(s),
            "reason": f"No target is named '{key(s)}'" + (" (fuzzy matching found no safe candidate)." if fuzzy else "."),
            "remediation": f"Tag the target instance for {s['id']} with Name={s.get('name')}, "
                           + ("or enable fuzzy matching, " if not fuzzy else "")
                           + f"or pass an override pair {{source_server_id: {s['id']}, target_instance_id: i-...}}.",
        })
    disputed = {c["target_id"] for a in ambiguous for c in a["candidates"]}
    unmatched_targets = [{
        "id": t["id"], "name": t.get("name"), "normalized_name": key(t),
        "reason": "Claimed by an ambiguous match." if t["id"] in disputed else "No source server matches its name.",
        "remediation": (f"Resolve the ambiguity around '{key(t)}' (rename or override)." if t["id"] in disputed else
                        f"Rename {t['id']} to its source server's name, or remove the AWSDRS tag if it is not a DR target."),
    } for t in targets if t["id"] not in paired_t]

    pairs.sort(key=lambda p: str(p["source_id"]))
    ambiguous.sort(key=lambda a: str(a["source_id"]))
    unmatched_sources.sort(key=lambda u: str(u["id"]))
    counts = {m: sum(1 for p in pairs if p["method"] == m) for m in ("exact", "fuzzy", "override")}
    return {
        "pairs": pairs,
        "unmatched_sources": unmatched_sources,
        "unmatched_targets": unmatched_targets,
        "ambiguous": ambiguous,
        "duplicates": duplicates,
        "errors": errors,
        "summary": {
            "sources": len(sources), "targets": len(targets), "paired": len(pairs), **counts,
            "unmatched_sources": len(unmatched_sources), "unmatched_targets": len(unmatched_targets),
            "ambiguous": len(ambiguous), "duplicates": len(duplicates),
            "match_rate": round(len(pairs) / len(sources), 4) if sources else 0.0,
        },
    }


def _top(query, choices, scorer_fn, cutoff):
    """The best two (score, index) for ``query`` among ``choices`` (rapidfuzz, C++), best first."""
    hits = process.extract(query, choices, scorer=scorer_fn, limit=2, score_cutoff=cutoff)
    return [(float(score), index) for _, score, index in hits]


def _fuzzy(sources, targets, key, threshold, margin, scorer):
    """Mutual-best fuzzy pairs with a margin on both sides; near ties are ambiguous, never guessed."""
    if scorer not in SCORERS:
        raise ValueError(f"unknown scorer {scorer!r}; choose one of {SCORERS}")
    scorer_fn = getattr(fuzz, scorer)
    s_names = [key(s) for s in sources]
    t_names = [key(t) for t in targets]
    cutoff = max(0.0, threshold - margin)
    pairs, ambiguous, left = [], [], []
    for i, s in enumerate(sources):
        top = _top(s_names[i], t_names, scorer_fn, cutoff)
        if not top or top[0][0] < threshold:
            left.append(s)
            continue
        best, j = top[0]
        runner_up = top[1][0] if len(top) > 1 else 0.0
        if best - runner_up < margin:
            ambiguous.append({
                "source_id": s["id"], "source_name": s.get("name"),
                "candidates": [{"target_id": targets[c]["id"], "target_name": targets[c].get("name"), "score": round(sc, 2)} for sc, c in top],
                "reason": f"The two best fuzzy candidates are within {margin} points ({best:.1f} vs {runner_up:.1f}).",
                "remediation": f"Rename the target of {s['id']} to '{s.get('name')}' or pass an override pair.",
            })
            continue
        back = _top(t_names[j], s_names, scorer_fn, cutoff)
        back_best, back_i = back[0] if back else (0.0, None)
        back_runner_up = back[1][0] if len(back) > 1 else 0.0
        if back_i != i and back_best > best:
            left.append(s)  # the target belongs better to another source; this one has no safe candidate
        elif back_i != i or back_best - back_runner_up < margin:
            ambiguous.append({
                "source_id": s["id"], "source_name": s.get("name"),
                "candidates": [{"target_id": targets[j]["id"], "target_name": targets[j].get("name"), "score": round(best, 2)}],
                "reason": f"Target {targets[j]['id']} fits another source server as well (within {margin} points).",
                "remediation": f"Rename the target of {s['id']} to '{s.get('name')}' or pass an override pair.",
            })
        else:
            pairs.append(_pair(s, targets[j], "fuzzy", round(best, 2), key(s)))
    return pairs, ambiguous, left
