# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
module: drs_instance_match
short_description: Pair DRS source servers 1:1 with the EC2 instances they launch into, over the whole estate, with evidence
version_added: 0.1.0
description:
  - Pairing is decided over the B(whole estate), whatever the scope asked for. It covers every FAILOVER source server of the Region
    (every wave, every replication state), every target tagged C(AWSDRS=AllowLaunchingIntoThisInstance) in every live state,
    every pair already stored in DRS (each source server's launch-into configuration) and, as owners of their names, the
    source servers of O(owner_regions). A target that is another server's exact match, stored pair or override is never
    given to anyone else. O(source_server_ids) / O(source_server_tags) only choose which servers the result lists.
  - Exact pairs need the server's names to agree (Name tag, origin instance Name tag, DRS hostname hint; an FQDN counts by
    its first label, separators are folded); two names that disagree are reported, not guessed between.
  - Each pair carries B(evidence), that is the target's private IP against the source's IPs, platform, architecture, boot mode,
    disks and size. Evidence that contradicts the name (the target carries another source server's IP, swapped Name tags,
    another platform or architecture) blocks the pair with a remediation.
  - With O(fuzzy), near names become B(proposals) (RV(proposals)), never pairs; a proposal becomes a pair only when it is
    listed in O(accepted) (the pair playbook's reviewed proposals file) and its evidence corroborates it (the IP matches).
    Numbers must be equal in order, and a differing letter suffix, direction or Region code, roman numeral, lifecycle or
    environment marker, or short word means another machine; only typos in long words, reorderings, separators, zero
    padding, environment synonyms and a C(dr) affix are proposed.
  - O(pairs_from=stored) (what failover and drill use) returns as RV(pairs) only the pairs stored in DRS that still hold,
    valid, uncontradicted, and as they were reviewed (target, its IP and Name recorded by the pair playbook). A server
    without a stored pair is listed in RV(unmatched_sources) with reason code C(not_paired) and what the pair playbook
    would propose.
  - O(mode=failback) pairs each FAILBACK-direction source server with the original instance it came from,
    using DRS metadata (C(identificationHints.awsInstanceID) and the forward source server), not names.
  - Read-only; never changes anything.
author:
  - Elastic DR orchestrator contributors (@elastic-dr)
options:
  source_server_ids:
    description: List only these source servers. The match still covers every source server of the Region.
    type: list
    elements: str
  source_server_tags:
    description: List only source servers carrying all these tags, for example C(dr:wave=2).
    type: dict
  target_tags:
    description: Tags a candidate target must carry.
    type: dict
    default: {AWSDRS: AllowLaunchingIntoThisInstance}
  target_states:
    description:
      - EC2 states a valid pair's target may be in. Targets in every live state take part in the assignment (a running
        target still belongs to the server named like it); a pair whose target is in another state is invalid, with the
        instruction to stop it.
      - An instance that already is the recovery instance of its source server (a resumed run) is valid in any live state.
    type: list
    elements: str
    default: [stopped]
  name_sources:
    description:
      - Which names of a source server count. C(drs_tag) is the source server's Name tag; C(origin_instance_tag) the Name tag of
        the protected EC2 instance in its origin Region (read only for servers without a DRS Name tag), C(hostname) the hostname
        hint DRS recorded (an EC2-generated C(ip-a-b-c-d) hostname is ignored when the server has another name).
      - All the names a server has must agree; drop a stale one from this list if it cannot be fixed.
    type: list
    elements: str
    choices: [drs_tag, origin_instance_tag, hostname]
    default: [drs_tag, origin_instance_tag, hostname]
  pairs_from:
    description:
      - C(match) returns every valid pair (override, stored, exact, accepted fuzzy), for the pair playbook's review.
      - C(stored) returns only pairs already stored in DRS that still hold, which is what failover and drill launch into.
    type: str
    choices: [match, stored]
    default: match
  fuzzy:
    description: Propose pairs for the leftovers of the exact phase by conservative name similarity (RV(proposals)).
    type: bool
    default: false
  fuzzy_threshold:
    description: Minimum similarity (0-100) for a fuzzy proposal.
    type: float
    default: 88.0
  ambiguity_margin:
    description: A fuzzy proposal needs to beat the runner-up (on both sides) by at least this many points.
    type: float
    default: 5.0
  fuzzy_scorer:
    description:
      - The rapidfuzz scorer for fuzzy matching; C(ratio+token_sort_ratio) takes the better of the two (typos and swapped tokens).
      - Whatever the scorer, the guards above decide which differences may be proposed at all.
    type: str
    choices: [ratio+token_sort_ratio, ratio, token_sort_ratio, token_set_ratio, partial_ratio, WRatio]
    default: ratio+token_sort_ratio
  strip_prefixes:
    description: Tokens removed from the start of names before comparing (for example C(dr-)).
    type: list
    elements: str
    default: []
  strip_suffixes:
    description: Tokens removed from the end of names before comparing (for example C(-usw2), or a domain such as C(.corp.example.com)).
    type: list
    elements: str
    default: []
  overrides:
    description: Explicit pairs that win over matching, still validated and checked against the evidence.
    type: list
    elements: dict
    default: []
    suboptions:
      source_server_id: {description: The source server., type: str, required: true}
      target_instance_id: {description: The instance it launches into., type: str, required: true}
  accepted:
    description: Fuzzy proposals the operator accepted after review (the pair playbook's proposals file with C(accept=true)).
    type: list
    elements: dict
    default: []
    suboptions:
      source_server_id: {description: The source server., type: str, required: true}
      target_instance_id: {description: The proposed instance., type: str, required: true}
  owner_regions:
    description: Other Regions (same account and credentials) whose DRS source servers own their names; their targets are never given to a server here.
    type: list
    elements: str
    default: []
  mode:
    description: C(failover) matches by name; C(failback) pairs FAILBACK-direction servers with their original instances.
    type: str
    choices: [failover, failback]
    default: failover
  validate:
    description:
      - Run the launch-into prerequisite checks (and, for stored pairs, the review drift checks) on every pair.
      - Pairs failing an error check go to RV(invalid_pairs).
    type: bool
    default: true
  max_lag_seconds:
    description: With O(validate), warn about source servers whose replication lag is above this.
    type: int
  fail_on_unmatched:
    description: Fail when any listed source server ends without a valid pair (strict plays).
    type: bool
    default: false
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - elastic_dr.orchestrator.assume_role
  - elastic_dr.orchestrator.assume_role.origin
  - elastic_dr.orchestrator.assume_role.recovery
  - elastic_dr.orchestrator.attributes.read_only
requirements:
  - rapidfuzz (only with O(fuzzy=true))
"""

EXAMPLES = r"""
- name: Review the whole Region's pairs, with fuzzy proposals (what the pair playbook does)
  elastic_dr.orchestrator.drs_instance_match:
    region: us-west-2
    fuzzy: true
  register: review

- name: The stored pairs of wave 2, verified against the estate (what a failover uses)
  elastic_dr.orchestrator.drs_instance_match:
    source_server_tags: {"dr:wave": "2"}
    pairs_from: stored
    fail_on_unmatched: true

- name: An explicit pair
  elastic_dr.orchestrator.drs_instance_match:
    overrides:
      - {source_server_id: s-1234567890abcdef0, target_instance_id: i-0123456789abcdef0}

- name: Failback pairs from DRS metadata, in the origin Region
  elastic_dr.orchestrator.drs_instance_match:
    region: us-east-1
    mode: failback
"""

RETURN = r"""
pairs:
  description: Valid pairs, ready for M(elastic_dr.orchestrator.drs_launch_into_config) and M(elastic_dr.orchestrator.drs_job_wait).
  returned: always
  type: list
  elements: dict
  contains:
    source_server_id: {description: DRS source server., type: str, returned: always}
    source_name: {description: The name the server was matched by., type: str, returned: always}
    names: {description: "Every name of the server by where it comes from (drs_tag, origin_instance_tag, hostname).", type: dict, returned: always}
    target_instance_id: {description: EC2 instance to launch into., type: str, returned: always}
    target_name: {description: The target's Name tag., type: str, returned: always}
    target_private_ip: {description: The target's private IP (kept on launch)., type: str, returned: always}
    target_subnet_id: {description: The target's subnet., type: str, returned: always}
    target_security_groups: {description: The target's security groups., type: list, elements: str, returned: always}
    method: {description: "exact, override, stored, fuzzy (an accepted, corroborated proposal) or origin (failback).", type: str, returned: always}
    score: {description: "Name similarity 0-100 (null for override, stored and origin).", type: float, returned: always}
    evidence:
      description: What supports or contradicts the pair (name, ip, platform, architecture, boot_mode, disks, size, verdict).
      type: dict
      returned: always
      sample: {ip: {result: match, target_ip: 10.0.2.13}, verdict: corroborated, contradictions: [], corroborations: [ip_match]}
    warnings: {description: Things the operator should know (for example a stored pair whose names differ)., type: list, elements: str, returned: always}
    stored_target_instance_id: {description: The instance the server's launch configuration launches into now (null when none)., type: str, returned: always}
    launch_config_in_place:
      description: True when the launch configuration already launches into the target with the launch-into settings.
      type: bool
      returned: always
    checks: {description: Prerequisite and drift checks (when validated)., type: list, elements: dict, returned: always}
  sample:
    - {source_server_id: s-1234567890abcdef0, source_name: db-01, target_instance_id: i-0123456789abcdef0, target_name: DB-01,
       target_private_ip: 10.0.3.11, method: exact, score: 100.0, launch_config_in_place: true}
invalid_pairs:
  description: Pairs that fail an error-severity check (target running, untagged, another architecture, drifted since review), with the checks and remediation.
  returned: always
  type: list
  elements: dict
proposals:
  description: Fuzzy proposals not (yet) accepted, with evidence, C(acceptable) and how to accept them. Empty with O(pairs_from=stored).
  returned: always
  type: list
  elements: dict
  sample:
    - {source_server_id: s-1234567890abcdef0, source_name: app-03, target_instance_id: i-0123456789abcdef0, target_name: app-3,
       score: 92.3, acceptable: true, remediation: "Accept it in the proposals file ..."}
blocked:
  description: Pairs the evidence contradicts (for example swapped Name tags), with C(reason_code), the evidence and the fix.
  returned: always
  type: list
  elements: dict
unmatched_sources:
  description: Source servers without a pair, each with C(source_server_id), C(reason_code), C(reason), C(remediation) and the C(nearest) candidate.
  returned: always
  type: list
  elements: dict
  sample:
    - {source_server_id: s-1234567890abcdef0, source_name: batch-02, reason_code: no_exact_match, reason: "No target is named batch-02.",
       remediation: "Tag the DR target of batch-02 with Name=batch-02 ...", nearest: null}
unmatched_targets:
  description:
    - Candidate targets nobody pairs with, each with C(target_instance_id), a reason and a remediation.
    - Only when the result lists every source server of the Region (no O(source_server_ids), no O(source_server_tags)).
  returned: always
  type: list
  elements: dict
ambiguous:
  description: Source servers refused because the choice was ambiguous (twins, near ties), with the candidates and why.
  returned: always
  type: list
  elements: dict
duplicates:
  description: Groups of sources or targets sharing one name key.
  returned: always
  type: list
  elements: dict
reserved:
  description: Targets owned by source servers of O(owner_regions) (whole-Region results only).
  returned: always
  type: list
  elements: dict
errors:
  description: Problems with the overrides, each with C(message) and C(remediation); the task fails when there are any.
  returned: always
  type: list
  elements: dict
summary:
  description: Counts and C(match_rate) (valid pairs / listed source servers).
  returned: always
  type: dict
  sample: {sources: 24, estate_sources: 24, paired: 19, exact: 17, fuzzy: 2, override: 0, stored: 0, invalid: 2, proposals: 0, blocked: 0,
           unmatched_sources: 2, ambiguous: 1, unmatched_targets: 2, match_rate: 0.79, pairs_from: match}
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import drs
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import ec2
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import matching
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import validation
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.failback_pairs import failback_pairs
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.modules import AnsibleElasticDrAWSModule
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.pair_discovery import Estate
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.pair_discovery import LIVE_STATES
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.pair_discovery import engine_source
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.pair_discovery import engine_target
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.pair_drift import drift_checks
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.pair_drift import launch_config_in_place
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.session import ASSUME_ROLE_SPEC
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.validation_report import pair_entry

PAIR_REMEDIATION = ("Review and store the pairs before the failover: ansible-playbook elastic_dr.orchestrator.pair (preview), then again with "
                    "-e dr_pair_apply=true; or run this failover with -e dr_pairing=match to pair exact names now.")
PAIR_PAIR_LISTS = ("pairs", "proposals", "blocked", "unmatched_sources", "ambiguous")


class InstanceMatcher:
    def __init__(self, module):
        self.module = module
        self.params = module.params

    def in_scope(self, server):
        ids = self.params.get("source_server_ids")
        if ids is not None and server["sourceServerID"] not in set(ids):
            return False
        wanted = {k: str(v) for k, v in (self.params.get("source_server_tags") or {}).items()}
        tags = server.get("tags") or {}
        return all(tags.get(k) == v for k, v in wanted.items())

    def scoped(self):
        """True when the result covers only part of the Region's source servers (a wave)."""
        return bool(self.params.get("source_server_ids") is not None or self.params.get("source_server_tags"))

    # ----- the whole-estate match -------------------------------------------------------------------
    def match_estate(self, estate):
        params = self.params
        servers = estate.servers()
        origin_names = estate.origin_names(servers, params["name_sources"])
        configs = estate.launch_configs(servers)
        claims = [{"source_server_id": sid, "target_instance_id": drs.launch_into_target(cfg)}
                  for sid, cfg in sorted(configs.items()) if drs.launch_into_target(cfg)]
        instances = {i["InstanceId"]: i for i in estate.targets(params["target_tags"])}
        named = {c["target_instance_id"] for c in claims} | {o["target_instance_id"] for o in params["overrides"]}
        named |= {o["target_instance_id"] for o in params["accepted"]}
        extra = sorted(named - set(instances))
        if extra:  # stored, overridden or accepted targets outside the tag filter: known, so the checks can say what is wrong
            instances.update({i["InstanceId"]: i for i in estate.instances(extra)})
        # Disk sizes only corroborate (they never block a pair): read for the review, not for a failover's verification.
        disks = estate.disk_sizes(list(instances.values())) if params["pairs_from"] == "match" else {}
        foreign = estate.foreign_servers(params["owner_regions"])
        sources = [engine_source(s, params["name_sources"], origin_names) for s in servers]
        sources += [engine_source(s, params["name_sources"], {}, foreign=True) for s in foreign]
        targets = [engine_target(i, disks) for i in instances.values()]
        try:
            result = matching.match_servers(
                sources, targets, overrides=params["overrides"], claims=claims, accepted=params["accepted"],
                fuzzy=params["fuzzy"], threshold=params["fuzzy_threshold"], margin=params["ambiguity_margin"],
                strip_prefixes=params["strip_prefixes"], strip_suffixes=params["strip_suffixes"], scorer=params["fuzzy_scorer"])
        except ValueError as exc:
            self.module.fail_json(msg=f"Cannot match: {exc}", remediation="Fix the option named in the message (overrides take "
                                      "source_server_id and target_instance_id) and run again.")
        if result["unmatched_sources"]:
            self._explain_untagged(result, instances)
        return servers, configs, instances, result

    def _explain_untagged(self, result, instances):
        """A source with no target whose name matches an instance that lacks the target tags: tell the user to tag it."""
        if not self.params["target_tags"]:
            return
        strip = (self.params["strip_prefixes"], self.params["strip_suffixes"])
        filters = [{"Name": "tag-key", "Values": ["Name"]}, {"Name": "instance-state-name", "Values": list(LIVE_STATES)}]
        named = ec2.describe_instances(self.module.clients.client("ec2"), filters)
        wanted = self.params["target_tags"]
        by_key = {}
        for inst in named:
            tags = ec2.tags_of(inst)
            if inst["InstanceId"] in instances or all(tags.get(k) == str(v) for k, v in wanted.items()):
                continue
            by_key.setdefault(matching.exact_key(ec2.name_of(inst), *strip), []).append(inst["InstanceId"])
        tag_text = " ".join(f"{k}={v}" for k, v in wanted.items())
        for entry in result["unmatched_sources"]:
            if entry.get("reason_code") not in ("no_exact_match", "no_candidate", "below_threshold", "no_target"):
                continue
            hits = by_key.get(matching.exact_key(entry.get("source_name") or "", *strip))
            if hits:
                entry["reason_code"] = "target_untagged"
                entry["reason"] = f"Instance {', '.join(hits)} has the right name but not the tag {tag_text}."
                entry["remediation"] = f"Tag {' '.join(hits)} with {tag_text} if it is the DR target of {entry['source_server_id']}, then run again."

    # ----- shaping ------------------------------------------------------------------------------------
    def entry(self, raw, server, target, configs, claims_of):
        params = self.params
        entry = pair_entry(raw, server, target)
        for key in ("evidence", "names", "warnings"):
            entry[key] = raw.get(key) if raw.get(key) is not None else ([] if key == "warnings" else {})
        sid, tid = entry["source_server_id"], entry["target_instance_id"]
        config = configs.get(sid)
        entry["stored_target_instance_id"] = drs.launch_into_target(config)
        entry["launch_config_in_place"] = launch_config_in_place(config, tid)
        if params["validate"]:
            already = server.get("recoveryInstanceId") == tid  # recovered into it (resume)
            state = (target or {}).get("State", {}).get("Name")
            severity = "warning" if already else "error"
            checks = validation.target_checks(
                server, target, recovery_account=drs.server_account(server), recovery_region=drs.server_region(server),
                stopped_severity=severity, claimed_by=claims_of.get(tid, set()) - {sid}, max_lag_seconds=params.get("max_lag_seconds"))
            if state and state != "stopped" and state in params["target_states"]:
                checks = [dict(c, severity="warning") if c["check"] == "target_stopped" else c for c in checks]
            checks += drift_checks(server, entry)
            entry["checks"] = checks
        else:
            entry["checks"] = []
        return entry

    def run_failover(self):
        params = self.params
        estate = Estate(self.module)
        servers, configs, instances, result = self.match_estate(estate)
        by_id = {s["sourceServerID"]: s for s in servers}
        scope = {sid for sid, s in by_id.items() if self.in_scope(s)}
        missing = sorted(set(params.get("source_server_ids") or []) - set(by_id))
        claims_of = {}
        for sid, cfg in configs.items():
            if drs.launch_into_target(cfg):
                claims_of.setdefault(drs.launch_into_target(cfg), set()).add(sid)
        out = {key: [e for e in result.get(key) or [] if e.get("source_server_id") in scope] for key in PAIR_PAIR_LISTS}
        for sid in missing:
            out["unmatched_sources"].append({
                "source_server_id": sid, "source_name": None, "names": {}, "reason_code": "not_found", "nearest": None,
                "reason": f"Source server {sid} is not a FAILOVER source server in {self.module.region}.",
                "remediation": "Check the ID in the plan and that the task runs in the Region (and account) where it replicates."})
        stored_mode = params["pairs_from"] == "stored"
        pairs, invalid = [], []
        for raw in out["pairs"]:
            sid, tid = raw["source_server_id"], raw["target_instance_id"]
            entry = self.entry(raw, by_id[sid], instances.get(tid), configs, claims_of)
            bad = validation.blocking(entry["checks"])
            if bad:  # a target to fix first (running, untagged, another architecture...), stored or not
                entry["remediation"] = " ".join(c["remediation"] for c in bad if c.get("remediation"))
                invalid.append(entry)
            elif stored_mode and entry["stored_target_instance_id"] != tid:
                out["unmatched_sources"].append(self._not_paired(raw, entry["stored_target_instance_id"]))
            else:
                pairs.append(entry)
        if stored_mode:
            for proposal in out["proposals"]:
                out["unmatched_sources"].append(self._not_paired(proposal, drs.launch_into_target(configs.get(proposal["source_server_id"]))))
            out["proposals"] = []
        for entry in out["proposals"]:
            target = instances.get(entry["target_instance_id"])
            entry.update({k: v for k, v in pair_entry(entry, by_id[entry["source_server_id"]], target).items() if k not in entry})
        unmatched_targets = [] if self.scoped() else result.get("unmatched_targets") or []
        duplicates = [d for d in result.get("duplicates") or []
                      if not self.scoped() or d.get("side") == "target" or scope & set(d.get("ids") or [])]
        summary = dict(result.get("summary") or {})
        summary.update(sources=len(scope) + len(missing), paired=len(pairs), invalid=len(invalid), proposals=len(out["proposals"]),
                       blocked=len(out["blocked"]), unmatched_sources=len(out["unmatched_sources"]), ambiguous=len(out["ambiguous"]),
                       match_rate=round(len(pairs) / (len(scope) + len(missing)), 4) if scope or missing else 0.0,
                       estate_sources=len(servers), pairs_from=params["pairs_from"])
        for method in ("exact", "fuzzy", "override", "stored"):
            summary[method] = sum(1 for p in pairs if p["method"] == method)
        summary["stored_in_drs"] = sum(1 for p in pairs if p["stored_target_instance_id"] == p["target_instance_id"])
        return dict(changed=False, pairs=pairs, invalid_pairs=invalid, proposals=out["proposals"], blocked=out["blocked"],
                    unmatched_sources=out["unmatched_sources"], unmatched_targets=unmatched_targets, ambiguous=out["ambiguous"],
                    duplicates=duplicates, reserved=[] if self.scoped() else result.get("reserved") or [],
                    errors=result.get("errors") or [], summary=summary)

    def _not_paired(self, raw, stored):
        sid, tid = raw["source_server_id"], raw["target_instance_id"]
        how = raw.get("method") or "fuzzy proposal"
        if stored:
            reason = (f"Source server {sid} is stored to launch into {stored}, but the estate now pairs it with {tid} ({how}); "
                      "the stored pair is not used until it is reviewed again.")
        else:
            reason = f"Source server {sid} has no stored launch-into pair; the pair playbook would propose {tid} ({how})."
        return {"source_server_id": sid, "source_name": raw.get("source_name"), "names": raw.get("names") or {},
                "reason_code": "not_paired", "reason": reason, "remediation": PAIR_REMEDIATION,
                "nearest": {"target_instance_id": tid, "target_name": raw.get("target_name"), "score": raw.get("score")}}

    def run_failback(self):
        params = self.params
        client = self.module.clients.client("drs")
        servers = sorted([s for s in drs.describe_source_servers(client, params.get("source_server_ids"))
                          if s.get("replicationDirection") == "FAILBACK" and self.in_scope(s)], key=lambda s: s["sourceServerID"])
        by_id = {s["sourceServerID"]: s for s in servers}
        result = failback_pairs(self.module, servers, params["overrides"], params.get("recovery_assume_role"))
        found = ec2.describe_instances_by_id(self.module.clients.client("ec2"), [p["target_instance_id"] for p in result["pairs"]])
        instances = {i["InstanceId"]: i for i in found}
        configs = Estate(self.module, direction="FAILBACK").launch_configs(servers) if params["validate"] and servers else {}
        claims_of = {}
        for sid, cfg in configs.items():
            if drs.launch_into_target(cfg):
                claims_of.setdefault(drs.launch_into_target(cfg), set()).add(sid)
        pairs, invalid, errors = [], [], []
        for raw in result["pairs"]:
            server = by_id.get(raw["source_server_id"])
            if server is None:
                errors.append({"source_server_id": raw["source_server_id"], "target_instance_id": raw["target_instance_id"], "code": "unknown_source",
                               "message": f"Override source server {raw['source_server_id']} is not among the discovered servers.",
                               "remediation": "Check the ID, Region and source_server_tags filter."})
                continue
            entry = self.entry(raw, server, instances.get(raw["target_instance_id"]), configs, claims_of)
            entry["checks"] = [c for c in entry["checks"] if not c["check"].startswith("pair_")]  # no review baseline in failback
            bad = validation.blocking(entry["checks"])
            if bad:
                entry["remediation"] = " ".join(c["remediation"] for c in bad if c.get("remediation"))
                invalid.append(entry)
            else:
                pairs.append(entry)
        summary = dict(sources=len(servers), paired=len(pairs), invalid=len(invalid), unmatched_sources=len(result["unmatched_sources"]),
                       ambiguous=0, proposals=0, blocked=0, match_rate=round(len(pairs) / len(servers), 4) if servers else 0.0,
                       pairs_from="origin")
        for method in ("exact", "fuzzy", "override", "stored", "origin"):
            summary[method] = sum(1 for p in pairs if p["method"] == method)
        return dict(changed=False, pairs=pairs, invalid_pairs=invalid, proposals=[], blocked=[], unmatched_sources=result["unmatched_sources"],
                    unmatched_targets=[], ambiguous=[], duplicates=[], reserved=[], errors=errors, summary=summary)

    def run(self):
        out = self.run_failback() if self.params["mode"] == "failback" else self.run_failover()
        summary = out["summary"]
        left = summary["sources"] - summary["paired"]
        if self.params["fail_on_unmatched"] and (left or out["errors"]):
            self.module.fail_json(msg=f"{left} of {summary['sources']} source servers have no valid target (fail_on_unmatched). "
                                      "See unmatched_sources, ambiguous, blocked and invalid_pairs for the remediation of each.",
                                  remediation="Fix each server as its remediation says, or review the pairs with the pair playbook.", **out)
        if out["errors"]:
            self.module.fail_json(msg="Some overrides are invalid: " + "; ".join(e["message"] for e in out["errors"]),
                                  remediation=" ".join(e.get("remediation") or "" for e in out["errors"]).strip(), **out)
        self.module.exit_json(**out)


PAIR_SPEC = dict(source_server_id=dict(type="str", required=True), target_instance_id=dict(type="str", required=True))


def main():
    argument_spec = dict(
        source_server_ids=dict(type="list", elements="str"),
        source_server_tags=dict(type="dict"),
        target_tags=dict(type="dict", default={"AWSDRS": "AllowLaunchingIntoThisInstance"}),
        target_states=dict(type="list", elements="str", default=["stopped"]),
        name_sources=dict(type="list", elements="str", choices=["drs_tag", "origin_instance_tag", "hostname"],
                          default=["drs_tag", "origin_instance_tag", "hostname"]),
        origin_assume_role=ASSUME_ROLE_SPEC,
        recovery_assume_role=ASSUME_ROLE_SPEC,
        pairs_from=dict(type="str", choices=["match", "stored"], default="match"),
        fuzzy=dict(type="bool", default=False),
        fuzzy_threshold=dict(type="float", default=88.0),
        ambiguity_margin=dict(type="float", default=5.0),
        fuzzy_scorer=dict(type="str", choices=["ratio+token_sort_ratio", "ratio", "token_sort_ratio", "token_set_ratio", "partial_ratio", "WRatio"],
                          default="ratio+token_sort_ratio"),
        strip_prefixes=dict(type="list", elements="str", default=[]),
        strip_suffixes=dict(type="list", elements="str", default=[]),
        overrides=dict(type="list", elements="dict", default=[], options=PAIR_SPEC),
        accepted=dict(type="list", elements="dict", default=[], options=PAIR_SPEC),
        owner_regions=dict(type="list", elements="str", default=[]),
        mode=dict(type="str", choices=["failover", "failback"], default="failover"),
        validate=dict(type="bool", default=True),
        max_lag_seconds=dict(type="int"),
        fail_on_unmatched=dict(type="bool", default=False),
    )
    module = AnsibleElasticDrAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    if module.params["fuzzy"] and not matching.HAS_RAPIDFUZZ:
        module.fail_json(msg="fuzzy=true needs the Python library rapidfuzz on the controller.",
                         remediation="pip install rapidfuzz (it is in the collection's requirements.txt), or set fuzzy=false.")
    try:
        InstanceMatcher(module).run()
    except AnsibleAWSError as e:
        module.fail_aws(e)


if __name__ == "__main__":
    main()
