# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The pairing engine behind module_utils/matching.py, one concern per file.

normalize (names and keys), guards (is a fuzzy candidate another machine), scoring (rapidfuzz), evidence (IPs and
machine facts), assignment (the phases), messages (reasons and remediations), shapes (named rows).
Import the public API from ``module_utils.matching``.
"""
