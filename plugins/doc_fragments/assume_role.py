# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  assume_role:
    description:
      - Assume this IAM role with STS before calling DRS and EC2, for example to reach the disaster recovery
        account from an automation account.
      - The temporary credentials stay inside the module run; they are never returned or logged.
    type: dict
    suboptions:
      role_arn:
        description: ARN of the role to assume.
        type: str
        required: true
      external_id:
        description: The ExternalId the role's trust policy requires.
        type: str
      session_name:
        description: The role session name (shows in CloudTrail).
        type: str
        default: elastic-dr-orchestrator
      duration_seconds:
        description: Lifetime of the temporary credentials.
        type: int
        default: 3600
"""

    # For modules that also reach the origin account (failback, origin instance names).
    ORIGIN = r"""
options:
  origin_assume_role:
    description:
      - Role to assume for DRS and EC2 in the origin account (cross-account estates); default is the credentials
        used for the recovery account. Same suboptions as O(assume_role).
    type: dict
    suboptions:
      role_arn:
        description: ARN of the role to assume.
        type: str
        required: true
      external_id:
        description: The ExternalId the role's trust policy requires.
        type: str
      session_name:
        description: The role session name.
        type: str
        default: elastic-dr-orchestrator
      duration_seconds:
        description: Lifetime of the temporary credentials.
        type: int
        default: 3600
"""

    # For modules run in the origin Region that also read the recovery account (failback pairs, re-protection).
    RECOVERY = r"""
options:
  recovery_assume_role:
    description:
      - Role to assume for DRS in the recovery account, where the FAILOVER-direction source servers live, when it is not
        the account of O(assume_role) (the origin's in a failback). Same suboptions as O(assume_role).
    type: dict
    suboptions:
      role_arn:
        description: ARN of the role to assume.
        type: str
        required: true
      external_id:
        description: The ExternalId the role's trust policy requires.
        type: str
      session_name:
        description: The role session name.
        type: str
        default: elastic-dr-orchestrator
      duration_seconds:
        description: Lifetime of the temporary credentials.
        type: int
        default: 3600
"""
