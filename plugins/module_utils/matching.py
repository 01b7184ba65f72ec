# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pair DRS source servers with pre-provisioned target instances 1:1 by normalized Name.

Pure and AWS-free. Launching into the wrong instance overwrites its disks, so the rules are
conservative: a pairing is made only when it is unique; everything else (duplicate names, near ties,
contested targets) is reported with a concrete remediation and never guessed.

Phases, in order:

1. ``overrides``: explicit ``{source_id, target_id}`` pairs, validated (unknown ids, an id used twice);
   a rejected override is not applied and the servers it names are withheld from automatic matching.
2. exact: equality of :func:`normalize_name`; a normalized name shared by two or more servers on either
   side pairs nothing and is reported in ``duplicates`` / ``ambiguous``.
3. fuzzy (opt-in): the leftovers only, scored in C++ by ``rapidfuzz.process.cdist`` (default scorer: the
   best of ``ratio`` and ``token_sort_ratio``, so typos and reordered tokens both score). A pair is accepted
   only if it scores ``>= threshold``, the source's best target beats its second best by ``>= margin``,
   and the target's best source is that same source with the same margin (mutual best). Guards veto
   candidates that are different hosts whatever their score: different numbers (``web-prod-0012`` is never
   ``web-prod-0013``), different words of the estate's vocabulary (``use2`` / ``usw2``), or a one-sided token
   that reads as another word of the estate nearly as well as the one it would replace.

