# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters of the pair playbook: a drs_instance_match result as a review (pairs with their evidence, proposals to
accept, problems with their fixes), as console lines, and as the proposals file an operator edits."""

import yaml

from ansible.errors import AnsibleFilterError

APPLY_METHODS = ("exact", "override", "stored", "fuzzy")
EVIDENCE_ORDER = ("ip", "platform", "architecture", "boot_mode", "disks", "size")


def _gib(values):
    return "/".join(str(int(round(v / 1024 ** 3))) if isinstance(v, (int, float)) and v > 1024 else str(v) for v in values or [])


def dr_evidence_text(evidence):
    """One line of a pair's evidence: name method and score, then each fact that was compared, contradictions first."""
    evidence = evidence or {}
    parts = []
    name = evidence.get("name") or {}
    if name:
        score = name.get("score")
        parts.append(f"name {name.get('method') or '?'}" + (f" {score:g}" if isinstance(score, (int, float)) else "")
                     + (" (names differ)" if name.get("result") == "differs" else ""))
    for key in EVIDENCE_ORDER:
        fact = evidence.get(key) or {}
        result = fact.get("result")
        if not result or result == "unknown":
            continue
        if key == "ip":
            detail = fact.get("target_ip") or ""
            if result == "other_source":
                detail += f" is the IP of {fact.get('owner')}"
            parts.append(f"ip {result} {detail}".strip())
        elif key == "disks":
            parts.append(f"disks {result} ({_gib(fact.get('source_gib'))} vs {_gib(fact.get('target_gib'))} GiB)")
        else:
            parts.append(f"{key.replace('_', ' ')} {result}" + (f" ({fact.get('source')} vs {fact.get('target')})" if result != "match" else ""))
    verdict = evidence.get("verdict")
    if verdict:
        parts.append(f"verdict {verdict}")
    return "; ".join(parts)


def _failed(checks, severity):
    return [c for c in checks or [] if not c.get("passed") and c.get("severity") == severity]


def dr_pairing_view(match, run_id="", applied=None):
    """The review of a drs_instance_match result (pairs_from: match): what would be stored, what needs a decision, what is wrong.

    ``applied``: a drs_launch_into_config result of the same run, to say per pair whether it was stored or left unchanged.
    """
    match = match or {}
    if "pairs" not in match:
        raise AnsibleFilterError("dr_pairing_view needs a drs_instance_match result; the match task did not return one.")
    applied_by = {s.get("source_server_id"): s for s in (applied or {}).get("servers") or []}
    pairs = []
    for pair in match.get("pairs") or []:
        state = "stored" if pair.get("stored_target_instance_id") == pair.get("target_instance_id") and pair.get("launch_config_in_place") else "to store"
        done = applied_by.get(pair.get("source_server_id"))
        if done is not None:
            state = "not stored: " + str(done.get("error")) if done.get("error") else ("stored now" if done.get("changed") else "stored")
        pairs.append({"source_server_id": pair.get("source_server_id"), "source_name": pair.get("source_name"),
                      "target_instance_id": pair.get("target_instance_id"), "target_name": pair.get("target_name"),
                      "target_private_ip": pair.get("target_private_ip"), "method": pair.get("method"), "score": pair.get("score"),
                      "state": state, "evidence": dr_evidence_text(pair.get("evidence")),
                      "warnings": list(pair.get("warnings") or []) + [c.get("message") for c in _failed(pair.get("checks"), "warning")]})
    problems = []

    def problem(kind, item, message=None):
        problems.append({"kind": kind, "source_server_id": item.get("source_server_id"), "source_name": item.get("source_name"),
                         "target_instance_id": item.get("target_instance_id") or (item.get("nearest") or {}).get("target_instance_id"),
                         "reason_code": item.get("reason_code"), "message": message or item.get("reason"),
                         "remediation": item.get("remediation"), "evidence": dr_evidence_text(item.get("evidence"))})

    for item in match.get("invalid_pairs") or []:
        problem("invalid", item, "; ".join(c.get("message", "") for c in _failed(item.get("checks"), "error")))
    for kind, key in (("blocked", "blocked"), ("ambiguous", "ambiguous"), ("unmatched", "unmatched_sources")):
        for item in match.get(key) or []:
            problem(kind, item)
    for item in match.get("errors") or []:
        problem("override", item, item.get("message"))
    proposals = [{"source_server_id": p.get("source_server_id"), "source_name": p.get("source_name"),
                  "target_instance_id": p.get("target_instance_id"), "target_name": p.get("target_name"),
                  "score": p.get("score"), "acceptable": bool(p.get("acceptable")), "evidence": dr_evidence_text(p.get("evidence")),
                  "reason": p.get("reason"), "remediation": p.get("remediation")} for p in match.get("proposals") or []]
    summary = dict(match.get("summary") or {})
    return {"run_id": run_id, "pairs": pairs, "proposals": proposals, "problems": problems,
            "unmatched_targets": [{"target_instance_id": t.get("target_instance_id"), "target_name": t.get("target_name"),
                                   "reason": t.get("reason"), "remediation": t.get("remediation")} for t in match.get("unmatched_targets") or []],
            "reserved": list(match.get("reserved") or []),
            "summary": {"sources": summary.get("sources", 0), "pairs": len(pairs), "proposals": len(proposals),
                        "acceptable_proposals": sum(1 for p in proposals if p["acceptable"]), "problems": len(problems),
                        "stored": sum(1 for p in pairs if p["state"].startswith("stored")),
                        "to_store": sum(1 for p in pairs if p["state"] == "to store")}}


