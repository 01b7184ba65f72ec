# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
module: drs_instance_match
short_description: Pair DRS source servers 1:1 with the EC2 instances they should launch into
version_added: 0.1.0
description:
  - Discovers DRS source servers (by ID or tags) and candidate targets (EC2 instances tagged
    C(AWSDRS=AllowLaunchingIntoThisInstance) by default) and pairs them by normalized name, exact first,
    then optionally fuzzy with rapidfuzz. Ambiguity (two targets with one name, near-tie fuzzy candidates,
    two sources wanting one target) is refused and reported, never guessed.
  - O(overrides) pairs win over matching and are still validated.
  - O(mode=failback) pairs each FAILBACK-direction source server with the original instance it came from,
    using DRS metadata (C(identificationHints.awsInstanceID) and the forward source server), not names.
  - Read-only; never changes anything.
author:
  - Elastic DR orchestrator contributors (@elastic-dr)
options:
  source_server_ids:
    description: Only these source servers. Default is every source server in the Region (filtered by O(source_server_tags)).
    type: list
    elements: str
  source_server_tags:
    description: Only source servers carrying all these tags, for example C(dr:wave=2).
    type: dict
  target_tags:
    description: Tags a candidate target must carry.
    type: dict
    default: {AWSDRS: AllowLaunchingIntoThisInstance}
  target_states:
    description:
      - EC2 states a candidate may be in. Tagged instances in other states are not paired but are named in the
        remediation of the source they would have matched (for example a target left running).
      - An instance that already is the recovery instance of its source server (a resumed run) is a candidate in any state.
    type: list
    elements: str
    default: [stopped]
  name_sources:
    description:
      - Where a source server's name comes from, in priority order. C(drs_tag) is the source server's Name tag;
        C(origin_instance_tag) the Name tag of the protected EC2 instance in its origin Region, C(hostname) the
        hostname hint DRS recorded.
    type: list
    elements: str
    choices: [drs_tag, origin_instance_tag, hostname]
    default: [drs_tag, origin_instance_tag, hostname]
  fuzzy:
    description: Also pair the leftovers of the exact phase by fuzzy name similarity.
    type: bool
    default: false
  fuzzy_threshold:
    description: Minimum similarity (0-100) for a fuzzy pair.
    type: float
    default: 88.0
  ambiguity_margin:
    description: A fuzzy pair needs to beat the runner-up (on both sides) by at least this many points.
    type: float
    default: 5.0
  fuzzy_scorer:
    description:
      - The rapidfuzz scorer for fuzzy matching; C(ratio+token_sort_ratio) takes the better of the two (typos and swapped tokens).
      - Whatever the scorer, numbers in the names must be equal and tokens present on both sides must agree (C(web-0012) never pairs
        with C(web-0013), C(use2) never with C(usw2)).
    type: str
    choices: [ratio+token_sort_ratio, ratio, token_sort_ratio, token_set_ratio, partial_ratio, WRatio]
    default: ratio+token_sort_ratio
  strip_prefixes:
    description: Tokens removed from the start of names before comparing (for example C(dr-)).
    type: list
    elements: str
    default: []
  strip_suffixes:
    description: Tokens removed from the end of names before comparing (for example C(-usw2)).
    type: list
    elements: str
    default: []
  overrides:
    description: Explicit pairs that win over matching; each needs C(source_server_id) and C(target_instance_id).
    type: list
    elements: dict
    default: []
  mode:
    description: C(failover) matches by name; C(failback) pairs FAILBACK-direction servers with their original instances.
    type: str
    choices: [failover, failback]
    default: failover
  validate:
    description: Run the launch-into prerequisite checks on every pair; pairs failing an error check go to RV(invalid_pairs).
    type: bool
    default: true
  max_lag_seconds:
    description: With O(validate), warn about source servers whose replication lag is above this.
    type: int
  fail_on_unmatched:
    description: Fail when any source server ends without a valid pair (strict plays).
    type: bool
    default: false
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - elastic_dr.orchestrator.assume_role
  - elastic_dr.orchestrator.assume_role.origin
  - elastic_dr.orchestrator.attributes.read_only
requirements:
  - rapidfuzz (only with O(fuzzy=true))
"""

EXAMPLES = r"""
- name: Match wave 2 exactly, then fuzzily, refusing ambiguity
  elastic_dr.orchestrator.drs_instance_match:
    region: us-west-2
    source_server_tags: {"dr:wave": "2"}
    fuzzy: true
  register: wave2