Every source ends in exactly one of ``pairs``, ``unmatched_sources`` or ``ambiguous``; every target in exactly
one of ``pairs`` or ``unmatched_targets``. The result does not depend on the order of the inputs.
"""

from __future__ import annotations

import re
import traceback
import unicodedata

try:
    from rapidfuzz import fuzz, process
    from rapidfuzz.distance import OSA
    HAS_RAPIDFUZZ = True
    RAPIDFUZZ_IMPORT_ERROR = None
except ImportError:
    HAS_RAPIDFUZZ = False
    RAPIDFUZZ_IMPORT_ERROR = traceback.format_exc()

DEFAULT_THRESHOLD = 88.0
DEFAULT_MARGIN = 5.0
DEFAULT_SCORER = "ratio+token_sort_ratio"
SCORERS = ("ratio", "token_sort_ratio", "token_set_ratio", "partial_ratio", "WRatio")

# Memory bound for one rapidfuzz.process.cdist call (float32 cells): ~16 MiB per chunk of rows.
_MAX_CELLS = 4000000
# Below this many cells a single thread is faster than starting a worker pool.
_PARALLEL_MIN_CELLS = 40000
# cdist needs numpy; without it, process.extract (also C++) is used. None = not probed yet.
_BACKEND = {"cdist": None}

_WS_RE = re.compile(r"\s+")
# Invisible format characters that survive NFKC (soft hyphen, zero-width space/joiners, bidi marks, BOM).
_INVISIBLE_RE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# Separators treated as token boundaries by the fuzzy scorers (token_* functions split on whitespace).
_SEP_RE = re.compile(r"[\s\-_.:/\\|,;]+")
_DIGITS_RE = re.compile(r"\d+")
# Guard vetoes whose candidates still compete for the margin (see _fuzzy_phase).
_COMPETING_VETOES = ("misread",)
# A one-sided token must read as the token it replaces this much better than as any other word of the estate.
_READING_MARGIN = 10.0

OVERRIDE_TEMPLATE = "{{source_id: {source_id}, target_id: {target_id}}}"


class MatchingDependencyError(RuntimeError):
    """Fuzzy matching was requested but rapidfuzz is not importable."""


# ---------------------------------------------------------------------------------------------------------------
# Normalization
# ---------------------------------------------------------------------------------------------------------------


def _basic(text):
    """NFKC, casefold, drop invisible format characters, collapse whitespace runs to one space, strip."""
    if text.isascii():
        text = text.lower()
    else:
        text = unicodedata.normalize("NFKC", text)
        text = unicodedata.normalize("NFKC", text.casefold())
        text = _INVISIBLE_RE.sub("", text)
    return _WS_RE.sub(" ", text).strip()


def _as_tuple(value):
    if value is None:
        return ()
    if isinstance(value, (str, bytes)) or hasattr(value, "pattern"):
        return (value,)
    return tuple(value)


class _Normalizer(object):
    """normalize_name with its configuration compiled once (used for every server of a match_servers call)."""

    def __init__(self, strip_prefixes=(), strip_suffixes=(), strip_patterns=()):
        self.prefixes = tuple(t for t in (_basic(str(p)) for p in _as_tuple(strip_prefixes)) if t)
        self.suffixes = tuple(t for t in (_basic(str(s)) for s in _as_tuple(strip_suffixes)) if t)
        patterns = []
        for pattern in _as_tuple(strip_patterns):
            if hasattr(pattern, "pattern"):
                patterns.append(re.compile(pattern.pattern, pattern.flags | re.IGNORECASE))
            else:
                try:
                    patterns.append(re.compile(str(pattern), re.IGNORECASE))
                except re.error as exc:
                    raise ValueError("strip_patterns: invalid regular expression %r: %s" % (pattern, exc))
        self.patterns = tuple(patterns)

    def _step(self, text):
        text = _basic(text)
        # A strip never empties a name: "dr-" stays "dr-" rather than becoming an unnamed server.
        for prefix in self.prefixes:
            if text.startswith(prefix) and len(text) > len(prefix):
                text = text[len(prefix):]
                break
        for suffix in self.suffixes:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[:-len(suffix)]
                break
        for pattern in self.patterns:
            stripped = pattern.sub("", text)
            if stripped.strip():
                text = stripped
        return _WS_RE.sub(" ", text).strip()

    def __call__(self, name):
        if name is None:
            return ""
        text = name if isinstance(name, str) else str(name)
        # Apply the step until it is a fixpoint, so normalize(normalize(x)) == normalize(x) by construction
        # ("dr-dr-web" -> "web"). Every productive step after the first shortens the text; the bound is a guard.
        for _attempt in range(len(text) + 8):
            stripped = self._step(text)
            if stripped == text:
                break
            text = stripped
        return text


def normalize_name(name, strip_prefixes=(), strip_suffixes=(), strip_patterns=()):
    """Canonical form of a server Name used for exact matching.

    Unicode NFKC (full-width ``ｗｅｂ`` -> ``web``), casefold, invisible characters removed, surrounding
    whitespace stripped and internal whitespace runs collapsed to one space. Then, compared after the same
    normalization, the first matching ``strip_prefixes`` token, the first matching ``strip_suffixes`` token
    and every ``strip_patterns`` regex (case-insensitive) are removed, repeatedly until nothing changes, so
    the function is idempotent. A strip that would leave an empty name is not applied. ``None``/"" -> "".
    """
    return _Normalizer(strip_prefixes, strip_suffixes, strip_patterns)(name)


def fuzzy_key(normalized):
    """The string the fuzzy scorers compare: separators (``- _ . : /``) become single spaces (token boundaries)."""
    return _SEP_RE.sub(" ", normalized).strip()


def number_signature(normalized):
    """The numbers in a name, as a sorted tuple of values ("app-03" and "app-3" carry the same number).

    Names carrying different numbers are different hosts: web-prod-0012 is never web-prod-0013.
    """
    return tuple(sorted(run.lstrip("0") or "0" for run in _DIGITS_RE.findall(normalized)))


# ---------------------------------------------------------------------------------------------------------------
# Scoring (rapidfuzz, C++)
# ---------------------------------------------------------------------------------------------------------------


def _scorer_names(scorer):
    """A scorer name, several names joined by '+' (the best of them scores), or a list of names."""
    names = scorer.split("+") if isinstance(scorer, str) else list(scorer or ())
    names = tuple(name.strip() for name in names if name and name.strip())
    unknown = [name for name in names if name not in SCORERS]
    if not names or unknown:
        raise ValueError("scorer must be one of %s (or several joined by '+'), got %r" % (", ".join(SCORERS), scorer))
    return names


def _scorer_function(scorer):
    if scorer not in SCORERS:
        raise ValueError("scorer must be one of %s, got %r" % (", ".join(SCORERS), scorer))
    if not HAS_RAPIDFUZZ:
        raise MatchingDependencyError(
            "Fuzzy name matching requires the Python library rapidfuzz (pip install 'rapidfuzz>=3.6') on the host "
            "that runs the module; install it or run with fuzzy matching disabled. Import error: %s"
            % ((RAPIDFUZZ_IMPORT_ERROR or "").strip().splitlines() or ["unknown"])[-1]
        )
    return getattr(fuzz, scorer)


def _score(value):
    # Two decimals: identical decisions from cdist (float32) and extract (float64).
    return round(float(value), 2)


def _cdist_hits(queries, choices, scorer_fn, cutoff):
    hits = []
    width = len(choices)
    rows_per_chunk = max(1, _MAX_CELLS // width)
    for start in range(0, len(queries), rows_per_chunk):
        chunk = queries[start:start + rows_per_chunk]
        workers = -1 if len(chunk) * width >= _PARALLEL_MIN_CELLS else 1
        matrix = process.cdist(chunk, choices, scorer=scorer_fn, processor=None, score_cutoff=cutoff, workers=workers)
        rows, cols = matrix.nonzero()
        values = matrix[rows, cols].tolist()
        for row, col, value in zip(rows.tolist(), cols.tolist(), values):
            hits.append((start + row, col, _score(value)))
    return hits


def _extract_hits(queries, choices, scorer_fn, cutoff):
    hits = []
    for row, query in enumerate(queries):
        for _choice, value, col in process.extract(query, choices, scorer=scorer_fn, processor=None, limit=None,
                                                   score_cutoff=cutoff):
            if value > 0:
                hits.append((row, col, _score(value)))
    return hits


def score_hits(queries, choices, scorer_fn, cutoff):
    """All ``(query_index, choice_index, score)`` with ``score >= cutoff`` (and > 0), computed by rapidfuzz.

    Uses ``process.cdist(workers=-1, score_cutoff=cutoff)`` in row chunks of bounded memory; cdist needs numpy,
    and when numpy is missing ``process.extract`` (also C++) gives the same hits.
    """
    if not queries or not choices:
        return []
    if _BACKEND["cdist"] is not False:
        try:
            hits = _cdist_hits(queries, choices, scorer_fn, cutoff)
            _BACKEND["cdist"] = True
            return hits
        except ImportError:
            _BACKEND["cdist"] = False
    return _extract_hits(queries, choices, scorer_fn, cutoff)


# ---------------------------------------------------------------------------------------------------------------
# Matching
# ---------------------------------------------------------------------------------------------------------------


class _Server(object):
    """One source server or target instance: the caller's dict, its id as a string key, its normalized name."""

    __slots__ = ("side", "id", "key", "name", "norm", "raw")

    def __init__(self, side, raw, norm):
        self.side = side
        self.raw = raw
        self.id = raw["id"]
        self.key = str(raw["id"])
        self.name = raw.get("name")
        self.norm = norm


