# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Runs drs_reverse_replication with the AWS connection defaults of group/aws; with ``wait`` and ``progress_interval`` it waits in
rounds that each print how far replication has caught up (see plugin_utils/wait_rounds.py)."""

from ansible_collections.elastic_dr.orchestrator.plugins.plugin_utils.wait_rounds import ReplicationWaitAction


class ActionModule(ReplicationWaitAction):
    FAILED_TEXT = "recovery instances were not reversed"
    DEFAULT_LABEL = "reverse replication"
