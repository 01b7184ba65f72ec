# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Evidence for a candidate pair: what the two machines' facts say beyond their names.

``ip``: ``match`` when the target's private IP (or one of its ``ips``) is one of the source's IPs; ``other_source``
when it is the IP of ANOTHER source server of the input and not one of this one's (a contradiction: the target
belongs to that server); ``differs`` otherwise; ``unknown`` when either side has no IP.
``platform`` / ``architecture`` / ``boot_mode``: ``mismatch`` (a contradiction) when known on both sides and
different. ``disks`` (same count and sizes in GiB, rounded up) and ``size`` (same instance type) corroborate.
``verdict``: ``contradicted`` with any contradiction, else ``corroborated`` with any corroboration, else
``uncontradicted``.

Policy (applied by the engine): an exact or stored pair with a contradiction is blocked; an override is blocked by a
platform, architecture or boot-mode contradiction only (an IP contradiction is a warning: the operator said so); a
fuzzy proposal is acceptable only when its IP matches and nothing contradicts it.
"""

from __future__ import annotations

_GIB = 1024**3
_ALIASES = {
    "amd64": "x86_64",
    "x64": "x86_64",
    "x86-64": "x86_64",
    "aarch64": "arm64",
    "arm": "arm64",
    "legacy-bios": "legacy_bios",
    "bios": "legacy_bios",
    "legacy": "legacy_bios",
}
FACTS = ("platform", "architecture", "boot_mode")


def _fact(value):
    if value in (None, ""):
        return None
    text = str(value).strip().lower()
    return _ALIASES.get(text, text) or None


def _ips(values):
    return set(str(v).strip() for v in (values or ()) if v not in (None, "") and str(v).strip())


def source_ips(raw):
    return _ips(raw.get("ips"))


def target_ips(raw):
    found = _ips(raw.get("ips"))
    if raw.get("private_ip") not in (None, ""):
        found.add(str(raw["private_ip"]).strip())
    return found


def ip_owners(sources):
    """{ip: frozenset(source ids)} over every source server of the input (foreign ones included)."""
    owners = {}
    for source in sources:
        for ip in source_ips(source.raw):
            owners.setdefault(ip, set()).add(source.sid)
    return dict((ip, frozenset(ids)) for ip, ids in owners.items())


def _gib(disks):
    if not disks:
        return None
    try:
        return sorted(-(-int(size) // _GIB) for size in disks)
    except (TypeError, ValueError):
        return None


def facts(raw, side):
    """The comparable facts of one record, computed once per run: (ips, {fact: value}, disks in GiB, size)."""
    ips = target_ips(raw) if side == "target" else source_ips(raw)
    return (
        frozenset(ips),
        tuple(_fact(raw.get(fact)) for fact in FACTS),
        _gib(raw.get("disks")),
        _fact(raw.get("instance_type")),
    )


def _ip_part(source, s_ips, t_ips, t_private, owners, contradictions, corroborations):
    ip = {"result": "unknown", "source_ips": sorted(s_ips), "target_ip": t_private, "owner": None}
    if s_ips and t_ips and s_ips & t_ips:
        ip["result"] = "match"
        corroborations.append("ip_match")
        return ip
    if t_ips:
        others = set()
        for address in t_ips:
            others.update(owners.get(address, ()))
        others.discard(source.sid)
        if others:
            ip["result"] = "other_source"
            ip["owner"] = sorted(others)[0]
            contradictions.append("ip_other_source")
        elif s_ips:
            ip["result"] = "differs"
    return ip


def evaluate(source, target, name, owners, source_facts=None, target_facts=None):
    """The evidence dict of source (a Source) launched into target (a Target); ``name`` is the name part."""
    s_ips, s_values, s_disks, s_size = source_facts or facts(source.raw, "source")
    t_ips, t_values, t_disks, t_size = target_facts or facts(target.raw, "target")
    s_raw, t_raw = source.raw, target.raw
    contradictions, corroborations = [], []
    evidence = {
        "name": name,
        "ip": _ip_part(source, s_ips, t_ips, t_raw.get("private_ip"), owners, contradictions, corroborations),
    }
    for fact, s_value, t_value in zip(FACTS, s_values, t_values):
        result = "unknown"
        if s_value is not None and t_value is not None:
            result = "match" if s_value == t_value else "mismatch"
            if result == "mismatch":
                contradictions.append("%s_mismatch" % fact)
        evidence[fact] = {"result": result, "source": s_raw.get(fact), "target": t_raw.get(fact)}
    disks = {"result": "unknown", "source_gib": s_disks, "target_gib": t_disks}
    if s_disks is not None and t_disks is not None:
        disks["result"] = "match" if s_disks == t_disks else "differs"
        if s_disks == t_disks:
            corroborations.append("disks_match")
    evidence["disks"] = disks
    size = {"result": "unknown", "source": s_raw.get("instance_type"), "target": t_raw.get("instance_type")}
    if s_size is not None and t_size is not None:
        size["result"] = "match" if s_size == t_size else "differs"
        if s_size == t_size:
            corroborations.append("size_match")
    evidence["size"] = size
    evidence["placement"] = {"subnet_id": t_raw.get("subnet_id"), "az": t_raw.get("az")}
    evidence["contradictions"] = contradictions
    evidence["corroborations"] = corroborations
    evidence["verdict"] = "contradicted" if contradictions else ("corroborated" if corroborations else "uncontradicted")
    return evidence


def blocking(evidence, method):
    """The contradictions that block a pair of this method (overrides: platform/architecture/boot mode only)."""
    if method == "override":
        return [code for code in evidence["contradictions"] if code != "ip_other_source"]
    return list(evidence["contradictions"])


def acceptable(evidence):
    """A fuzzy proposal may be accepted only when its IP matches and nothing contradicts it."""
    return evidence["ip"]["result"] == "match" and not evidence["contradictions"]


def describe(evidence, codes=None):
    """A sentence fragment for contradiction codes: "its private IP 10.0.0.5 is the IP of s-2; platform ..."."""
    parts = []
    for code in (evidence["contradictions"] if codes is None else codes):
        if code == "ip_other_source":
            parts.append(
                "the target's private IP %s is the IP of source server %s"
                % (evidence["ip"]["target_ip"], evidence["ip"]["owner"])
            )
        else:
            fact = code[: -len("_mismatch")]
            parts.append(
                "%s differs (source %s, target %s)"
                % (fact.replace("_", " "), evidence[fact]["source"], evidence[fact]["target"])
            )
    return "; ".join(parts)