def _records(side, items, normalize):
    records = []
    label = "sources" if side == "source" else "targets"
    for position, item in enumerate(items or ()):
        if not hasattr(item, "get") or not hasattr(item, "keys"):
            raise ValueError("%s[%d] must be a dict with 'id' and 'name', got %r" % (label, position, item))
        if item.get("id") is None or str(item.get("id")) == "":
            raise ValueError("%s[%d] has no 'id': %r" % (label, position, dict(item)))
        records.append(_Server(side, item, normalize(item.get("name"))))
    # By id; servers sharing an id (an input error, reported) by name so that input order never shows.
    records.sort(key=lambda r: (r.key, r.norm, str(r.name)))
    return records


def _ids(records):
    return ", ".join(r.key for r in records)


def _quoted(name):
    return "'%s'" % ("" if name is None else name)


def _override_hint(source_id="s-...", target_id="i-..."):
    return OVERRIDE_TEMPLATE.format(source_id=source_id, target_id=target_id)


def _candidate(target, score, veto=None):
    entry = {"target_id": target.id, "target_name": target.name, "score": score}
    if veto is not None:
        entry["vetoed"] = "never paired: it %s" % veto[1]
    return entry


def _source_candidate(source, score, veto=None):
    entry = {"source_id": source.id, "source_name": source.name, "score": score}
    if veto is not None:
        entry["vetoed"] = "never paired: it %s" % veto[1]
    return entry


class _Result(object):
    def __init__(self):
        self.pairs = []
        self.unmatched_sources = []
        self.unmatched_targets = []
        self.ambiguous = []
        self.duplicates = []
        self.errors = []

    def pair(self, source, target, method, score):
        self.pairs.append({
            "source_id": source.id,
            "source_name": source.name,
            "target_id": target.id,
            "target_name": target.name,
            "method": method,
            "score": score,
            "normalized_name": source.norm,
            "target_normalized_name": target.norm,
            "source": source.raw,
            "target": target.raw,
        })

    def unmatched_source(self, source, code, reason, remediation, best=None):
        entry = {
            "id": source.id,
            "name": source.name,
            "normalized_name": source.norm,
            "reason": reason,
            "reason_code": code,
            "remediation": remediation,
            "source": source.raw,
        }
        if best is not None:
            entry["best_candidate"] = best
        self.unmatched_sources.append(entry)

    def unmatched_target(self, target, code, reason, remediation, best=None):
        entry = {
            "id": target.id,
            "name": target.name,
            "normalized_name": target.norm,
            "reason": reason,
            "reason_code": code,
            "remediation": remediation,
            "target": target.raw,
        }
        if best is not None:
            entry["best_candidate"] = best
        self.unmatched_targets.append(entry)

    def ambiguous_source(self, source, candidates, code, reason, remediation, competing_sources=None):
        entry = {
            "source_id": source.id,
            "source_name": source.name,
            "normalized_name": source.norm,
            "candidates": candidates,
            "reason": reason,
            "reason_code": code,
            "remediation": remediation,
            "source": source.raw,
        }
        if competing_sources is not None:
            entry["competing_sources"] = competing_sources
        self.ambiguous.append(entry)

    def error(self, message, remediation, **extra):
        entry = {"message": message, "remediation": remediation}
        entry.update(extra)
        self.errors.append(entry)

    def as_dict(self, n_sources, n_targets):
        def by(field):
            return lambda entry: str(entry[field])

        self.pairs.sort(key=by("source_id"))
        self.unmatched_sources.sort(key=lambda e: (str(e["id"]), e["reason_code"]))
        self.unmatched_targets.sort(key=lambda e: (str(e["id"]), e["reason_code"]))
        self.ambiguous.sort(key=by("source_id"))
        self.duplicates.sort(key=lambda e: (e["side"], e["normalized_name"]))
        self.errors.sort(key=lambda e: (e["message"], e["remediation"]))
        methods = [p["method"] for p in self.pairs]
        paired = len(self.pairs)
        return {
            "pairs": self.pairs,
            "unmatched_sources": self.unmatched_sources,
            "unmatched_targets": self.unmatched_targets,
            "ambiguous": self.ambiguous,
            "duplicates": self.duplicates,
            "errors": self.errors,
            "summary": {
                "sources": n_sources,
                "targets": n_targets,
                "paired": paired,
                "exact": methods.count("exact"),
                "fuzzy": methods.count("fuzzy"),
                "override": methods.count("override"),
                "unmatched_sources": len(self.unmatched_sources),
                "unmatched_targets": len(self.unmatched_targets),
                "ambiguous": len(self.ambiguous),
                "duplicates": len(self.duplicates),
                "errors": len(self.errors),
                "match_rate": round(paired / float(n_sources), 4) if n_sources else 0.0,
            },
        }


