# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
module: drs_source_server_info
short_description: List DRS source servers, by ID, tags and replication direction
version_added: 0.1.0
description:
  - Lists the DRS source servers of the account in the Region, optionally only those with given IDs, carrying
    given tags, or replicating in one direction. Nothing matching is an empty list, not an error.
  - Each server is returned with the boto3 fields in snake_case (tag keys and values unchanged) plus a few
    conveniences, RV(source_servers[].name), RV(source_servers[].replication_state) and
    RV(source_servers[].lag_seconds).
  - With O(include_launch_configuration=true) each server's launch configuration is added (one
    C(GetLaunchConfiguration) call per server, eight at a time).
author:
  - Elastic DR orchestrator contributors (@elastic-dr)
options:
  source_server_ids:
    description:
      - Only these source servers (C(s-) followed by 17 characters). IDs DRS does not know are simply absent from
        the result; an empty list matches nothing.
      - Omit to list every source server in the Region.
    type: list
    elements: str
  tags:
    description:
      - Only source servers carrying all these tags with these values (compared as strings, so C(1) matches C("1")).
    type: dict
  replication_direction:
    description:
      - Only servers replicating in this direction. C(FAILOVER) servers protect the source; C(FAILBACK) servers are
        created by reverse replication of a recovery instance.
    type: str
    choices: [FAILOVER, FAILBACK]
  include_launch_configuration:
    description: Add each server's launch configuration as RV(source_servers[].launch_configuration).
    type: bool
    default: false
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - elastic_dr.orchestrator.assume_role
  - elastic_dr.orchestrator.attributes.read_only
"""

EXAMPLES = r"""
- name: List every source server in the Region
  elastic_dr.orchestrator.drs_source_server_info:
    region: us-west-2
  register: servers

- name: Wave 2, with the launch configurations
  elastic_dr.orchestrator.drs_source_server_info:
    region: us-west-2
    tags:
      "dr:wave": "2"
    include_launch_configuration: true
  register: wave2

- name: Wave 2 servers whose launch configuration does not launch into an existing instance
  ansible.builtin.debug:
    msg: >-
      {{ wave2.source_servers
         | rejectattr('launch_configuration.launch_into_instance_properties.launch_into_ec2_instance_id', 'defined')
         | map(attribute='name') | list }}

- name: Reversed (failback) servers in the origin Region, through the DR account's role
  elastic_dr.orchestrator.drs_source_server_info:
    region: us-east-1
    replication_direction: FAILBACK
    assume_role:
      role_arn: arn:aws:iam::123456789012:role/drs-orchestrator
"""

RETURN = r"""
source_servers:
  description:
    - The matching source servers, sorted by ID, with the fields of C(DescribeSourceServers) in snake_case
      (for example C(data_replication_info), C(source_properties), C(life_cycle)); tags are returned as they are.
    - An empty list when nothing matches.
  returned: always
  type: list
  elements: dict
  contains:
    source_server_id:
      description: The source server ID.
      type: str
      returned: always
      sample: s-5b6d209e86dee53e4
    arn:
      description: Its ARN.
      type: str
      returned: always
      sample: arn:aws:drs:us-west-2:123456789012:source-server/s-5b6d209e86dee53e4
    name:
      description:
        - The value of its C(Name) tag; null when it has none (the agent's hostname is in
          C(source_properties.identification_hints.hostname)).
      type: str
      returned: always
      sample: db-01
    replication_state:
      description: C(data_replication_info.data_replication_state), for example C(CONTINUOUS).
      type: str
      returned: always
      sample: CONTINUOUS
    lag_seconds:
      description: C(data_replication_info.lag_duration) in seconds; null when DRS reports no lag.
      type: float
      returned: always
      sample: 1.0
    replication_direction:
      description: C(FAILOVER) or C(FAILBACK).
      type: str
      returned: always
      sample: FAILOVER
    tags:
      description: The server's tags, keys and values unchanged.
      type: dict
      returned: always
      sample: {"Name": "db-01", "dr:wave": "1"}
    launch_configuration:
      description:
        - The server's launch configuration (C(GetLaunchConfiguration)) in snake_case, for example
          C(launch_disposition), C(copy_private_ip), C(copy_tags) and
          C(launch_into_instance_properties.launch_into_ec2_instance_id).
        - Null if the server disappeared between the two calls.
      type: dict
      returned: when O(include_launch_configuration=true)
      sample: {"launch_disposition": "STOPPED", "copy_private_ip": false, "copy_tags": false,
               "launch_into_instance_properties": {"launch_into_ec2_instance_id": "i-a4f431733a45ff50b"}}
"""

import re
from concurrent.futures import ThreadPoolExecutor

try:
    from botocore.exceptions import BotoCoreError
    from botocore.exceptions import ClientError
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import drs
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import validation
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.modules import AnsibleElasticDrAWSModule

SOURCE_SERVER_ID = re.compile(r"^s-[0-9a-zA-Z]{17}$")
LAUNCH_CONFIGURATION_WORKERS = 8


def matches(server, tags, direction):
    server_tags = server.get("tags") or {}
    if any(k not in server_tags or str(server_tags[k]) != v for k, v in tags.items()):
        return False
    return not direction or (server.get("replicationDirection") or "FAILOVER") == direction


def describe(server, launch_configurations):
    entry = camel_dict_to_snake_dict(server, ignore_list=["tags"])
    entry["tags"] = dict(server.get("tags") or {})
    entry["name"] = drs.server_name_tag(server)
    entry["replication_state"] = (server.get("dataReplicationInfo") or {}).get("dataReplicationState")
    entry["lag_seconds"] = validation.lag_seconds(server)
    if launch_configurations is not None:
        config = launch_configurations.get(server["sourceServerID"])
        entry["launch_configuration"] = (
            camel_dict_to_snake_dict(config, ignore_list=["tags"]) if config is not None else None
        )
    return entry


def list_source_servers(module):
    params = module.params
    client = module.clients.client("drs")
    tags = {str(k): str(v) for k, v in (params.get("tags") or {}).items()}
    servers = [
        s
        for s in drs.describe_source_servers(client, params.get("source_server_ids"))
        if matches(s, tags, params.get("replication_direction"))
    ]
    servers.sort(key=lambda s: s["sourceServerID"])
    launch_configurations = None
    if params["include_launch_configuration"]:
        ids = [s["sourceServerID"] for s in servers]
        with ThreadPoolExecutor(max_workers=LAUNCH_CONFIGURATION_WORKERS) as pool:
            launch_configurations = dict(zip(ids, pool.map(lambda sid: drs.get_launch_configuration(client, sid), ids)))
    return [describe(s, launch_configurations) for s in servers]


def main():
    argument_spec = dict(
        source_server_ids=dict(type="list", elements="str"),
        tags=dict(type="dict"),
        replication_direction=dict(type="str", choices=["FAILOVER", "FAILBACK"]),
        include_launch_configuration=dict(type="bool", default=False),
    )
    module = AnsibleElasticDrAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    malformed = [i for i in module.params.get("source_server_ids") or [] if not SOURCE_SERVER_ID.match(i)]
    if malformed:
        module.fail_json(msg=f"Not DRS source server IDs (s- and 17 letters or digits): {', '.join(malformed)}.")
    try:
        source_servers = list_source_servers(module)
    except AnsibleAWSError as e:
        module.fail_aws(e)
    except (BotoCoreError, ClientError) as e:  # only from assume_role, before any DRS call
        module.fail_json_aws(e, msg="Failed to open a DRS client")
    module.exit_json(changed=False, source_servers=source_servers)


if __name__ == "__main__":
    main()
