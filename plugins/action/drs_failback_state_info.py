# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Runs drs_failback_state_info with the AWS connection defaults of group/aws (see plugin_utils/aws_group_defaults.py)."""

from ansible_collections.elastic_dr.orchestrator.plugins.plugin_utils.aws_group_defaults import AWSGroupDefaultsAction


class ActionModule(AWSGroupDefaultsAction):
    pass
