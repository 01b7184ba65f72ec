# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Shapes the module results for pairs (source server + target facts)."""

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import drs
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import ec2


def pair_entry(raw, server, target):
    """One pair as drs_instance_match returns it (and drs_launch_into_config / drs_job_wait accept)."""
    facts = ec2.summarize(target) if target else {}
    return {
        "source_server_id": server["sourceServerID"],
        "source_name": raw.get("source_name") or drs.server_name_tag(server) or drs.server_hostname(server),
        "source_hostname": drs.server_hostname(server),
        "origin_instance_id": drs.server_origin_instance(server),
        "target_instance_id": raw["target_instance_id"],
        "target_name": facts.get("name"),
        "target_private_ip": facts.get("private_ip"),
        "target_subnet_id": facts.get("subnet_id"),
        "target_security_groups": facts.get("security_groups", []),
        "target_state": facts.get("state"),
        "method": raw.get("method"),
        "score": raw.get("score"),
    }