- name: Strict, fail unless every server has a valid target
  elastic_dr.orchestrator.drs_instance_match:
    source_server_ids: "{{ wave_servers }}"
    overrides:
      - {source_server_id: s-1234567890abcdef0, target_instance_id: i-0123456789abcdef0}
    fail_on_unmatched: true

- name: Failback pairs from DRS metadata, in the origin Region
  elastic_dr.orchestrator.drs_instance_match:
    region: us-east-1
    mode: failback
"""

RETURN = r"""
pairs:
  description: Valid pairs, ready for M(elastic_dr.orchestrator.drs_launch_into_config).
  returned: always
  type: list
  elements: dict
  contains:
    source_server_id: {description: DRS source server., type: str, returned: always}
    source_name: {description: The name used for matching., type: str, returned: always}
    target_instance_id: {description: EC2 instance to launch into., type: str, returned: always}
    target_name: {description: The target's Name tag., type: str, returned: always}
    target_private_ip: {description: The target's private IP (kept on launch)., type: str, returned: always}
    target_subnet_id: {description: The target's subnet., type: str, returned: always}
    target_security_groups: {description: The target's security groups., type: list, elements: str, returned: always}
    method: {description: "exact, fuzzy, override or origin.", type: str, returned: always}
    score: {description: "Similarity 0-100 (null for override and origin).", type: float, returned: always}
    checks: {description: Prerequisite checks (when validated)., type: list, elements: dict, returned: always}
invalid_pairs:
  description: Pairs found by matching that fail an error-severity check, with the checks and remediation.
  returned: always
  type: list
  elements: dict
unmatched_sources:
  description: Source servers without a target, each with a reason and a remediation.
  returned: always
  type: list
  elements: dict
unmatched_targets:
  description:
    - Candidate targets nobody claimed, each with a reason and a remediation.
    - Only when the match covers every source server of the Region (no O(source_server_ids), no O(source_server_tags)).
      With a narrower scope, a wave for example, the other targets normally belong to servers outside it; they are counted
      in the C(unmatched_targets) count of RV(summary) instead of listed.
  returned: always
  type: list
  elements: dict
ambiguous:
  description: Source servers refused because the choice was ambiguous, with the candidates and why.
  returned: always
  type: list
  elements: dict
duplicates:
  description: Groups of sources or targets sharing one normalized name.
  returned: always
  type: list
  elements: dict
errors:
  description: Problems with the overrides.
  returned: always
  type: list
  elements: dict
summary:
  description: Counts and C(match_rate) (valid pairs / source servers).
  returned: always
  type: dict
  sample: {sources: 24, targets: 25, paired: 20, exact: 18, fuzzy: 2, override: 0, invalid: 2, unmatched_sources: 1,
           ambiguous: 1, unmatched_targets: 5, match_rate: 0.83}
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import drs
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import ec2
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import matching
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import validation
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.modules import AnsibleElasticDrAWSModule
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.session import ASSUME_ROLE_SPEC
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.validation_report import pair_entry

LIVE_STATES = ("pending", "running", "stopping", "stopped")  # not shutting-down or terminated


class InstanceMatcher:
    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.drs = module.clients.client("drs")
        self.ec2 = module.clients.client("ec2")

    # ----- discovery -------------------------------------------------------------------------------
    def sources(self):
        servers = drs.describe_source_servers(self.drs, self.params.get("source_server_ids"))
        wanted_tags = {k: str(v) for k, v in (self.params.get("source_server_tags") or {}).items()}
        direction = "FAILBACK" if self.params["mode"] == "failback" else "FAILOVER"
        out = []
        for server in servers:
            tags = server.get("tags") or {}
            if any(tags.get(k) != v for k, v in wanted_tags.items()):
                continue
            if server.get("replicationDirection", "FAILOVER") != direction:
                continue
            out.append(server)
        return sorted(out, key=lambda s: s["sourceServerID"])

    def scoped(self):
        """True when the match covers only part of the Region's source servers (a wave)."""
        return bool(self.params.get("source_server_ids") or self.params.get("source_server_tags"))

    def origin_names(self, servers):
        """Name tags of the protected (origin) instances, looked up per origin account and Region.

        Only for servers that a name source ranked before C(origin_instance_tag) leaves unnamed: no EC2 call is made
        for a name that would not be used.
        """
        names = {}
        groups = {}
        earlier = self.params["name_sources"][:self.params["name_sources"].index("origin_instance_tag")]
        for server in servers:
            if self.source_name(server, {}, earlier)[0]:
                continue
            props = server.get("sourceCloudProperties") or {}
            instance_id = drs.server_origin_instance(server)
            if props.get("originRegion") and instance_id:
                groups.setdefault(props["originRegion"], []).append(instance_id)
        role = self.params.get("origin_assume_role")
        for region, ids in groups.items():
            client = self.module.clients.client("ec2", region, assume_role=role) if role else self.module.clients.client("ec2", region)
            for inst in ec2.describe_instances_by_id(client, ids):
                names[inst["InstanceId"]] = ec2.name_of(inst)
        return names

    def source_name(self, server, origin_names, name_sources=None):
        for source in self.params["name_sources"] if name_sources is None else name_sources:
            if source == "drs_tag":
                value = drs.server_name_tag(server)
            elif source == "origin_instance_tag":
                value = origin_names.get(drs.server_origin_instance(server))
            else:
                value = drs.server_hostname(server)
            if value and value.strip():
                return value, source
        return None, None

    def targets(self, states):
        """Instances carrying the target tags, in these states (filtered by EC2, not here: at 1,000 targets the
        describe is most of the module's time, and targets already launched into are running)."""
        if not states:
            return []
        filters = [{"Name": f"tag:{k}", "Values": [str(v)]} for k, v in (self.params["target_tags"] or {}).items()]
        filters.append({"Name": "instance-state-name", "Values": list(states)})
        return ec2.describe_instances(self.ec2, filters)

    def tagged(self, instance):
        tags = ec2.tags_of(instance)
        return all(tags.get(k) == str(v) for k, v in (self.params["target_tags"] or {}).items())

    def candidates(self, servers):
        """Targets in target_states, plus any server's current recovery instance (a resumed run) in any live state."""
        found = self.targets([s for s in self.params["target_states"] if s in LIVE_STATES])
        recovered = {s.get("recoveryInstanceId") for s in servers if s.get("recoveryInstanceId")} - {t["InstanceId"] for t in found}
        if recovered:
            found += [i for i in ec2.describe_instances_by_id(self.ec2, recovered)
                      if i["State"]["Name"] in LIVE_STATES and self.tagged(i)]
        return found

    def launch_configs(self, servers):
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=8) as pool:
            return dict(zip([s["sourceServerID"] for s in servers],
                            pool.map(lambda s: drs.get_launch_configuration(self.drs, s["sourceServerID"]), servers)))

    # ----- modes -----------------------------------------------------------------------------------
    def failover(self, servers):
        params = self.params
        origin_names = self.origin_names(servers) if "origin_instance_tag" in params["name_sources"] else {}
        sources = []
        for server in servers:
            name, source = self.source_name(server, origin_names)
            sources.append({"id": server["sourceServerID"], "name": name, "name_source": source})
        allowed = self.candidates(servers)
        result = matching.match_servers(
            sources,
            [{"id": t["InstanceId"], "name": ec2.name_of(t)} for t in allowed],
            overrides=params["overrides"], fuzzy=params["fuzzy"], threshold=params["fuzzy_threshold"],
            margin=params["ambiguity_margin"], strip_prefixes=params["strip_prefixes"],
            strip_suffixes=params["strip_suffixes"], scorer=params["fuzzy_scorer"],
            allow_unknown_override_targets=True)  # override targets are fetched below and validated like any pair
        result["pairs"] = [dict(source_server_id=p["source_id"], source_name=p["source_name"], target_instance_id=p["target_id"],
                                method=p["method"], score=p["score"]) for p in result["pairs"]]
        if self.scoped():
            result["unmatched_targets"] = []  # still counted in summary.unmatched_targets
        instances = {t["InstanceId"]: t for t in allowed}
        if result["unmatched_sources"]:
            # Only now: the tagged instances in other states (a running target explains an unmatched source).
            excluded = [t for t in self.targets([s for s in LIVE_STATES if s not in params["target_states"]]) if t["InstanceId"] not in instances]
            self._explain_excluded(result, excluded)
            self._explain_untagged(result)
        override_ids = [o.get("target_instance_id") for o in params["overrides"] if o.get("target_instance_id") not in instances]
        if override_ids:
            for inst in ec2.describe_instances_by_id(self.ec2, override_ids):
                instances[inst["InstanceId"]] = inst
        return result, instances

    def _explain_excluded(self, result, excluded):
        """A source whose name matches a tagged instance in the wrong state: say so, precisely."""
        if not excluded:
            return
        by_name = {}
        for inst in excluded:
            by_name.setdefault(matching.normalize_name(ec2.name_of(inst) or "", self.params["strip_prefixes"],
                                                       self.params["strip_suffixes"]), []).append(inst)
        for entry in result["unmatched_sources"]:
            hits = by_name.get(matching.normalize_name(entry.get("name") or "", self.params["strip_prefixes"],
                                                       self.params["strip_suffixes"]))
            if hits:
                desc = ", ".join(f"{i['InstanceId']} ({i['State']['Name']})" for i in hits)
                entry["reason"] = f"The only target named like it is not in target_states {self.params['target_states']}: {desc}."
                entry["remediation"] = f"Stop {' '.join(i['InstanceId'] for i in hits)} so DRS can launch into it, then run again."

    def _explain_untagged(self, result):
        """A source whose name matches an instance that lacks the target tags: tell the user to tag it."""
        if not result["unmatched_sources"] or not self.params["target_tags"]:
            return
        named = ec2.describe_instances(self.ec2, [{"Name": "tag-key", "Values": ["Name"]},
                                                  {"Name": "instance-state-name", "Values": list(LIVE_STATES)}])
        wanted = self.params["target_tags"]
        strip = (self.params["strip_prefixes"], self.params["strip_suffixes"])
        by_name = {}
        for inst in named:
            if self.tagged(inst):
                continue
            by_name.setdefault(matching.normalize_name(ec2.name_of(inst), *strip), []).append(inst["InstanceId"])
        tag_text = " ".join(f"{k}={v}" for k, v in wanted.items())
        for entry in result["unmatched_sources"]:
            hits = by_name.get(matching.normalize_name(entry.get("name") or "", *strip))
            if hits and "target_states" not in entry["reason"]:
                entry["reason"] = f"Instance {', '.join(hits)} has the right name but not the tag {tag_text}."
                entry["remediation"] = f"Tag {' '.join(hits)} with {tag_text} if it is the DR target of {entry['id']}."

    def failback(self, servers):
        """Pair each FAILBACK-direction server (A2) with the original instance (A1) from DRS metadata."""
        region = self.module.region
        result = {"pairs": [], "unmatched_sources": [], "unmatched_targets": [], "ambiguous": [], "duplicates": [], "errors": []}
        forward_by_region = {}
        originals = {}
        for server in servers:
            sid = server["sourceServerID"]
            recovery_instance = drs.server_origin_instance(server)  # B3: what A2 replicates from
            recovery_region = (server.get("sourceCloudProperties") or {}).get("originRegion")
            forward = None
            if recovery_region and recovery_instance:
                if recovery_region not in forward_by_region:
                    client = self.module.clients.client("drs", recovery_region)
                    forward_by_region[recovery_region] = drs.describe_source_servers(client)
                candidates = [f for f in forward_by_region[recovery_region]
                              if f.get("recoveryInstanceId") == recovery_instance
                              or f.get("reversedDirectionSourceServerArn") == server.get("arn")]
                forward = candidates[0] if len(candidates) == 1 else None
            original = drs.server_origin_instance(forward) if forward else None
            forward_region = ((forward or {}).get("sourceCloudProperties") or {}).get("originRegion")
            if not original or forward_region != region:
                result["unmatched_sources"].append({
                    "id": sid, "name": drs.server_hostname(server), "reason":
                    f"No forward source server in {recovery_region} records an original instance in {region} for {sid}.",
                    "remediation": "Check that reverse replication was started from the recovery instance of this server, or pass "
                                   "an override pair {source_server_id, target_instance_id} naming the original instance."})
                continue
            originals[sid] = original
            result["pairs"].append({"source_server_id": sid, "source_name": drs.server_hostname(server), "target_instance_id": original,
                                    "method": "origin", "score": None})
        for override in self.params["overrides"]:
            sid = override.get("source_server_id")
            if sid in originals or any(u["id"] == sid for u in result["unmatched_sources"]):
                result["pairs"] = [p for p in result["pairs"] if p["source_server_id"] != sid]
                result["unmatched_sources"] = [u for u in result["unmatched_sources"] if u["id"] != sid]
                result["pairs"].append({"source_server_id": sid, "source_name": None, "target_instance_id": override["target_instance_id"],
                                        "method": "override", "score": None})
        instances = {i["InstanceId"]: i for i in ec2.describe_instances_by_id(self.ec2, [p["target_instance_id"] for p in result["pairs"]])}
        return result, instances

    # ----- run -------------------------------------------------------------------------------------
    def run(self):
        params = self.params
        servers = self.sources()
        by_id = {s["sourceServerID"]: s for s in servers}
        if params["mode"] == "failback":
            result, instances = self.failback(servers)
        else:
            result, instances = self.failover(servers)
        configs = self.launch_configs(servers) if params["validate"] and servers else {}
        claims = {}
        for sid, cfg in configs.items():
            target = drs.launch_into_target(cfg)
            if target:
                claims.setdefault(target, set()).add(sid)
        pairs, invalid = [], []
        for raw in result["pairs"]:
            sid = raw.get("source_server_id")
            server = by_id.get(sid)
            if server is None:
                result.setdefault("errors", []).append({"message": f"Override source server {sid} is not among the discovered servers.",
                                                        "remediation": "Check the ID, Region and source_server_tags filter."})
                continue
            target = instances.get(raw["target_instance_id"])
            entry = pair_entry(raw, server, target)
            if params["validate"]:
                already = server.get("recoveryInstanceId") == raw["target_instance_id"]  # recovered into it (resume)
                entry["checks"] = validation.target_checks(
                    server, target, recovery_account=drs.server_account(server), recovery_region=drs.server_region(server),
                    stopped_severity="warning" if already else "error", claimed_by=claims.get(raw["target_instance_id"], set()) - {sid},
                    max_lag_seconds=params.get("max_lag_seconds"))
                bad = validation.blocking(entry["checks"])
                if bad:
                    entry["remediation"] = " ".join(c["remediation"] for c in bad)
                    invalid.append(entry)
                    continue
            else:
                entry["checks"] = []
            pairs.append(entry)
        summary = dict(result.get("summary") or {})
        summary.update(sources=len(servers), paired=len(pairs), invalid=len(invalid),
                       unmatched_sources=len(result["unmatched_sources"]), ambiguous=len(result["ambiguous"]),
                       match_rate=round(len(pairs) / len(servers), 4) if servers else 0.0)
        for method in ("exact", "fuzzy", "override", "origin"):
            summary[method] = sum(1 for p in pairs if p["method"] == method)
        out = dict(changed=False, pairs=pairs, invalid_pairs=invalid, unmatched_sources=result["unmatched_sources"],
                   unmatched_targets=result["unmatched_targets"], ambiguous=result["ambiguous"],
                   duplicates=result["duplicates"], errors=result.get("errors", []), summary=summary)
        left = len(servers) - len(pairs)
        if params["fail_on_unmatched"] and (left or out["errors"]):
            self.module.fail_json(msg=f"{left} of {len(servers)} source servers have no valid target (fail_on_unmatched). "
                                      "See unmatched_sources, ambiguous and invalid_pairs for the remediation of each.", **out)
        if out["errors"]:
            self.module.fail_json(msg="Some overrides are invalid: " + "; ".join(e["message"] for e in out["errors"]), **out)
        self.module.exit_json(**out)


def main():
    argument_spec = dict(
        source_server_ids=dict(type="list", elements="str"),
        source_server_tags=dict(type="dict"),
        target_tags=dict(type="dict", default={"AWSDRS": "AllowLaunchingIntoThisInstance"}),
        target_states=dict(type="list", elements="str", default=["stopped"]),
        name_sources=dict(type="list", elements="str", choices=["drs_tag", "origin_instance_tag", "hostname"],
                          default=["drs_tag", "origin_instance_tag", "hostname"]),
        origin_assume_role=ASSUME_ROLE_SPEC,
        fuzzy=dict(type="bool", default=False),
        fuzzy_threshold=dict(type="float", default=88.0),
        ambiguity_margin=dict(type="float", default=5.0),
        fuzzy_scorer=dict(type="str", choices=["ratio+token_sort_ratio", "ratio", "token_sort_ratio", "token_set_ratio", "partial_ratio", "WRatio"],
                          default="ratio+token_sort_ratio"),
        strip_prefixes=dict(type="list", elements="str", default=[]),
        strip_suffixes=dict(type="list", elements="str", default=[]),
        overrides=dict(type="list", elements="dict", default=[]),
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
