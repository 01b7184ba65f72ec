# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Drift between a stored pair (the source server's launch-into configuration) and what was reviewed.

The pair playbook records the reviewed pair on the source server (tags ``elastic_dr:pair-*``: target, its private IP
and Name at review time, the method). A failover uses a stored pair only while it is what was reviewed: the same
target, the same IP, the same Name. Each finding is a check in validation's shape (``check`` starts with ``pair_``).
"""

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import drs
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.pair_discovery import baseline_of
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.validation import check

REVIEW = ("Review the pair again: ansible-playbook elastic_dr.orchestrator.pair (preview), then with -e dr_pair_apply=true "
          "once the pair is right.")


def launch_config_in_place(config, target_id):
    """True when the launch configuration already launches into target_id with the settings launch-into needs."""
    if not config or drs.launch_into_target(config) != target_id:
        return False
    return config.get("copyPrivateIp") is False and config.get("copyTags") is False


def drift_checks(server, entry):
    """Checks of a stored pair against its review baseline (none for a pair that is not stored yet)."""
    sid, tid = entry["source_server_id"], entry["target_instance_id"]
    if entry.get("stored_target_instance_id") != tid:
        return []
    baseline = baseline_of(server)
    name_result = ((entry.get("evidence") or {}).get("name") or {}).get("result")
    if baseline is None:
        if name_result == "differs" and entry.get("method") == "stored":
            return [check("pair_reviewed", False, "error",
                          f"{sid} is stored to launch into {tid} ({entry.get('target_name')!s}), whose name differs from "
                          f"{entry.get('source_name')!s}, and the pair was never reviewed with the pair playbook.",
                          REVIEW)]
        return [check("pair_reviewed", False, "warning",
                      f"{sid} is stored to launch into {tid}; the names agree, but the pair was not reviewed with the pair playbook.",
                      REVIEW)]
    checks = []
    checks.append(check("pair_target", baseline["target_instance_id"] == tid, "error",
                        f"{sid} was reviewed to launch into {baseline['target_instance_id']}, but its launch configuration now "
                        f"launches into {tid} (changed outside the pair playbook).", REVIEW))
    if baseline.get("target_private_ip"):
        checks.append(check("pair_ip", baseline["target_private_ip"] == entry.get("target_private_ip"), "error",
                            f"Target {tid} had private IP {baseline['target_private_ip']} when the pair was reviewed; it now has "
                            f"{entry.get('target_private_ip')!s}.", REVIEW))
    if baseline.get("target_name"):
        checks.append(check("pair_name", baseline["target_name"] == (entry.get("target_name") or ""), "error",
                            f"Target {tid} was named {baseline['target_name']} when the pair was reviewed; it is now named "
                            f"{entry.get('target_name')!s}.", REVIEW))
    return checks