def _split_duplicate_ids(records, side, result):
    """Servers sharing one id cannot be told apart: report them, match none of them."""
    by_key = {}
    for record in records:
        by_key.setdefault(record.key, []).append(record)
    unique = []
    label = "source server" if side == "source" else "target instance"
    for key in sorted(by_key):
        group = by_key[key]
        if len(group) == 1:
            unique.append(group[0])
            continue
        names = ", ".join(_quoted(r.name) for r in group)
        reason = "The %s id %s appears %d times in the input (names %s)." % (label, key, len(group), names)
        remediation = "Pass each %s once; deduplicate id %s in the inventory given to the matcher." % (label, key)
        result.error(reason, remediation, side=side, id=group[0].id)
        for record in group:
            if side == "source":
                result.unmatched_source(record, "duplicate_id", reason, remediation)
            else:
                result.unmatched_target(record, "duplicate_id", reason, remediation)
    return unique


def _override_ids(override):
    """(source_id, target_id) of an override; the module's spelling source_server_id / target_instance_id works too."""
    source_id = override.get("source_id")
    if source_id in (None, ""):
        source_id = override.get("source_server_id")
    target_id = override.get("target_id")
    if target_id in (None, ""):
        target_id = override.get("target_instance_id")
    return source_id, target_id


def _apply_overrides(overrides, sources, targets, result, allow_unknown_targets):
    """Validate and apply overrides; return (used source keys, used target keys, withheld sources, withheld targets).

    A rejected override is not applied, and the known servers it names are withheld from automatic matching: the
    user said how to pair them, so a name match must not silently take over.
    """
    src_by_key = dict((s.key, s) for s in sources)
    tgt_by_key = dict((t.key, t) for t in targets)
    used_sources, used_targets, held_sources, held_targets = set(), set(), set(), set()

    cleaned = set()
    for position, override in enumerate(overrides or ()):
        if not hasattr(override, "get"):
            result.error("Override #%d is not a mapping: %r; it was not applied." % (position, override),
                         "Write each override as %s." % _override_hint())
            continue
        source_id, target_id = _override_ids(override)
        if source_id in (None, "") or target_id in (None, ""):
            if source_id not in (None, "") and str(source_id) in src_by_key:
                held_sources.add(str(source_id))
            if target_id not in (None, "") and str(target_id) in tgt_by_key:
                held_targets.add(str(target_id))
            result.error("Override %r needs both source_id and target_id; it was not applied." % (dict(override),),
                         "Complete it as %s." % _override_hint(source_id or "s-...", target_id or "i-..."),
                         source_id=source_id, target_id=target_id)
            continue
        cleaned.add((str(source_id), str(target_id)))

    per_source, per_target = {}, {}
    for source_key, target_key in cleaned:
        per_source.setdefault(source_key, []).append(target_key)
        per_target.setdefault(target_key, []).append(source_key)

    for source_key in sorted(per_source):
        if len(per_source[source_key]) > 1:
            target_keys = sorted(per_source[source_key])
            result.error(
                "Source server %s appears in %d overrides (targets %s); none of them was applied."
                % (source_key, len(target_keys), ", ".join(target_keys)),
                "Keep exactly one override for source %s, e.g. %s."
                % (source_key, _override_hint(source_key, target_keys[0])),
                source_id=src_by_key[source_key].id if source_key in src_by_key else source_key)
    for target_key in sorted(per_target):
        if len(per_target[target_key]) > 1:
            source_keys = sorted(per_target[target_key])
            result.error(
                "Target instance %s appears in %d overrides (sources %s); none of them was applied."
                % (target_key, len(source_keys), ", ".join(source_keys)),
                "A target receives one source server only: keep one of %s."
                % ", ".join(_override_hint(s, target_key) for s in source_keys),
                target_id=tgt_by_key[target_key].id if target_key in tgt_by_key else target_key)

    for source_key, target_key in sorted(cleaned):
        valid = len(per_source[source_key]) == 1 and len(per_target[target_key]) == 1
        if source_key not in src_by_key:
            valid = False
            result.error("Override %s: source_id %s is not among the %d source servers; it was not applied."
                         % (_override_hint(source_key, target_key), source_key, len(sources)),
                         "Check the DRS source server id (drs describe-source-servers) in this account and Region, "
                         "or remove the override.", source_id=source_key, target_id=target_key)
        if target_key not in tgt_by_key and not allow_unknown_targets:
            valid = False
            result.error("Override %s: target_id %s is not among the %d candidate target instances; it was not applied."
                         % (_override_hint(source_key, target_key), target_key, len(targets)),
                         "Check the EC2 instance id, that it is stopped and tagged "
                         "AWSDRS=AllowLaunchingIntoThisInstance, or remove the override.",
                         source_id=source_key, target_id=target_key)
        if not valid:
            if source_key in src_by_key:
                held_sources.add(source_key)
            if target_key in tgt_by_key:
                held_targets.add(target_key)
            continue
        target = tgt_by_key.get(target_key)
        if target is None:
            target = _Server("target", {"id": target_key, "name": None}, "")
        result.pair(src_by_key[source_key], target, "override", None)
        used_sources.add(source_key)
        used_targets.add(target_key)
    return used_sources, used_targets, held_sources - used_sources, held_targets - used_targets


