# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Runs drs_job_wait with the AWS connection defaults of group/aws; with ``progress_interval`` it waits in rounds that
each print the wave's progress line (see plugin_utils/wait_rounds.py)."""

from ansible_collections.elastic_dr.orchestrator.plugins.plugin_utils.wait_rounds import WaitInRoundsAction


class ActionModule(WaitInRoundsAction):
    TIMEOUT_OPTION = "timeout"
