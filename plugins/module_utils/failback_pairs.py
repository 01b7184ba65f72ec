# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Failback pairs from DRS metadata, not names: each FAILBACK-direction source server (replicating a recovery
instance back) with the original instance its forward source server protected."""

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import drs

ORIGIN_REMEDIATION = ("Check that reverse replication was started from the recovery instance of this server, or pass an override pair "
                      "{source_server_id: s-..., target_instance_id: i-...} naming the original instance.")


def failback_pairs(module, servers, overrides, recovery_role=None):
    """(result, target IDs) where result has pairs / unmatched_sources in drs_instance_match's shapes.

    The forward source servers are read in the recovery Region with ``recovery_role`` (the recovery account's role) when
    given: cross-account, they are not visible with the origin account's credentials the module runs with.
    """
    region = module.region
    result = {"pairs": [], "unmatched_sources": [], "unmatched_targets": [], "ambiguous": [], "duplicates": [], "errors": [],
              "proposals": [], "blocked": [], "reserved": []}
    forward_by_region = {}
    for server in servers:
        sid = server["sourceServerID"]
        recovery_instance = drs.server_origin_instance(server)  # what the failback server replicates from
        recovery_region = (server.get("sourceCloudProperties") or {}).get("originRegion")
        forward = None
        if recovery_region and recovery_instance:
            if recovery_region not in forward_by_region:
                forward_by_region[recovery_region] = drs.describe_source_servers(
                    module.clients.client("drs", recovery_region, assume_role=recovery_role or None))
            candidates = [f for f in forward_by_region[recovery_region]
                          if f.get("recoveryInstanceId") == recovery_instance or f.get("reversedDirectionSourceServerArn") == server.get("arn")]
            forward = candidates[0] if len(candidates) == 1 else None
        original = drs.server_origin_instance(forward) if forward else None
        forward_region = ((forward or {}).get("sourceCloudProperties") or {}).get("originRegion")
        if not original or forward_region != region:
            result["unmatched_sources"].append({
                "source_server_id": sid, "source_name": drs.server_hostname(server), "reason_code": "no_origin",
                "reason": f"No forward source server in {recovery_region} records an original instance in {region} for {sid}.",
                "remediation": ORIGIN_REMEDIATION, "nearest": None})
            continue
        result["pairs"].append({"source_server_id": sid, "source_name": drs.server_hostname(server), "target_instance_id": original,
                                "method": "origin", "score": None})
    for override in overrides or []:
        sid = override["source_server_id"]
        if any(p["source_server_id"] == sid for p in result["pairs"]) or any(u["source_server_id"] == sid for u in result["unmatched_sources"]):
            result["pairs"] = [p for p in result["pairs"] if p["source_server_id"] != sid]
            result["unmatched_sources"] = [u for u in result["unmatched_sources"] if u["source_server_id"] != sid]
            result["pairs"].append({"source_server_id": sid, "source_name": None, "target_instance_id": override["target_instance_id"],
                                    "method": "override", "score": None})
    return result