def _exact_phase(sources, targets, result):
    """Pair unique normalized names 1:1; return (leftover sources, leftover targets) for the fuzzy phase."""
    src_groups, tgt_groups = {}, {}
    for source in sources:
        src_groups.setdefault(source.norm, []).append(source)
    for target in targets:
        tgt_groups.setdefault(target.norm, []).append(target)

    for side, groups, label in (("source", src_groups, "source servers"), ("target", tgt_groups, "targets")):
        for norm in sorted(groups):
            group = groups[norm]
            if len(group) < 2:
                continue
            if side == "source":
                example = _override_hint(group[0].key, "i-...")
            else:
                example = _override_hint("s-...", group[0].key)
            result.duplicates.append({
                "side": side,
                "normalized_name": norm,
                "ids": [r.id for r in group],
                "names": [r.name for r in group],
                "remediation": "Rename one of the %d %s named '%s' (%s) or pass an override pair, e.g. %s."
                % (len(group), label, norm, _ids(group), example),
            })

    left_sources, left_targets = [], []
    for norm in sorted(src_groups):
        group_s = src_groups[norm]
        group_t = tgt_groups.get(norm)
        if not group_t:
            left_sources.extend(group_s)
            continue
        if len(group_s) == 1 and len(group_t) == 1:
            result.pair(group_s[0], group_t[0], "exact", 100.0)
            continue
        if len(group_s) > 1 and len(group_t) > 1:
            code = "duplicate_names_both_sides"
        elif len(group_t) > 1:
            code = "duplicate_target_names"
        else:
            code = "duplicate_source_names"
        candidates = [_candidate(t, 100.0) for t in group_t]
        competing = [_source_candidate(s, 100.0) for s in group_s] if len(group_s) > 1 else None
        for source in group_s:
            parts = []
            if len(group_t) > 1:
                parts.append("matches %d targets named '%s' (%s)" % (len(group_t), norm, _ids(group_t)))
            if len(group_s) > 1:
                others = [s for s in group_s if s is not source]
                parts.append("shares its name with source server%s %s" % ("s" if len(others) > 1 else "", _ids(others)))
            reason = "Source %s (%s) %s; nothing was paired." % (source.key, _quoted(source.name), " and ".join(parts))
            if len(group_t) > 1:
                remediation = ("Rename one of the %d targets named '%s' (%s) or add an override pair %s."
                               % (len(group_t), norm, _ids(group_t), _override_hint(source.key, group_t[0].key)))
            else:
                remediation = ("Rename one of the %d source servers named '%s' (%s) or add an override pair %s."
                               % (len(group_s), norm, _ids(group_s), _override_hint(source.key, group_t[0].key)))
            result.ambiguous_source(source, candidates, code, reason, remediation, competing)
        for target in group_t:
            reason = ("Target %s is one of %d targets for %d source server%s named '%s'; nothing was paired."
                      % (target.key, len(group_t), len(group_s), "s" if len(group_s) > 1 else "", norm))
            remediation = ("Make the Name '%s' unique on both sides, or add an override pair %s."
                           % (norm, _override_hint(group_s[0].key, target.key)))
            result.unmatched_target(target, "ambiguous", reason, remediation)
    for norm in sorted(tgt_groups):
        if norm not in src_groups:
            left_targets.extend(tgt_groups[norm])
    left_sources.sort(key=lambda r: r.key)
    left_targets.sort(key=lambda r: r.key)
    return left_sources, left_targets


def _unmatched_source_no_target(result, source, code, fuzzy):
    reason = "No target instance is named '%s'%s." % (
        source.norm, " and no fuzzy candidate scored near the threshold" if fuzzy else "")
    name = source.name.strip() if source.name else source.norm
    remediation = ("Tag the pre-provisioned target with Name=%s (and AWSDRS=AllowLaunchingIntoThisInstance), "
                   "%sor add an override pair %s."
                   % (name, "" if fuzzy else "enable fuzzy matching, ", _override_hint(source.key)))
    result.unmatched_source(source, code, reason, remediation)


def _unmatched_target_no_source(result, target, code):
    reason = "No source server is named '%s'." % target.norm
    remediation = ("If target %s is meant for a source server, tag it with that server's Name or add an override pair "
                   "%s; otherwise remove its AWSDRS=AllowLaunchingIntoThisInstance tag."
                   % (target.key, _override_hint("s-...", target.key)))
    result.unmatched_target(target, code, reason, remediation)


def _top(entries):
    """entries: [(score, index, veto)] -> sorted best first (ties by index, for determinism only: ties never pair)."""
    entries.sort(key=lambda e: (-e[0], e[1]))
    return entries


def _clear_winner(entries, margin):
    """True if the best entry beats the second best (0 when there is none) strictly and by >= margin."""
    best = entries[0][0]
    second = entries[1][0] if len(entries) > 1 else 0.0
    return best > second and round(best - second, 2) >= margin


def _token_vocabulary(source_names, target_names):
    """Tokens used on both sides (in some source name and in some target name): the estate's real words.

    Sites, roles and environments (use2, usw2, crm, ci) appear on both sides; a typo (perf -> per) makes a token
    that appears on one side only.
    """
    in_sources = set()
    for name in set(source_names):
        in_sources.update(fuzzy_key(name).split(" "))
    in_targets = set()
    for name in set(target_names):
        in_targets.update(fuzzy_key(name).split(" "))
    return frozenset(in_sources & in_targets)


