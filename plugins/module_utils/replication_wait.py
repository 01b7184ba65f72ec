# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Replication state of module result entries, and waiting until they replicate (reverse replication, re-protection)."""

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import drs
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import validation
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.polling import Deadline


def refresh(entries, client_for, id_key, region_key):
    """Set ``replication_state`` and ``lag_seconds`` of each entry from its source server (``entry[id_key]`` in Region
    ``entry[region_key]``): one DescribeSourceServers per Region. ``client_for(region)`` gives the DRS client."""
    for region in {e[region_key] for e in entries}:
        ids = [e[id_key] for e in entries if e[region_key] == region]
        current = {s["sourceServerID"]: s for s in drs.describe_source_servers(client_for(region), ids)}
        for e in entries:
            server = current.get(e[id_key])
            if server is not None and e[region_key] == region:
                e.update(replication_state=(server.get("dataReplicationInfo") or {}).get("dataReplicationState"),
                         lag_seconds=validation.lag_seconds(server))


def caught_up(entry, max_lag_seconds):
    lag = entry.get("lag_seconds")
    return entry.get("replication_state") == "CONTINUOUS" and lag is not None and lag <= max_lag_seconds


def wait_until_caught_up(entries, client_for, id_key, region_key, max_lag_seconds, timeout, interval):
    """Refresh the entries until each is CONTINUOUS with lag under ``max_lag_seconds``; the entries still behind when
    ``timeout`` seconds have passed are returned (the caller says why and what to do)."""
    todo = list(entries)
    deadline = Deadline(timeout, interval)
    while todo:
        refresh(todo, client_for, id_key, region_key)
        todo = [e for e in todo if not caught_up(e, max_lag_seconds)]
        if todo and not deadline.sleep():
            return todo
    return []
