# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
module: drs_run_audit
short_description: Write a DR run's record to a DynamoDB audit table
version_added: 0.1.0
description:
  - Puts one item per run (key C(run_id)) with the account, verdict, playbook, mode, Region, start and end times, the
    summary, the verdict's reasons and, per wave and per server, the terminal status, EC2 instance and identity/IP
    checks. C(run.json) stays the full record (DynamoDB items are limited to 400 KB).
  - C(expires_at) (epoch seconds, now + O(ttl_days)) is the table's time-to-live attribute.
  - Writing the same run again replaces its item (a resumed run updates its row, it does not add one).
  - With O(create_table=true) a missing table is created on demand with the global secondary indexes
    C(account-index) (C(account_id), C(started_at)) and C(status-index) (C(verdict), C(started_at)), and time to live
    is enabled on C(expires_at); an existing table is left as it is apart from enabling time to live.
author:
  - Elastic DR orchestrator contributors (@elastic-dr)
options:
  table:
    description: The DynamoDB table name.
    type: str
    required: true
  record:
    description: The run record (C(run.json) content with C(verdict)).
    type: dict
    required: true
  account_id:
    description: The account the run recovered in; default the caller's account (C(sts:GetCallerIdentity)).
    type: str
  ttl_days:
    description: Days an item is kept before DynamoDB expires it.
    type: int
    default: 400
  create_table:
    description: Create the table (and enable time to live) when it does not exist.
    type: bool
    default: false
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - elastic_dr.orchestrator.assume_role
attributes:
  check_mode:
    support: full
    description: Returns the item and whether the table would be created; writes nothing.
  diff_mode:
    support: none
    description: An audit row is data, not configuration.
"""

EXAMPLES = r"""
- name: Audit row of the run
  elastic_dr.orchestrator.drs_run_audit:
    region: us-west-2
    table: elastic-dr-runs
    create_table: true
    record: "{{ report_record | combine({'verdict': report_verdict}) }}"
"""

RETURN = r"""
item:
  description: The item written (numbers as strings of their decimal value).
  returned: always
  type: dict
  sample: {"run_id": "dr-20261123-0200", "account_id": "111111111111", "verdict": "PASS", "expires_at": "1798000000"}
table_created:
  description: Whether the table was created (or would be, in check mode).
  returned: always
  type: bool
ttl_enabled:
  description: Whether time to live was enabled by this run (or would be, in check mode).
  returned: always
  type: bool
"""

try:
    from boto3.dynamodb.types import TypeSerializer
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import run_telemetry
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import telemetry
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.modules import AnsibleElasticDrAWSModule

TTL_ATTRIBUTE = "expires_at"


def _shown(value):
    """The item for the result: Decimals as strings (JSON has no Decimal)."""
    if isinstance(value, dict):
        return {k: _shown(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shown(v) for v in value]
    return value if isinstance(value, (str, bool, type(None))) else str(value)


def ensure_table(module, client, table):
    """(created, ttl_enabled): create a missing table when asked, enable TTL when it is off."""
    created = ttl_enabled = False
    if telemetry.describe_table(client, table) is None:
        if not module.params["create_table"]:
            module.fail_json(msg=f"DynamoDB table {table} does not exist in {module.region}.",
                             remediation="Create it (set create_table=true, or see docs/telemetry.md for its schema) or fix the table name and Region.")
        created = True
        if not module.check_mode:
            telemetry.create_table(client, table, **run_telemetry.audit_table_spec())
            telemetry.wait_table_exists(client, table)
    ttl = {} if created else telemetry.describe_time_to_live(client, table)
    if ttl.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
        ttl_enabled = True
        if not module.check_mode:
            telemetry.enable_time_to_live(client, table, TTL_ATTRIBUTE)
    return created, ttl_enabled


def main():
    argument_spec = dict(
        table=dict(type="str", required=True),
        record=dict(type="dict", required=True),
        account_id=dict(type="str"),
        ttl_days=dict(type="int", default=400),
        create_table=dict(type="bool", default=False),
    )
    module = AnsibleElasticDrAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    if not params["record"].get("run_id"):
        module.fail_json(msg="The record has no run_id.", remediation="Pass the run record the report role wrote (run.json).")
    try:
        account = params["account_id"] or telemetry.caller_account(module.clients.client("sts"))
        client = module.clients.client("dynamodb")
        created, ttl_enabled = ensure_table(module, client, params["table"])
        item = run_telemetry.audit_item(params["record"], account, params["ttl_days"])
        if not module.check_mode:
            serializer = TypeSerializer()
            telemetry.put_item(client, params["table"], {k: serializer.serialize(v) for k, v in item.items()})
    except AnsibleAWSError as e:
        module.fail_aws(e)
    module.exit_json(changed=True, item=_shown(item), table_created=created, ttl_enabled=ttl_enabled)


if __name__ == "__main__":
    main()