class _Guard(object):
    """Vetoes a fuzzy candidate that is a different host, whatever its score.

    numbers: the numbers differ by value (web-prod-0012 / web-prod-0013, use1 / use2; app-03 / app-3 pass).
    tokens: the names differ in words of the estate's vocabulary, i.e. tokens used on both sides (use2 / usw2,
    crm / ci): that is another host, not a typo, which makes a one-sided token. And a one-sided token must read as
    the token it replaces: 'prd' for 'prod' passes, but 'pro' is as close to 'prod' as to 'perf', so 'sftp-pro-..'
    is not paired with 'sftp-perf-..' when 'prod' is also a word of the estate.
    """

    def __init__(self, sources, targets, vocabulary, require_equal_numbers, require_compatible_tokens):
        self.numbers = require_equal_numbers
        self.tokens = require_compatible_tokens
        self.vocabulary = vocabulary
        self.words = sorted(w for w in vocabulary if not w.isdigit())
        self.src_numbers = [number_signature(s.norm) for s in sources]
        self.tgt_numbers = [number_signature(t.norm) for t in targets]
        self.src_tokens = [frozenset(fuzzy_key(s.norm).split(" ")) for s in sources]
        self.tgt_tokens = [frozenset(fuzzy_key(t.norm).split(" ")) for t in targets]
        self._nearest = {}

    @staticmethod
    def _reading(token, word):
        """How much ``token`` reads as ``word``: mean of the Indel ratio and the OSA (Damerau) similarity, 0-100.

        The Indel ratio alone undervalues transpositions ('bd' would read as 'build' rather than 'db').
        """
        return _score((fuzz.ratio(token, word) + 100.0 * OSA.normalized_similarity(token, word)) / 2.0)

    def _nearest_words(self, token, min_reading):
        """Vocabulary words ``token`` reads as with a reading >= min_reading: [(reading, word)], best first."""
        # reading >= r needs ratio >= 2r - 100: let rapidfuzz (C++) drop the rest before any Python work
        cutoff = max(0.0, 2.0 * min_reading - 100.0)
        cached = self._nearest.get(token)
        if cached is None or cached[0] > cutoff:
            found = process.extract(token, self.words, scorer=fuzz.ratio, processor=None, limit=None,
                                    score_cutoff=cutoff) if self.words else []
            readings = [(self._reading(token, word), word) for word, _ratio, _index in found]
            cached = (cutoff, sorted(readings, key=lambda e: (-e[0], e[1])))
            self._nearest[token] = cached
        return [entry for entry in cached[1] if entry[0] >= min_reading]

    def _misread(self, token, counterparts):
        """A vocabulary word (not a counterpart) that ``token`` reads as nearly as well as its counterpart."""
        floor = max(self._reading(token, other) for other in counterparts) - _READING_MARGIN
        for _reading, word in self._nearest_words(token, floor):
            if word not in counterparts:
                return word
        return None

    def veto(self, i, j):
        """None, or (code, explanation) when source i and target j are different hosts."""
        if self.numbers and self.src_numbers[i] != self.tgt_numbers[j]:
            return ("numbers_differ", "carries different numbers (%s vs %s)"
                    % (" ".join(self.tgt_numbers[j]) or "none", " ".join(self.src_numbers[i]) or "none"))
        if not self.tokens:
            return None
        only_source = self.src_tokens[i] - self.tgt_tokens[j]
        only_target = self.tgt_tokens[j] - self.src_tokens[i]
        if not only_source or not only_target:
            return None  # an extra token (a suffix such as -dr) or a reordering: no word was replaced
        # numbers are the number guard's business (it may be off)
        known_source = sorted(t for t in only_source if t in self.vocabulary and not t.isdigit())
        known_target = sorted(t for t in only_target if t in self.vocabulary and not t.isdigit())
        if known_source and known_target:
            return ("tokens_differ", "differs in name parts used elsewhere in the estate ('%s' vs '%s')"
                    % (" ".join(known_target), " ".join(known_source)))
        for token, counterparts in ([(t, only_source) for t in sorted(only_target - self.vocabulary)]
                                    + [(t, only_target) for t in sorted(only_source - self.vocabulary)]):
            if token.isdigit():
                continue
            word = self._misread(token, counterparts)
            if word is not None:
                return ("misread", "has '%s', which reads as '%s' (a word of the estate) as much as '%s'"
                        % (token, word, "/".join(sorted(counterparts))))
        return None


