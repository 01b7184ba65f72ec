# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
module: drs_recovery_instance_info
short_description: List DRS recovery instances, by ID or by source server
version_added: 0.1.0
description:
  - Lists the DRS recovery instances of the account in the Region (drill and recovery launches alike), optionally
    only those with given IDs or of given source servers. Nothing matching is an empty list, not an error.
  - Each instance is returned with the boto3 fields of C(DescribeRecoveryInstances) in snake_case, tag keys and
    values unchanged.
author:
  - Elastic DR orchestrator contributors (@elastic-dr)
options:
  recovery_instance_ids:
    description:
      - Only these recovery instances (C(i-) followed by hexadecimal digits). Unknown IDs are simply absent from
        the result; an empty list matches nothing.
    type: list
    elements: str
  source_server_ids:
    description:
      - Only recovery instances of these source servers. Unknown IDs are simply absent; an empty list matches
        nothing. Combined with O(recovery_instance_ids), both must match.
    type: list
    elements: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - elastic_dr.orchestrator.assume_role
  - elastic_dr.orchestrator.attributes.read_only
"""

EXAMPLES = r"""
- name: Recovery instances of a wave
  elastic_dr.orchestrator.drs_recovery_instance_info:
    region: us-west-2
    source_server_ids: "{{ dr_wave.source_server_ids }}"
  register: ris

- name: The EC2 instances they run in (launch-into keeps the target's instance ID)
  ansible.builtin.debug:
    msg: "{{ ris.recovery_instances | items2dict(key_name='source_server_id', value_name='ec2_instance_id') }}"

- name: Only the real (non-drill) recovery instances
  ansible.builtin.set_fact:
    recovered: "{{ ris.recovery_instances | rejectattr('is_drill') | map(attribute='recovery_instance_id') | list }}"
"""

RETURN = r"""
recovery_instances:
  description:
    - The matching recovery instances, sorted by ID, with the fields of C(DescribeRecoveryInstances) in snake_case
      (for example C(recovery_instance_properties), C(data_replication_info), C(failback), C(job_id)); tags are
      returned as they are.
    - An empty list when nothing matches.
  returned: always
  type: list
  elements: dict
  contains:
    recovery_instance_id:
      description: The recovery instance ID.
      type: str
      returned: always
      sample: i-a4f431733a45ff50b
    ec2_instance_id:
      description: The EC2 instance it runs in; with launch-into, the target instance.
      type: str
      returned: always
      sample: i-a4f431733a45ff50b
    source_server_id:
      description: Its source server.
      type: str
      returned: always
      sample: s-5b6d209e86dee53e4
    job_id:
      description: The job that launched it.
      type: str
      returned: always
      sample: drsjob-7a1b2c3d4e5f6a7b8
    is_drill:
      description: Launched by a drill (false for a real recovery).
      type: bool
      returned: always
      sample: true
    ec2_instance_state:
      description: The EC2 state DRS last saw, for example C(RUNNING) or C(STOPPED).
      type: str
      returned: always
      sample: RUNNING
    origin_environment:
      description: C(AWS) or C(ON_PREMISES).
      type: str
      returned: when DRS reports it
      sample: AWS
    replication_state:
      description: C(data_replication_info.data_replication_state), the state of reverse replication (null when none).
      type: str
      returned: always
      sample: NOT_STARTED
    tags:
      description: The recovery instance's tags, keys and values unchanged.
      type: dict
      returned: always
      sample: {"elastic_dr:run_id": "dr-2026-11-23"}
"""

import re

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import drs
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.modules import AnsibleElasticDrAWSModule

RECOVERY_INSTANCE_ID = re.compile(r"^i-[0-9a-fA-F]{8,17}$")
SOURCE_SERVER_ID = re.compile(r"^s-[0-9a-zA-Z]{17}$")


def describe(item):
    entry = camel_dict_to_snake_dict(item, ignore_list=["tags"])
    entry["tags"] = dict(item.get("tags") or {})
    entry["is_drill"] = bool(item.get("isDrill"))
    entry["replication_state"] = (item.get("dataReplicationInfo") or {}).get("dataReplicationState")
    return entry


def list_recovery_instances(module):
    ids, sids = module.params.get("recovery_instance_ids"), module.params.get("source_server_ids")
    if ids == [] or sids == []:
        return []  # DRS reads an empty filter as "no filter"; an empty list here means "none of them"
    items = drs.describe_recovery_instances(module.clients.client("drs"), ids, sids)
    return [describe(i) for i in sorted(items, key=lambda r: r["recoveryInstanceID"])]


def main():
    argument_spec = dict(
        recovery_instance_ids=dict(type="list", elements="str"),
        source_server_ids=dict(type="list", elements="str"),
    )
    module = AnsibleElasticDrAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    malformed = [i for i in module.params.get("recovery_instance_ids") or [] if not RECOVERY_INSTANCE_ID.match(i)]
    malformed += [i for i in module.params.get("source_server_ids") or [] if not SOURCE_SERVER_ID.match(i)]
    if malformed:
        module.fail_json(msg=f"Not DRS recovery instance (i-...) or source server (s-...) IDs: {', '.join(malformed)}.")
    try:
        recovery_instances = list_recovery_instances(module)
    except AnsibleAWSError as e:
        module.fail_aws(e)
    except (BotoCoreError, ClientError) as e:  # only from assume_role, before any DRS call
        module.fail_json_aws(e, msg="Failed to open a DRS client")
    module.exit_json(changed=False, recovery_instances=recovery_instances)


if __name__ == "__main__":
    main()
