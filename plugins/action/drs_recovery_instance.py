# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Runs drs_recovery_instance with the AWS connection defaults of group/aws; with ``state=reset`` and
``progress_interval`` it resets in rounds that each print how many targets are back (see plugin_utils/wait_rounds.py)."""

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import progress_lines
from ansible_collections.elastic_dr.orchestrator.plugins.plugin_utils.wait_rounds import WaitInRoundsAction


class ActionModule(WaitInRoundsAction):
    TIMEOUT_OPTION = "wait_timeout"
    IDS_OPTION = "recovery_instance_ids"
    FAILED_TEXT = "recovery instances were not cleaned up"

    def waits(self, args):
        return args.get("state") == "reset"

    def summarize(self, args, entries):
        return progress_lines.reset(entries, args.get("label") or "clean-up")