def _fuzzy_phase(sources, targets, result, scorer, threshold, margin, guard):
    src_keys = [fuzzy_key(s.norm) for s in sources]
    tgt_keys = [fuzzy_key(t.norm) for t in targets]
    # Scores below threshold - margin never change a decision: a best >= threshold beats them by more than margin.
    cutoff = max(0.0, threshold - margin - 0.01)
    scores = {}
    for name in scorer:
        for i, j, score in score_hits(src_keys, tgt_keys, _scorer_function(name), cutoff):
            if score > scores.get((i, j), 0.0):
                scores[(i, j)] = score

    # A vetoed candidate never pairs. Different numbers, or different words used on both sides, are certainly
    # another host: such a candidate does not compete either and only explains a miss. A misread is a judgement:
    # that candidate still competes, so a near tie with it refuses the pair instead of handing it to another.
    rows = [[] for _unused in sources]
    cols = [[] for _unused in targets]
    vetoed_rows = {}
    vetoed_cols = {}
    for (i, j), score in scores.items():
        veto = guard.veto(i, j)
        if veto is not None:
            if score > vetoed_rows.get(i, (-1.0,))[0] or (score == vetoed_rows[i][0] and j < vetoed_rows[i][1]):
                vetoed_rows[i] = (score, j, veto)
            if score > vetoed_cols.get(j, (-1.0,))[0] or (score == vetoed_cols[j][0] and i < vetoed_cols[j][1]):
                vetoed_cols[j] = (score, i, veto)
            if veto[0] not in _COMPETING_VETOES:
                continue
        rows[i].append((score, j, veto))
        cols[j].append((score, i, veto))
    for entries in rows + cols:
        _top(entries)

    paired_targets = set()
    involved_targets = {}
    for i, source in enumerate(sources):
        row = rows[i]
        pairable = [entry for entry in row if entry[2] is None]
        if not pairable:
            vetoed = vetoed_rows.get(i)
            if vetoed is not None and vetoed[0] >= threshold:
                score, j, (code, why) = vetoed
                target = targets[j]
                result.unmatched_source(
                    source, code,
                    "The closest target %s (%s, score %.2f) %s; it is treated as another host and never "
                    "fuzzy-matched." % (target.key, _quoted(target.name), score, why),
                    "If %s is the right instance, rename it to Name=%s or add an override pair %s."
                    % (target.key, source.norm, _override_hint(source.key, target.key)),
                    _candidate(target, score))
            else:
                _unmatched_source_no_target(result, source, "no_candidate", True)
            continue
        best, j, _veto = pairable[0]
        target = targets[j]
        if best < threshold:
            result.unmatched_source(
                source, "below_threshold",
                "The closest target %s (%s) scores %.2f, below the threshold %.2f."
                % (target.key, _quoted(target.name), best, threshold),
                "If %s is the right instance, rename it to Name=%s or add an override pair %s."
                % (target.key, source.norm, _override_hint(source.key, target.key)),
                _candidate(target, best))
            continue
        if row[0][1] != j or not _clear_winner(row, margin):
            close = [(score, jj, veto) for score, jj, veto in row if score >= best - margin]
            for _score_unused, jj, _veto in close:
                involved_targets.setdefault(jj, []).append(source.key)
            result.ambiguous_source(
                source, [_candidate(targets[jj], score, veto) for score, jj, veto in close], "fuzzy_near_tie",
                "Source %s (%s) is about as close to %d targets (%s: scores within %.2f points); nothing was paired."
                % (source.key, _quoted(source.name), len(close), ", ".join(targets[jj].key for _s, jj, _v in close),
                   margin),
                "Rename the right target to Name=%s, or add an override pair %s."
                % (source.norm, _override_hint(source.key, target.key)))
            continue
        col = cols[j]
        if col[0][1] != i or not _clear_winner(col, margin):
            top_score = col[0][0]
            competing = [(score, ii, veto) for score, ii, veto in col if score >= top_score - margin or ii == i]
            involved_targets.setdefault(j, []).append(source.key)
            result.ambiguous_source(
                source, [_candidate(target, best)], "fuzzy_contested_target",
                "Target %s (%s) is as close or closer to other source servers (%s); nothing was paired."
                % (target.key, _quoted(target.name),
                   ", ".join(sources[ii].key for _s, ii, _v in competing if ii != i)),
                "Rename so the names are unique, or add an override pair %s." % _override_hint(source.key, target.key),
                [_source_candidate(sources[ii], score, veto) for score, ii, veto in competing])
            continue
        result.pair(source, target, "fuzzy", best)
        paired_targets.add(j)

    for j, target in enumerate(targets):
        if j in paired_targets:
            continue
        if j in involved_targets:
            keys = sorted(set(involved_targets[j]))
            result.unmatched_target(
                target, "ambiguous",
                "Target %s (%s) is a near-tie candidate of source server%s %s; nothing was paired."
                % (target.key, _quoted(target.name), "s" if len(keys) > 1 else "", ", ".join(keys)),
                "Rename so the names are unique, or add an override pair %s." % _override_hint(keys[0], target.key))
        elif [entry for entry in cols[j] if entry[2] is None]:
            score, i, _veto = [entry for entry in cols[j] if entry[2] is None][0]
            source = sources[i]
            result.unmatched_target(
                target, "below_threshold",
                "The closest source server %s (%s) scores %.2f and was not paired with it." % (
                    source.key, _quoted(source.name), score),
                "Tag target %s with Name=%s, or add an override pair %s."
                % (target.key, source.norm, _override_hint(source.key, target.key)),
                _source_candidate(source, score))
        elif j in vetoed_cols and vetoed_cols[j][0] >= threshold:
            score, i, (code, why) = vetoed_cols[j]
            source = sources[i]
            result.unmatched_target(
                target, code,
                "The closest source server %s (%s, score %.2f) %s; it is treated as another host."
                % (source.key, _quoted(source.name), score, why.replace("(", "(target/source: ", 1)),
                "Tag target %s with Name=%s if it belongs to that server, or add an override pair %s."
                % (target.key, source.norm, _override_hint(source.key, target.key)),
                _source_candidate(source, score))
        else:
            _unmatched_target_no_source(result, target, "no_candidate")


