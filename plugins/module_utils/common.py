# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Collection identity, shared by module_utils and the user agent."""

COLLECTION_NAME = "elastic_dr.orchestrator"
COLLECTION_VERSION = "0.1.0"
LAUNCH_INTO_TAG_KEY = "AWSDRS"
LAUNCH_INTO_TAG_VALUE = "AllowLaunchingIntoThisInstance"
