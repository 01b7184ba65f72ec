# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reason and remediation sentences of the pairing engine, in one place."""

from __future__ import annotations

OVERRIDE_TEMPLATE = "{{source_server_id: {source_server_id}, target_instance_id: {target_instance_id}}}"


def override(sid="s-...", tid="i-..."):
    """The documented override form: ``{source_server_id: s-..., target_instance_id: i-...}``."""
    return OVERRIDE_TEMPLATE.format(source_server_id=sid, target_instance_id=tid)


def quoted(name):
    return "'%s'" % ("" if name is None else name)


def source(record):
    return "source server %s (%s)" % (record.sid, quoted(record.name))


def target(record):
    return "target %s (%s)" % (record.tid, quoted(record.name))


def ids(records):
    return ", ".join(getattr(r, "sid", None) or r.tid for r in records)


def names_disagree(record, matches=()):
    """Reason and remediation for a source whose names give different exact keys; ``matches``: targets of those keys."""
    listed = "; ".join("%s=%s gives the key '%s'" % (k.label, quoted(k.value), k.key) for k in record.keys)
    reason = "The names of %s disagree: %s. A server whose names disagree is not paired by name." % (
        source(record),
        listed,
    )
    if matches:
        reason += " Targets carrying one of these keys: %s." % ", ".join(target(t) for t in matches)
    values = ", ".join("%s=%s" % (k.label, quoted(k.value)) for k in record.keys)
    remediation = (
        "Fix the stale tag among %s so that they agree, or choose the one to trust with the name_sources "
        "option, or add an override %s." % (values, override(record.sid, matches[0].tid if matches else "i-..."))
    )
    return reason, remediation


def no_name_source(record):
    return (
        "Source server %s has no name to match on." % record.sid,
        "Tag source server %s with Name=<hostname>, or add an override %s." % (record.sid, override(record.sid)),
    )


def no_name_target(record):
    return (
        "Target %s has no Name tag to match on." % record.tid,
        "Tag target %s with Name=<source hostname>, or add an override %s."
        % (record.tid, override("s-...", record.tid)),
    )


def nearest_phrase(nearest_target, score):
    if nearest_target is None:
        return ""
    return " The nearest target is %s (score %.2f)." % (target(nearest_target), score)


def fix_by_rename_or_override(src, tgt):
    if tgt is None:
        return (
            "Tag the pre-provisioned target with Name=%s (and AWSDRS=AllowLaunchingIntoThisInstance), or add an "
            "override %s." % (src.name or src.key, override(src.sid))
        )
    return "If %s is the right instance, rename it to Name=%s or add the override %s." % (
        tgt.tid,
        src.name or src.key,
        override(src.sid, tgt.tid),
    )


def facts_remediation(sid, tid, evidence):
    """The fix for a pair whose target differs from the source in platform, architecture or boot mode only (DRS refuses
    such a launch, so an override would not help); None when the evidence also names another source's IP."""
    codes = evidence.get("contradictions") or []
    if not codes or "ip_other_source" in codes:
        return None
    wanted = " ".join(str(evidence[code[: -len("_mismatch")]]["source"]) for code in codes)
    return ("Pre-provision a %s target for %s (DRS refuses a mismatch), or rename %s if it belongs to another server."
            % (wanted, sid, tid))