def match_servers(sources, targets, *, overrides=(), fuzzy=False, threshold=DEFAULT_THRESHOLD, margin=DEFAULT_MARGIN,
                  strip_prefixes=(), strip_suffixes=(), strip_patterns=(), scorer=DEFAULT_SCORER,
                  require_equal_numbers=True, require_compatible_tokens=True, allow_unknown_override_targets=False):
    """Pair source servers with target instances 1:1. See the module docstring for the rules.

    ``sources`` / ``targets``: lists of dicts with ``id`` and ``name`` (``name`` may be None or empty); other keys
    are carried through in the ``source`` / ``target`` sub-dicts of the result entries.
    ``overrides``: ``[{source_id, target_id}]`` (or ``source_server_id`` / ``target_instance_id``), applied first
    (method ``override``, score None) once validated. ``allow_unknown_override_targets`` accepts an override whose
    target is not in ``targets`` (the caller validates that instance itself).
    ``fuzzy``: also pair leftovers by similarity (needs rapidfuzz) with ``threshold`` (0-100], ``margin`` and
    ``scorer``: one of :data:`SCORERS`, or several joined by ``+`` (the best of them scores; the default is
    ``ratio+token_sort_ratio``). ``require_equal_numbers`` keeps hosts whose names carry different numbers apart;
    ``require_compatible_tokens`` keeps apart names that differ in words of the estate (see ``_Guard``).
    Returns ``pairs``, ``unmatched_sources``, ``unmatched_targets``, ``ambiguous``, ``duplicates``, ``errors`` and
    ``summary``; entries carry ``reason`` (a sentence), ``reason_code`` and ``remediation``. The result does not
    depend on the order of the inputs. Raises ValueError for malformed input and MatchingDependencyError when
    ``fuzzy`` is requested without rapidfuzz.
    """
    try:
        threshold = float(threshold)
        margin = float(margin)
    except (TypeError, ValueError):
        raise ValueError("threshold and margin must be numbers, got %r and %r" % (threshold, margin))
    if not 0.0 < threshold <= 100.0:
        raise ValueError("threshold must be in (0, 100], got %r" % threshold)
    if not 0.0 <= margin <= 100.0:
        raise ValueError("margin must be in [0, 100], got %r" % margin)
    scorers = _scorer_names(scorer)
    if fuzzy:
        for name in scorers:
            _scorer_function(name)

    normalize = _Normalizer(strip_prefixes, strip_suffixes, strip_patterns)
    all_sources = _records("source", sources, normalize)
    all_targets = _records("target", targets, normalize)
    result = _Result()

    src_pool = _split_duplicate_ids(all_sources, "source", result)
    tgt_pool = _split_duplicate_ids(all_targets, "target", result)

    used_s, used_t, held_s, held_t = _apply_overrides(overrides, src_pool, tgt_pool, result,
                                                      allow_unknown_override_targets)
    named_sources, named_targets = [], []
    for source in src_pool:
        if source.key in used_s:
            continue
        if source.key in held_s:
            result.unmatched_source(source, "override_rejected",
                                    "An override for source %s was rejected (see errors); it is not matched by name "
                                    "while that override is pending." % source.key,
                                    "Fix or remove the rejected override for source %s listed in errors." % source.key)
        elif not source.norm:
            result.unmatched_source(source, "no_name", "Source server %s has no Name to match on." % source.key,
                                    "Tag source server %s with Name=<hostname>, or add an override pair %s."
                                    % (source.key, _override_hint(source.key)))
        else:
            named_sources.append(source)
    for target in tgt_pool:
        if target.key in used_t:
            continue
        if target.key in held_t:
            result.unmatched_target(target, "override_rejected",
                                    "An override for target %s was rejected (see errors); it is not matched by name "
                                    "while that override is pending." % target.key,
                                    "Fix or remove the rejected override for target %s listed in errors." % target.key)
        elif not target.norm:
            result.unmatched_target(target, "no_name", "Target %s has no Name to match on." % target.key,
                                    "Tag target %s with Name=<source hostname>, or add an override pair %s."
                                    % (target.key, _override_hint("s-...", target.key)))
        else:
            named_targets.append(target)

    # A target set aside by a rejected override still has its name: a source with that name must not be paired
    # with a same-named twin that now looks unique (that would be a guess between two targets).
    held_names = {}
    for target in tgt_pool:
        if target.key in held_t and target.norm:
            held_names.setdefault(target.norm, []).append(target)
    if held_names:
        still_named = []
        for source in named_sources:
            held = held_names.get(source.norm)
            if not held:
                still_named.append(source)
                continue
            twins = [t for t in named_targets if t.norm == source.norm]
            result.ambiguous_source(
                source, [{"target_id": t.id, "target_name": t.name, "score": 100.0} for t in held + twins], "override_rejected",
                "Target %s, named like source %s, is in a rejected override; pairing by name could pick the wrong instance."
                % (", ".join(t.key for t in held), source.key),
                "Fix or remove the rejected override listed in errors, then run again.")
        named_sources = still_named  # their twins stay in the pool and end up unmatched: nobody else has that name

    left_sources, left_targets = _exact_phase(named_sources, named_targets, result)
    if fuzzy:
        vocabulary = _token_vocabulary([r.norm for r in named_sources], [r.norm for r in named_targets])
        guard = _Guard(left_sources, left_targets, vocabulary, require_equal_numbers, require_compatible_tokens)
        _fuzzy_phase(left_sources, left_targets, result, scorers, threshold, margin, guard)
    else:
        for source in left_sources:
            _unmatched_source_no_target(result, source, "no_exact_match", False)
        for target in left_targets:
            _unmatched_target_no_source(result, target, "no_exact_match")
    return result.as_dict(len(all_sources), len(all_targets))
