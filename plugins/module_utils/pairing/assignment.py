# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The pairing engine: overrides, then stored pairs (claims), then exact keys, then fuzzy proposals.

Every non-foreign source ends in exactly one of ``pairs``, ``proposals``, ``blocked``, ``unmatched_sources`` or
``ambiguous``; every target in at most one of ``pairs``, ``proposals``, ``blocked`` or ``reserved``, otherwise in
``unmatched_targets``. No target of a pair or proposal is another source's stored pair, override or unique exact
target. The result does not depend on the order of the inputs.

Evidence policy: an exact or stored pair whose evidence has a contradiction (the target's private IP is another
source server's IP; platform, architecture or boot mode known on both sides and different) goes to ``blocked``
(``evidence_contradicts``, or ``names_swapped`` when two exact targets carry each other's IPs). An override is blocked
by a platform, architecture or boot-mode contradiction only; an IP contradiction on an override is a warning. A fuzzy
candidate is only a proposal; it is acceptable only when its IP matches and nothing contradicts it, and it becomes a
pair (method ``fuzzy``) only when it is also listed in ``accepted``.
"""

from __future__ import annotations

import gc

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.pairing import evidence as ev
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.pairing import messages as msg
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.pairing.guards import veto as guard_veto
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.pairing.normalize import Normalizer
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.pairing.normalize import fuzzy_key, tokens
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.pairing.scoring import (
    DEFAULT_SCORER,
    HAS_RAPIDFUZZ,
    best_scores,
    scorer_function,
    scorer_names,
)
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.pairing.shapes import (
    Hit,
    NameKey,
    Nearest,
    PairArg,
    ExactCandidate,
    Source,
    Taken,
    Target,
    TargetNote,
)

DEFAULT_THRESHOLD = 88.0
DEFAULT_MARGIN = 5.0
PAIR_KEYS = ("source_server_id", "target_instance_id")


# ---------------------------------------------------------------------------------------------------------------
# Input
# ---------------------------------------------------------------------------------------------------------------


def _is_mapping(item):
    return hasattr(item, "get") and hasattr(item, "keys")


def _check_id(label, position, item):
    if not _is_mapping(item):
        raise ValueError("%s[%d] must be a dict with an 'id', got %r" % (label, position, item))
    if item.get("id") in (None, "") or str(item.get("id")) == "":
        raise ValueError("%s[%d] has no 'id': %r" % (label, position, dict(item)))


def read_sources(items, normalizer):
    records = []
    for position, item in enumerate(items or ()):
        _check_id("sources", position, item)
        names = item.get("names")
        if names is None:
            names = {"name": item.get("name")}
        if not _is_mapping(names):
            raise ValueError("sources[%d]: 'names' must be a dict label -> name, got %r" % (position, names))
        keys = []
        for label, value in names.items():
            if value is None or not str(value).strip():
                continue
            key = normalizer.exact_key(value)
            if key:
                keys.append(NameKey(str(label), str(value), key))
        distinct = sorted(set(k.key for k in keys))
        key = distinct[0] if len(distinct) == 1 else ""
        records.append(
            Source(
                id=item["id"],
                sid=str(item["id"]),
                name=keys[0].value if keys else None,
                names=dict(names),
                keys=tuple(keys),
                key=key,
                disagree=len(distinct) > 1,
                foreign=bool(item.get("foreign")),
                wave=item.get("wave"),
                tokens=tokens(key),
                raw=item,
            )
        )
    records.sort(key=lambda r: (r.sid, r.key, str(r.name)))
    return records


def read_targets(items, normalizer):
    records = []
    for position, item in enumerate(items or ()):
        _check_id("targets", position, item)
        key = normalizer.exact_key(item.get("name"))
        records.append(
            Target(id=item["id"], tid=str(item["id"]), name=item.get("name"), key=key, tokens=tokens(key), raw=item)
        )
    records.sort(key=lambda r: (r.tid, r.key, str(r.name)))
    return records


def read_pairs(label, items):
    """overrides / claims / accepted: [{source_server_id, target_instance_id}] -> sorted unique PairArg."""
    found = set()
    form = msg.override()
    for position, item in enumerate(items or ()):
        if not _is_mapping(item):
            raise ValueError("%s[%d] must be a mapping written %s, got %r" % (label, position, form, item))
        for key in sorted(str(k) for k in item.keys()):
            if key not in PAIR_KEYS:
                raise ValueError(
                    "%s[%d] has the key '%s'; the accepted keys are source_server_id and "
                    "target_instance_id, written %s." % (label, position, key, form)
                )
        for key in PAIR_KEYS:
            if item.get(key) in (None, "") or not str(item.get(key)).strip():
                raise ValueError("%s[%d] misses '%s'; write each entry as %s." % (label, position, key, form))
        found.add(PairArg(str(item["source_server_id"]).strip(), str(item["target_instance_id"]).strip()))
    return sorted(found)


# ---------------------------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------------------------


class _Run(object):
    """State of one match_servers call: the records, what is taken, and the result lists."""

    def __init__(self, sources, targets):
        self.pairs, self.proposals, self.blocked = [], [], []
        self.unmatched_sources, self.unmatched_targets, self.ambiguous = [], [], []
        self.duplicates, self.reserved, self.errors = [], [], []
        self.done_s = set()
        self.taken = {}  # target id -> (owner source id, how: override / stored / blocked / reserved)
        self.target_notes = {}  # target id -> (reason_code, reason, remediation, nearest) for unmatched targets
        self.sources, self.targets = self._unique(sources, "source"), self._unique(targets, "target")
        self.src = dict((s.sid, s) for s in self.sources)
        self.tgt = dict((t.tid, t) for t in self.targets)
        self.owners = ev.ip_owners(self.sources)
        self.src_groups, self.tgt_groups = {}, {}
        for record in self.sources:
            for key in sorted(set(k.key for k in record.keys)):
                self.src_groups.setdefault(key, []).append(record.sid)
        for record in self.targets:
            if record.key:
                self.tgt_groups.setdefault(record.key, []).append(record.tid)

    def _unique(self, records, side):
        by_id = {}
        for record in records:
            by_id.setdefault(record.sid if side == "source" else record.tid, []).append(record)
        unique = []
        label = "source server" if side == "source" else "target instance"
        for key in sorted(by_id):
            group = by_id[key]
            if len(group) == 1:
                unique.append(group[0])
                continue
            reason = "The %s id %s appears %d times in the input (names %s); none of them is paired." % (
                label,
                key,
                len(group),
                ", ".join(msg.quoted(r.name) for r in group),
            )
            remediation = "Pass each %s once: deduplicate id %s in the inventory given to the matcher." % (label, key)
            self.errors.append(
                {
                    "source_server_id": key if side == "source" else None,
                    "target_instance_id": key if side == "target" else None,
                    "code": "duplicate_id",
                    "message": reason,
                    "remediation": remediation,
                }
            )
            if side == "source":
                if not any(r.foreign for r in group):
                    self.unmatched_source(group[0], "duplicate_id", reason, remediation)
            else:
                self.target_notes[key] = TargetNote("duplicate_id", reason, remediation, None)
                self.unmatched_targets.append(self._target_entry(group[0], "duplicate_id", reason, remediation, None))
        return unique

    # -- exact-key facts over the whole estate ------------------------------------------------------------------

    def exact_target(self, record):
        """The unique exact-key target id of a source (one source and one target carry that key), or None."""
        if not record.key or record.disagree or self.src_groups.get(record.key) != [record.sid]:
            return None
        group = self.tgt_groups.get(record.key, ())
        return group[0] if len(group) == 1 else None

    # -- result entries ------------------------------------------------------------------------------------------

    def name_part(self, record, tgt, method, score):
        result = "exact" if record.key and record.key == tgt.key else "differs"
        if method == "fuzzy":
            result = "fuzzy"
        return {
            "method": method,
            "score": score,
            "source_key": record.key or None,
            "target_key": tgt.key or None,
            "result": result,
        }

    def pair(self, record, tgt, method, score, evidence, warnings):
        self.pairs.append(
            {
                "source_server_id": record.id,
                "source_name": record.name,
                "target_instance_id": tgt.id,
                "target_name": tgt.name,
                "method": method,
                "score": score,
                "names": record.names,
                "evidence": evidence,
                "warnings": warnings,
            }
        )
        self.done_s.add(record.sid)
        self.taken[tgt.tid] = Taken(record.sid, method)

    def block(self, record, tgt, method, evidence, code, reason, remediation):
        self.blocked.append(
            {
                "source_server_id": record.id,
                "source_name": record.name,
                "target_instance_id": tgt.id,
                "target_name": tgt.name,
                "method": method,
                "evidence": evidence,
                "reason_code": code,
                "reason": reason,
                "remediation": remediation,
            }
        )
        self.done_s.add(record.sid)
        self.taken[tgt.tid] = Taken(record.sid, "blocked")

    def reserve(self, record, tgt, method):
        self.reserved.append(
            {
                "target_instance_id": tgt.id,
                "target_name": tgt.name,
                "owner_source_server_id": record.id,
                "owner_name": record.name,
                "method": method,
            }
        )
        self.done_s.add(record.sid)
        self.taken[tgt.tid] = Taken(record.sid, "reserved")

    def unmatched_source(self, record, code, reason, remediation, nearest=None):
        self.done_s.add(record.sid)
        if record.foreign:
            return
        self.unmatched_sources.append(
            {
                "source_server_id": record.id,
                "source_name": record.name,
                "names": record.names,
                "reason_code": code,
                "reason": reason,
                "remediation": remediation,
                "nearest": nearest,
            }
        )

    def ambiguous_source(self, record, code, reason, remediation, candidates):
        self.done_s.add(record.sid)
        if record.foreign:
            return
        self.ambiguous.append(
            {
                "source_server_id": record.id,
                "source_name": record.name,
                "reason_code": code,
                "reason": reason,
                "remediation": remediation,
                "candidates": candidates,
            }
        )

    def error(self, sid, tid, code, message, remediation):
        self.errors.append(
            {
                "source_server_id": sid,
                "target_instance_id": tid,
                "code": code,
                "message": message,
                "remediation": remediation,
            }
        )

    @staticmethod
    def _target_entry(tgt, code, reason, remediation, nearest):
        return {
            "target_instance_id": tgt.id,
            "target_name": tgt.name,
            "reason_code": code,
            "reason": reason,
            "remediation": remediation,
            "nearest": nearest,
        }

    def note_target(self, tid, code, reason, remediation, nearest=None):
        if tid not in self.target_notes:
            self.target_notes[tid] = TargetNote(code, reason, remediation, nearest)

    def evidence(self, record, tgt, method, score):
        return ev.evaluate(record, tgt, self.name_part(record, tgt, method, score), self.owners)


def _candidate(tgt, score):
    return {"target_instance_id": tgt.id, "target_name": tgt.name, "score": score}


def _nearest_target(tgt, score):
    return None if tgt is None else {"target_instance_id": tgt.id, "target_name": tgt.name, "score": score}


def _nearest_source(record, score):
    return None if record is None else {"source_server_id": record.id, "source_name": record.name, "score": score}


# ---------------------------------------------------------------------------------------------------------------
# Phase 1: overrides
# ---------------------------------------------------------------------------------------------------------------


def _overrides(run, overrides, claims):
    per_source, per_target = {}, {}
    for item in overrides:
        per_source.setdefault(item.sid, []).append(item.tid)
        per_target.setdefault(item.tid, []).append(item.sid)
    claimants = {}
    for item in claims:
        claimants.setdefault(item.tid, set()).add(item.sid)
    claim_sources = set(item.sid for item in claims)
    override_sources = set(per_source)
    withheld_s, withheld_t = set(), set()
    for item in overrides:
        sid, tid = item.sid, item.tid
        form = msg.override(sid, tid)
        problems = []
        record, tgt = run.src.get(sid), run.tgt.get(tid)
        if record is None:
            problems.append(
                (
                    "unknown_source",
                    "Override %s: source server %s is not among the %d source servers; it "
                    "was not applied." % (form, sid, len(run.sources)),
                    "Check the DRS source server id (drs describe-source-servers) in this account and Region, "
                    "or remove the override.",
                )
            )
        elif record.foreign:
            problems.append(
                (
                    "foreign_source",
                    "Override %s: source server %s belongs to another Region or account of "
                    "the estate; it was not applied." % (form, sid),
                    "Give the override in the run of that Region or account, or remove it.",
                )
            )
        if tgt is None:
            problems.append(
                (
                    "unknown_target",
                    "Override %s: target %s is not among the %d candidate target instances; "
                    "it was not applied." % (form, tid, len(run.targets)),
                    "Check the EC2 instance id and its AWSDRS=AllowLaunchingIntoThisInstance tag, or remove "
                    "the override.",
                )
            )
        if len(per_source[sid]) > 1:
            others = sorted(per_source[sid])
            problems.append(
                (
                    "source_used_twice",
                    "Source server %s appears in %d overrides (targets %s); none of them "
                    "was applied." % (sid, len(others), ", ".join(others)),
                    "Keep exactly one override for source server %s, e.g. %s." % (sid, msg.override(sid, others[0])),
                )
            )
        if len(per_target[tid]) > 1:
            others = sorted(per_target[tid])
            problems.append(
                (
                    "target_used_twice",
                    "Target %s appears in %d overrides (sources %s); none of them was "
                    "applied." % (tid, len(others), ", ".join(others)),
                    "A target receives one source server only: keep one of %s."
                    % ", ".join(msg.override(s, tid) for s in others),
                )
            )
        other_claims = sorted(c for c in claimants.get(tid, ()) if c != sid and c not in override_sources)
        for other in other_claims:
            problems.append(
                (
                    "target_claimed",
                    "Override %s: target %s is stored as the launch-into target of source "
                    "server %s; it was not applied." % (form, tid, other),
                    "Override %s too (e.g. %s) or clear its stored pair, then run again."
                    % (other, msg.override(other)),
                )
            )
        if tgt is not None:
            owner = _exact_owner(run, tgt)
            if owner is not None and owner != sid and owner not in override_sources and owner not in claim_sources:
                problems.append(
                    (
                        "displaces_exact",
                        "Override %s: target %s (%s) is the exact-name target of source "
                        "server %s (%s); it was not applied."
                        % (form, tid, msg.quoted(tgt.name), owner, msg.quoted(run.src[owner].name)),
                        "Also give %s an override (e.g. %s), or remove this override." % (owner, msg.override(owner)),
                    )
                )
        if problems:
            for code, message, remediation in problems:
                run.error(sid, tid, code, message, remediation)
            if record is not None:
                withheld_s.add(sid)
            if tgt is not None:
                withheld_t.add(tid)
            continue
        evidence = run.evidence(record, tgt, "override", None)
        stops = ev.blocking(evidence, "override")
        if stops:
            run.block(
                record,
                tgt,
                "override",
                evidence,
                "evidence_contradicts",
                "The override %s is contradicted by the evidence: %s." % (form, ev.describe(evidence, stops)),
                "Check that %s is the right instance for %s; if it is, fix the recorded fact, otherwise correct the "
                "override." % (tid, sid),
            )
            continue
        warnings = []
        if "ip_other_source" in evidence["contradictions"]:
            warnings.append("The override is applied although %s." % ev.describe(evidence, ["ip_other_source"]))
        run.pair(record, tgt, "override", None, evidence, warnings)
    withheld_s -= run.done_s
    withheld_t -= set(run.taken)
    for sid in sorted(withheld_s):
        run.unmatched_source(
            run.src[sid],
            "override_rejected",
            "An override for source server %s was rejected (see errors); it is not matched by name "
            "while that override is pending." % sid,
            "Fix or remove the rejected override for source server %s listed in errors." % sid,
        )
    for tid in sorted(withheld_t):
        run.taken[tid] = Taken(None, "withheld")
        run.note_target(
            tid,
            "override_rejected",
            "An override for target %s was rejected (see errors); it is not matched by name while that "
            "override is pending." % tid,
            "Fix or remove the rejected override for target %s listed in errors." % tid,
        )


def _exact_owner(run, tgt):
    """The source whose unique exact-key target ``tgt`` is, or None."""
    if not tgt.key or len(run.tgt_groups.get(tgt.key, ())) != 1:
        return None
    group = run.src_groups.get(tgt.key, ())
    if len(group) != 1 or run.src[group[0]].disagree:
        return None
    return group[0]


# ---------------------------------------------------------------------------------------------------------------
# Phase 2: stored pairs (claims)
# ---------------------------------------------------------------------------------------------------------------


def _claims(run, claims):
    # Every stored pair counts for conflicts, also one superseded by an override and one of a source server that is
    # not in the input: until it is cleared in DRS it holds its target, and nobody else gets that target by name.
    by_source, by_target = {}, {}
    for item in claims:
        if item.sid in run.src and item.sid not in run.done_s:
            by_source.setdefault(item.sid, []).append(item.tid)
        by_target.setdefault(item.tid, []).append(item.sid)
    run.claimed = set(c.tid for c in claims)
    for tid in sorted(by_target):
        if len(by_target[tid]) > 1:
            sids = sorted(by_target[tid])
            for sid in sids:
                if sid not in run.src or sid in run.done_s:
                    continue
                others = ", ".join(s for s in sids if s != sid)
                run.unmatched_source(
                    run.src[sid],
                    "claim_conflict",
                    "Target %s is stored as the launch-into target of %s and also of %s; none of them is paired."
                    % (tid, sid, others),
                    "Clear the stored pair of all but one of %s, or give each an override, e.g. %s."
                    % (", ".join(sids), msg.override(sid, tid)),
                )
            run.note_target(
                tid,
                "claim_conflict",
                "Target %s is stored as the launch-into target of several source servers (%s)."
                % (tid, ", ".join(sids)),
                "Keep one stored pair for %s, or give each source an override, e.g. %s."
                % (tid, msg.override(sids[0], tid)),
            )
    for sid in sorted(by_source):
        record = run.src[sid]
        if sid in run.done_s:
            continue
        if len(by_source[sid]) > 1:
            run.unmatched_source(
                record,
                "claim_conflict",
                "Source server %s has several stored launch-into targets (%s); it is not paired."
                % (sid, ", ".join(sorted(by_source[sid]))),
                "Keep one stored pair, or add an override %s." % msg.override(sid, sorted(by_source[sid])[0]),
            )
            continue
        tid = by_source[sid][0]
        tgt = run.tgt.get(tid)
        if tgt is None:
            run.unmatched_source(
                record,
                "stored_target_missing",
                "The stored launch-into target %s of %s is not among the %d candidate target instances."
                % (tid, msg.source(record), len(run.targets)),
                "Check that %s still exists and is tagged AWSDRS=AllowLaunchingIntoThisInstance, or "
                "add an override %s to launch into another instance." % (tid, msg.override(sid)),
            )
            continue
        if tid in run.taken:
            run.unmatched_source(
                record,
                "target_taken",
                "The stored launch-into target %s of %s is named in a rejected override." % (tid, msg.source(record)),
                "Fix or remove the rejected override listed in errors, or add an override %s." % msg.override(sid, tid),
            )
            continue
        if record.foreign:
            run.reserve(record, tgt, "stored")
            continue
        evidence = run.evidence(record, tgt, "stored", None)
        if evidence["contradictions"]:
            run.block(
                record,
                tgt,
                "stored",
                evidence,
                "evidence_contradicts",
                "The stored pair of %s with %s is contradicted by the evidence: %s."
                % (msg.source(record), msg.target(tgt), ev.describe(evidence)),
                msg.facts_remediation(sid, tid, evidence)
                or "Check the stored launch-into configuration of %s; if %s is the right instance add the override "
                "%s, otherwise clear the stored pair." % (sid, tid, msg.override(sid, tid)),
            )
            continue
        warnings = []
        if evidence["name"]["result"] == "differs":
            warnings.append(
                "The stored target %s is named %s, which does not match the source's name %s."
                % (tid, msg.quoted(tgt.name), msg.quoted(record.name))
            )
        run.pair(record, tgt, "stored", None, evidence, warnings)


# ---------------------------------------------------------------------------------------------------------------
# Phase 3: exact keys
# ---------------------------------------------------------------------------------------------------------------


def _taken_by(run, tid):
    owner, how = run.taken[tid]
    if how == "withheld":
        return "it is named in a rejected override (see errors)"
    if how == "reserved":
        return "it is reserved by source server %s of another Region or account" % owner
    if how == "blocked":
        return "it is held by the blocked pair of source server %s" % owner
    return "it is the %s target of source server %s" % (
        "override" if how == "override" else "stored launch-into",
        owner,
    )


def _exact(run):
    for side, groups in (("source", run.src_groups), ("target", run.tgt_groups)):
        for key in sorted(groups):
            if len(groups[key]) > 1:
                run.duplicates.append({"side": side, "key": key, "ids": list(groups[key])})
    leftovers, candidates = [], []
    for record in run.sources:
        if record.sid in run.done_s:
            continue
        if record.disagree:
            matches = [run.tgt[t] for k in record.keys for t in run.tgt_groups.get(k.key, ())]
            reason, remediation = msg.names_disagree(record, matches)
            run.unmatched_source(
                record, "names_disagree", reason, remediation, _nearest_target(matches[0], 100.0) if matches else None
            )
            continue
        if not record.key:
            reason, remediation = msg.no_name_source(record)
            run.unmatched_source(record, "no_name", reason, remediation)
            continue
        group = run.src_groups[record.key]
        twins = [run.tgt[t] for t in run.tgt_groups.get(record.key, ())]
        if len(group) > 1:
            others = [s for s in group if s != record.sid]
            run.ambiguous_source(
                record,
                "duplicate_source",
                "Source server %s shares the key '%s' with source server%s %s; nothing was paired by name."
                % (record.sid, record.key, "s" if len(others) > 1 else "", ", ".join(others)),
                "Rename one of the source servers %s so the names are unique, or add an override %s."
                % (", ".join(group), msg.override(record.sid, twins[0].tid if twins else "i-...")),
                [_candidate(t, 100.0) for t in twins],
            )
            continue
        if len(twins) > 1:
            run.ambiguous_source(
                record,
                "duplicate_target",
                "%s matches %d targets with the key '%s' (%s); nothing was paired."
                % (msg.source(record).capitalize(), len(twins), record.key, msg.ids(twins)),
                "Rename all but one of the targets %s (e.g. Name=%s-old on the wrong one), or add an override %s."
                % (msg.ids(twins), record.key, msg.override(record.sid, twins[0].tid)),
                [_candidate(t, 100.0) for t in twins],
            )
            continue
        if not twins:
            leftovers.append(record)
            continue
        tgt = twins[0]
        if tgt.tid in run.taken or tgt.tid in run.claimed:
            how = (
                _taken_by(run, tgt.tid)
                if tgt.tid in run.taken
                else (
                    "it is stored as the launch-into target of another source server (%s)"
                    % ", ".join(sorted(c for c in run.claim_owner.get(tgt.tid, ())))
                )
            )
            run.unmatched_source(
                record,
                "target_taken",
                "The exact-name target %s of %s is not available: %s." % (tgt.tid, msg.source(record), how),
                "Resolve the other pair first, or add an override %s for the right instance."
                % msg.override(record.sid),
                _nearest_target(tgt, 100.0),
            )
            continue
        if record.foreign:
            run.reserve(record, tgt, "exact")
            continue
        candidates.append(ExactCandidate(record, tgt, run.evidence(record, tgt, "exact", 100.0)))
    _settle_exact(run, candidates)
    return leftovers


def _settle_exact(run, candidates):
    by_source = dict((candidate.record.sid, candidate) for candidate in candidates)
    for record, tgt, evidence in candidates:
        if not evidence["contradictions"]:
            run.pair(record, tgt, "exact", 100.0, evidence, [])
            continue
        owner = evidence["ip"]["owner"] if evidence["ip"]["result"] == "other_source" else None
        other = by_source.get(owner)
        if (
            other is not None
            and other.evidence["ip"]["result"] == "other_source"
            and (other.evidence["ip"]["owner"] == record.sid)
        ):
            other_record, other_tgt = other.record, other.target
            run.block(
                record,
                tgt,
                "exact",
                evidence,
                "names_swapped",
                "The Name tags of %s and %s look swapped: %s carries the IP of source server %s and %s carries "
                "the IP of source server %s."
                % (tgt.tid, other_tgt.tid, tgt.tid, other_record.sid, other_tgt.tid, record.sid),
                "Swap the Name tags (Name=%s on %s and Name=%s on %s), or add the two overrides %s and %s."
                % (
                    other_record.name,
                    tgt.tid,
                    record.name,
                    other_tgt.tid,
                    msg.override(record.sid, other_tgt.tid),
                    msg.override(other_record.sid, tgt.tid),
                ),
            )
            continue
        run.block(
            record,
            tgt,
            "exact",
            evidence,
            "evidence_contradicts",
            "The exact-name pair of %s with %s is contradicted by the evidence: %s."
            % (msg.source(record), msg.target(tgt), ev.describe(evidence)),
            msg.facts_remediation(record.sid, tgt.tid, evidence)
            or "Check which instance belongs to %s; if %s is right add the override %s, otherwise rename %s."
            % (record.sid, tgt.tid, msg.override(record.sid, tgt.tid), tgt.tid),
        )


# ---------------------------------------------------------------------------------------------------------------
# Phase 4: fuzzy proposals
# ---------------------------------------------------------------------------------------------------------------


def _clear_winner(entries, margin):
    """True if the best entry beats the second best (0 when there is none) strictly and by >= margin."""
    best = entries[0].score
    second = entries[1].score if len(entries) > 1 else 0.0
    return best > second and round(best - second, 2) >= margin


def _better(current, score, index):
    return current is None or score > current.score or (score == current.score and index < current.index)


class _Fuzzy(object):
    """Scores, vetoes and the mutual-best decision over the leftovers of the exact phase."""

    def __init__(self, sources, targets, scorers, threshold, margin):
        self.sources, self.targets = sources, targets
        self.threshold, self.margin = threshold, margin
        # Scores below threshold - margin never change a decision: a best >= threshold beats them by more than margin.
        cutoff = max(0.0, threshold - margin - 0.01)
        scores = best_scores([fuzzy_key(s.key) for s in sources], [fuzzy_key(t.key) for t in targets], scorers, cutoff)
        self.rows = [[] for _unused in sources]
        self.cols = [[] for _unused in targets]
        self.vetoed_rows, self.vetoed_cols = {}, {}
        # Guards run on the candidates above the cutoff only, never on the full matrix.
        for (i, j), score in sorted(scores.items()):
            found = guard_veto(sources[i].tokens, targets[j].tokens)
            if found is not None:
                if _better(self.vetoed_rows.get(i), score, j):
                    self.vetoed_rows[i] = Nearest(score, j, found)
                if _better(self.vetoed_cols.get(j), score, i):
                    self.vetoed_cols[j] = Nearest(score, i, found)
                continue
            self.rows[i].append(Hit(score, j))
            self.cols[j].append(Hit(score, i))
        for entries in self.rows + self.cols:
            entries.sort(key=lambda h: (-h.score, h.index))

    def nearest_of_source(self, i):
        if self.rows[i]:
            return Nearest(self.rows[i][0].score, self.rows[i][0].index, None)
        return self.vetoed_rows.get(i)

    def nearest_of_target(self, j):
        if self.cols[j]:
            return Nearest(self.cols[j][0].score, self.cols[j][0].index, None)
        return self.vetoed_cols.get(j)


def _fuzzy(run, leftovers, fuzzy, scorers, threshold, margin, accepted):
    targets = [t for t in run.targets if _fuzzy_target(run, t)]
    if not (fuzzy or HAS_RAPIDFUZZ) or not leftovers:
        for record in leftovers:
            run.unmatched_source(
                record,
                "no_exact_match",
                "No target has the exact key '%s'." % record.key,
                msg.fix_by_rename_or_override(record, None),
            )
        return targets, None
    state = _Fuzzy(leftovers, targets, scorers, threshold, margin)
    involved = {}
    accepted = set(accepted)
    for i, record in enumerate(leftovers):
        row = state.rows[i]
        if not row:
            _no_candidate(run, record, state, i, fuzzy)
            continue
        best = row[0]
        tgt = targets[best.index]
        nearest = _nearest_target(tgt, best.score)
        if not fuzzy:
            run.unmatched_source(
                record,
                "no_exact_match",
                "No target has the exact key '%s'; the nearest is %s (score %.2f), which fuzzy "
                "matching would propose for review." % (record.key, msg.target(tgt), best.score),
                "Rename %s to Name=%s, run with fuzzy matching to review it as a proposal, or add the "
                "override %s." % (tgt.tid, record.name, msg.override(record.sid, tgt.tid)),
                nearest,
            )
            continue
        if best.score < threshold:
            run.unmatched_source(
                record,
                "below_threshold",
                "No target has the exact key '%s'; the nearest is %s, scoring %.2f, below the threshold "
                "%.2f." % (record.key, msg.target(tgt), best.score, threshold),
                msg.fix_by_rename_or_override(record, tgt),
                nearest,
            )
            continue
        if not _clear_winner(row, margin):
            close = [h for h in row if h.score >= best.score - margin]
            for hit in close:
                involved.setdefault(hit.index, set()).add(record.sid)
            run.ambiguous_source(
                record,
                "fuzzy_near_tie",
                "%s is about as close to %d targets (%s, scores within %.2f points); nothing was proposed."
                % (msg.source(record).capitalize(), len(close), ", ".join(targets[h.index].tid for h in close), margin),
                "Rename the right target to Name=%s, or add the override %s (nearest: %s)."
                % (record.name, msg.override(record.sid, tgt.tid), tgt.tid),
                [_candidate(targets[h.index], h.score) for h in close],
            )
            continue
        col = state.cols[best.index]
        if col[0].index != i or not _clear_winner(col, margin):
            rivals = [leftovers[h.index].sid for h in col if h.index != i and h.score >= col[0].score - margin]
            involved.setdefault(best.index, set()).add(record.sid)
            run.ambiguous_source(
                record,
                "fuzzy_contested_target",
                "%s is as close or closer to other source servers (%s); nothing was proposed."
                % (msg.target(tgt).capitalize(), ", ".join(rivals) or "a better match"),
                "Rename so the names are unique, or add the override %s." % msg.override(record.sid, tgt.tid),
                [_candidate(tgt, best.score)],
            )
            continue
        if record.foreign:
            run.reserve(record, tgt, "fuzzy")
            continue
        _propose(run, record, tgt, best.score, PairArg(record.sid, tgt.tid) in accepted)
    for j, tgt in enumerate(targets):
        if j in involved:
            sids = sorted(involved[j])
            run.note_target(
                tgt.tid,
                "fuzzy_ambiguous",
                "Target %s is a near-tie candidate of source server%s %s; nothing was proposed."
                % (tgt.tid, "s" if len(sids) > 1 else "", ", ".join(sids)),
                "Rename so the names are unique, or add the override %s." % msg.override(sids[0], tgt.tid),
            )
    return targets, state


def _fuzzy_target(run, tgt):
    """A target the fuzzy phase may propose: free, named, no twin, not named like any source, not stored."""
    return (
        tgt.key
        and tgt.tid not in run.taken
        and tgt.tid not in run.claimed
        and len(run.tgt_groups.get(tgt.key, ())) == 1
        and tgt.key not in run.src_groups
    )


def _no_candidate(run, record, state, i, fuzzy):
    vetoed = state.vetoed_rows.get(i)
    if vetoed is None:
        run.unmatched_source(
            record,
            "no_candidate" if fuzzy else "no_exact_match",
            "No target has the exact key '%s'%s."
            % (record.key, " and no fuzzy candidate scored near the threshold" if fuzzy else ""),
            msg.fix_by_rename_or_override(record, None),
        )
        return
    tgt = state.targets[vetoed.index]
    run.unmatched_source(
        record,
        vetoed.veto.code,
        "No target has the exact key '%s'. The nearest, %s (score %.2f), %s; it is never proposed."
        % (record.key, msg.target(tgt), vetoed.score, vetoed.veto.text),
        msg.fix_by_rename_or_override(record, tgt),
        _nearest_target(tgt, vetoed.score),
    )


def _propose(run, record, tgt, score, is_accepted):
    evidence = run.evidence(record, tgt, "fuzzy", score)
    form = msg.override(record.sid, tgt.tid)
    ok = ev.acceptable(evidence)
    if ok and is_accepted:
        run.pair(
            record,
            tgt,
            "fuzzy",
            score,
            evidence,
            [
                "Paired by an accepted fuzzy proposal (score %.2f): the names differ (%s vs %s)."
                % (score, msg.quoted(record.name), msg.quoted(tgt.name))
            ],
        )
        return
    if ok:
        reason = (
            "%s is a fuzzy proposal for %s (score %.2f); its private IP matches the source and nothing "
            "contradicts it." % (msg.target(tgt).capitalize(), msg.source(record), score)
        )
        remediation = (
            "Review it; if it is right, list %s as accepted in the approved-pairs file, or rename %s to "
            "Name=%s." % (form, tgt.tid, record.name)
        )
    else:
        if evidence["contradictions"]:
            why = "the evidence contradicts it: %s" % ev.describe(evidence)
        else:
            why = "nothing but the name supports it (the target's private IP is %s, the source's IPs are %s)" % (
                evidence["ip"]["target_ip"] or "unknown",
                ", ".join(evidence["ip"]["source_ips"]) or "unknown",
            )
        reason = "%s is a fuzzy proposal for %s (score %.2f), but it cannot be accepted: %s." % (
            msg.target(tgt).capitalize(),
            msg.source(record),
            score,
            why,
        )
        if is_accepted:
            reason += " It is listed as accepted, which is not enough."
        remediation = "If you are sure %s is the right instance, add the override %s, or rename it to Name=%s." % (
            tgt.tid,
            form,
            record.name,
        )
    run.proposals.append(
        {
            "source_server_id": record.id,
            "source_name": record.name,
            "target_instance_id": tgt.id,
            "target_name": tgt.name,
            "score": score,
            "evidence": evidence,
            "acceptable": ok,
            "reason": reason,
            "remediation": remediation,
        }
    )
    run.done_s.add(record.sid)
    run.taken[tgt.tid] = Taken(record.sid, "proposal")


# ---------------------------------------------------------------------------------------------------------------
# Unmatched targets, summary, entry point
# ---------------------------------------------------------------------------------------------------------------


def _unmatched_targets(run, fuzzy_targets, state):
    index = dict((t.tid, j) for j, t in enumerate(fuzzy_targets))
    placed_as = {}
    for field, how in (
        ("pairs", "paired (%s) with"),
        ("blocked", "held by a blocked pair with"),
        ("proposals", "proposed for"),
    ):
        for entry in getattr(run, field):
            text = how % entry["method"] if "%s" in how else how
            placed_as[str(entry["source_server_id"])] = (text, entry["target_instance_id"])
    for entry in run.reserved:
        placed_as[str(entry["owner_source_server_id"])] = ("reserving", entry["target_instance_id"])
    for tgt in run.targets:
        if tgt.tid in run.taken and run.taken[tgt.tid].how != "withheld":
            continue
        note = run.target_notes.get(tgt.tid)
        if note is None:
            note = _target_note(run, tgt, index.get(tgt.tid), state, placed_as)
        run.unmatched_targets.append(run._target_entry(tgt, note.code, note.reason, note.remediation, note.nearest))


def _target_note(run, tgt, j, state, placed_as):
    if not tgt.key:
        reason, remediation = msg.no_name_target(tgt)
        return TargetNote("no_name", reason, remediation, None)
    if len(run.tgt_groups[tgt.key]) > 1:
        twins = [t for t in run.tgt_groups[tgt.key] if t != tgt.tid]
        return TargetNote(
            "duplicate_name",
            "Target %s shares the key '%s' with target%s %s; none of them is paired by name."
            % (tgt.tid, tgt.key, "s" if len(twins) > 1 else "", ", ".join(twins)),
            "Rename all but one of the targets %s, or add an override %s."
            % (", ".join(run.tgt_groups[tgt.key]), msg.override("s-...", tgt.tid)),
            None,
        )
    if tgt.tid in run.claimed:
        owners = ", ".join(sorted(run.claim_owner.get(tgt.tid, ())))
        return TargetNote(
            "stored_pair_superseded",
            "Target %s is stored as the launch-into target of %s, which is not paired with it in this run; it is "
            "not given to another server by name." % (tgt.tid, owners),
            "Clear the stored pair of %s, or add an override %s." % (owners, msg.override("s-...", tgt.tid)),
            None,
        )
    if tgt.key in run.src_groups:
        sids = run.src_groups[tgt.key]
        placed = [placed_as[sid] for sid in sids if sid in placed_as]
        if len(sids) == 1 and placed:
            how, where = placed[0]
            return TargetNote(
                "source_paired_elsewhere",
                "Target %s carries the key '%s' of source server %s, which is %s %s."
                % (tgt.tid, tgt.key, sids[0], how, where),
                "If %s is the right instance for %s, add the override %s; otherwise rename it or remove its "
                "AWSDRS=AllowLaunchingIntoThisInstance tag." % (tgt.tid, sids[0], msg.override(sids[0], tgt.tid)),
                None,
            )
        return TargetNote(
            "source_not_paired",
            "Target %s carries the key '%s' of source server%s %s, which %s not paired (see unmatched_sources and "
            "ambiguous)."
            % (tgt.tid, tgt.key, "s" if len(sids) > 1 else "", ", ".join(sids), "was" if len(sids) == 1 else "were"),
            "Resolve the source server's problem, or add an override %s." % msg.override(sids[0], tgt.tid),
            None,
        )
    nearest = state.nearest_of_target(j) if state is not None and j is not None else None
    if nearest is None:
        return TargetNote(
            "no_candidate",
            "No source server has the key '%s' and none is close to it." % tgt.key,
            "If target %s is meant for a source server, tag it with that server's name or add an override %s; "
            "otherwise remove its AWSDRS=AllowLaunchingIntoThisInstance tag."
            % (tgt.tid, msg.override("s-...", tgt.tid)),
            None,
        )
    record = state.sources[nearest.index]
    near = _nearest_source(record, nearest.score)
    why = nearest.veto.text if nearest.veto is not None else "was not proposed for it"
    return TargetNote(
        nearest.veto.code if nearest.veto is not None else "not_proposed",
        "No source server has the key '%s'; the nearest, %s (score %.2f), %s."
        % (tgt.key, msg.source(record), nearest.score, why),
        "Tag target %s with Name=%s if it belongs to that server, or add the override %s."
        % (tgt.tid, record.name, msg.override(record.sid, tgt.tid)),
        near,
    )


def _summary(run):
    methods = [p["method"] for p in run.pairs]
    local = sum(1 for s in run.sources if not s.foreign) + sum(
        1 for e in run.unmatched_sources if e["reason_code"] == "duplicate_id"
    )
    return {
        "sources": local,
        "targets": len(run.tgt)
        + len(set(e["target_instance_id"] for e in run.unmatched_targets if e["reason_code"] == "duplicate_id")),
        "paired": len(run.pairs),
        "exact": methods.count("exact"),
        "override": methods.count("override"),
        "stored": methods.count("stored"),
        "fuzzy": methods.count("fuzzy"),
        "proposals": len(run.proposals),
        "blocked": len(run.blocked),
        "unmatched_sources": len(run.unmatched_sources),
        "ambiguous": len(run.ambiguous),
        "unmatched_targets": len(run.unmatched_targets),
        "reserved": len(run.reserved),
        "duplicates": len(run.duplicates),
        "errors": len(run.errors),
        "match_rate": round(len(run.pairs) / float(local), 4) if local else 0.0,
    }


def match_servers(
    sources,
    targets,
    *,
    overrides=(),
    claims=(),
    accepted=(),
    fuzzy=False,
    threshold=DEFAULT_THRESHOLD,
    margin=DEFAULT_MARGIN,
    strip_prefixes=(),
    strip_suffixes=(),
    strip_patterns=(),
    scorer=DEFAULT_SCORER,
):
    """Pair DRS source servers with target instances 1:1; see the module docstring and the matching.py facade."""
    try:
        threshold = float(threshold)
        margin = float(margin)
    except (TypeError, ValueError):
        raise ValueError("threshold and margin must be numbers, got %r and %r" % (threshold, margin))
    if not 0.0 < threshold <= 100.0:
        raise ValueError("threshold must be in (0, 100], got %r" % threshold)
    if not 0.0 <= margin <= 100.0:
        raise ValueError("margin must be in [0, 100], got %r" % margin)
    scorers = scorer_names(scorer)
    if fuzzy:
        for name in scorers:
            scorer_function(name)
    # The run allocates many small acyclic dicts and tuples: the cyclic collector would only rescan them (about 40 %
    # of the time at 10,000 x 10,000). It is switched back on, as it was, whatever happens.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _match(sources, targets, overrides, claims, accepted, fuzzy, threshold, margin,
                      (strip_prefixes, strip_suffixes, strip_patterns), scorers)
    finally:
        if collecting:
            gc.enable()


def _match(sources, targets, overrides, claims, accepted, fuzzy, threshold, margin, strips, scorers):
    normalizer = Normalizer(*strips)
    run = _Run(read_sources(sources, normalizer), read_targets(targets, normalizer))
    overrides = read_pairs("overrides", overrides)
    claims = read_pairs("claims", claims)
    accepted = read_pairs("accepted", accepted)
    run.claim_owner = {}
    for item in claims:
        run.claim_owner.setdefault(item.tid, set()).add(item.sid)
    _overrides(run, overrides, claims)
    _claims(run, claims)
    leftovers = _exact(run)
    fuzzy_targets, state = _fuzzy(run, leftovers, fuzzy, scorers, threshold, margin, accepted)
    _unmatched_targets(run, fuzzy_targets, state)
    return _result(run)


def _result(run):
    def by(*fields):
        return lambda e: tuple(str(e[f]) for f in fields)

    run.pairs.sort(key=by("source_server_id"))
    run.proposals.sort(key=by("source_server_id"))
    run.blocked.sort(key=by("source_server_id"))
    run.unmatched_sources.sort(key=by("source_server_id", "reason_code"))
    run.unmatched_targets.sort(key=by("target_instance_id", "reason_code"))
    run.ambiguous.sort(key=by("source_server_id"))
    run.duplicates.sort(key=by("side", "key"))
    run.reserved.sort(key=by("target_instance_id"))
    run.errors.sort(key=by("source_server_id", "target_instance_id", "code", "message"))
    return {
        "pairs": run.pairs,
        "proposals": run.proposals,
        "blocked": run.blocked,
        "unmatched_sources": run.unmatched_sources,
        "unmatched_targets": run.unmatched_targets,
        "ambiguous": run.ambiguous,
        "duplicates": run.duplicates,
        "reserved": run.reserved,
        "errors": run.errors,
        "summary": _summary(run),
    }
