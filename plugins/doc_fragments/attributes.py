# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # Modules that only read: check mode is trivially full, there is nothing to diff.
    READ_ONLY = r"""
attributes:
  check_mode:
    support: full
    description: Read-only; the same with or without check mode.
  diff_mode:
    support: none
    description: Changes nothing, so there is nothing to diff.
"""