def dr_pairs_to_apply(match):
    """The pairs the pair playbook stores: every valid pair (exact, override, already stored, accepted fuzzy)."""
    return [p for p in (match or {}).get("pairs") or [] if p.get("method") in APPLY_METHODS]


def dr_pairing_lines(view):
    """Console lines of a pairing review, one per pair, proposal and problem."""
    view = view or {}
    s = view.get("summary") or {}
    lines = [f"{s.get('sources', 0)} source servers: {s.get('pairs', 0)} pair{'s' if s.get('pairs', 0) != 1 else ''} "
             f"({s.get('stored', 0)} stored, {s.get('to_store', 0)} to store), {s.get('proposals', 0)} fuzzy proposal"
             f"{'s' if s.get('proposals', 0) != 1 else ''} to review ({s.get('acceptable_proposals', 0)} acceptable), "
             f"{s.get('problems', 0)} problem{'s' if s.get('problems', 0) != 1 else ''}."]
    for p in view.get("pairs") or []:
        lines.append(f"PAIR     {p['source_name'] or '-'} ({p['source_server_id']}) -> {p['target_instance_id']} {p['target_name'] or '-'} "
                     f"[{p['evidence']}] {p['state']}" + (f"; warning: {'; '.join(p['warnings'])}" if p["warnings"] else ""))
    for p in view.get("proposals") or []:
        lines.append(f"PROPOSAL {p['source_name'] or '-'} ({p['source_server_id']}) -> {p['target_instance_id']} {p['target_name'] or '-'} "
                     f"[{p['evidence']}] {'acceptable' if p['acceptable'] else 'NOT acceptable'}: {p['remediation']}")
    for p in view.get("problems") or []:
        lines.append(f"{p['kind'].upper():<8} {p['source_name'] or '-'} ({p['source_server_id'] or '-'}): {p['message']} -> {p['remediation']}")
    return lines


def dr_pairing_proposals(view, run_id=""):
    """The proposals file (YAML text): every fuzzy proposal with accept: false, for the operator to review and edit."""
    proposals = []
    for p in (view or {}).get("proposals") or []:
        proposals.append({"source_server_id": p["source_server_id"], "source_name": p["source_name"],
                          "target_instance_id": p["target_instance_id"], "target_name": p["target_name"], "score": p["score"],
                          "acceptable": p["acceptable"], "evidence": p["evidence"], "accept": False})
    header = (f"# Fuzzy pairing proposals of pair run {run_id}. Check each machine; set accept: true on the right ones, then store them:\n"
              f"#   ansible-playbook elastic_dr.orchestrator.pair -e dr_pair_apply=true -e dr_pair_approved_file=<this file>\n"
              "# A proposal that is not acceptable (no corroborating evidence, or evidence against it) is not stored even when accepted:\n"
              "# if you are sure, write an override pair {source_server_id: s-..., target_instance_id: i-...} instead.\n")
    return header + yaml.safe_dump({"proposals": proposals}, sort_keys=False, default_flow_style=False, width=200)


class FilterModule:
    def filters(self):
        return {"dr_pairing_view": dr_pairing_view, "dr_pairing_lines": dr_pairing_lines, "dr_pairing_proposals": dr_pairing_proposals,
                "dr_pairs_to_apply": dr_pairs_to_apply, "dr_evidence_text": dr_evidence_text}
