# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
module: drs_run_notification
short_description: Tell people about a DR run by SNS - at its end, or when a wave fails
version_added: 0.1.0
description:
  - Publishes one plain-text message to an SNS topic (e-mail, chat and paging integrations subscribe to it).
  - O(event=run_end) - subject C([DR <verdict>] <playbook> <mode> <run id>); the body has the summary, the reasons
    for the verdict, every problem with its remediation and the report's path.
  - O(event=wave_failed) - subject C([DR wave FAILED] <wave> of <run id>); the body lists the servers that did not
    launch, with their error and remediation.
  - Message attributes C(verdict), C(event), C(playbook), C(mode), C(run_id) (and C(wave)) let subscriptions filter,
    for example to page only on C(verdict=FAIL).
author:
  - Elastic DR orchestrator contributors (@elastic-dr)
options:
  topic_arn:
    description: The SNS topic.
    type: str
    required: true
  record:
    description: The run record (C(run.json) content with C(verdict)); for O(event=wave_failed) at least C(run_id), C(playbook), C(mode).
    type: dict
    required: true
  event:
    description: What happened.
    type: str
    choices: [run_end, wave_failed]
    default: run_end
  wave:
    description: The wave record (required with O(event=wave_failed)).
    type: dict
  report_path:
    description: Where the HTML report is (or will be), for the reader.
    type: str
    default: ""
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - elastic_dr.orchestrator.assume_role
attributes:
  check_mode:
    support: full
    description: Returns the message it would publish; publishes nothing.
  diff_mode:
    support: none
    description: A message is not configuration.
"""

EXAMPLES = r"""
- name: End-of-run message
  elastic_dr.orchestrator.drs_run_notification:
    region: us-west-2
    topic_arn: arn:aws:sns:us-west-2:111111111111:dr-runs
    record: "{{ report_record | combine({'verdict': report_verdict}) }}"
    report_path: "{{ report_dir }}/report.html"
"""

RETURN = r"""
message_id:
  description: The SNS message ID (absent in check mode).
  returned: success and not check mode
  type: str
  sample: 2b2f1f5e-5c3a-4c0b-9d1e-0123456789ab
subject:
  description: The subject.
  returned: always
  type: str
  sample: "[DR PASS] failover drill dr-20261123-0200"
message:
  description: The body.
  returned: always
  type: str
attributes:
  description: The message attributes.
  returned: always
  type: dict
  sample: {"verdict": "PASS", "event": "run_end", "playbook": "failover", "mode": "drill", "run_id": "dr-20261123-0200"}
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import run_telemetry
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import telemetry
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.modules import AnsibleElasticDrAWSModule


def main():
    argument_spec = dict(
        topic_arn=dict(type="str", required=True),
        record=dict(type="dict", required=True),
        event=dict(type="str", choices=["run_end", "wave_failed"], default="run_end"),
        wave=dict(type="dict"),
        report_path=dict(type="str", default=""),
    )
    module = AnsibleElasticDrAWSModule(argument_spec=argument_spec, supports_check_mode=True,
                                       required_if=[("event", "wave_failed", ["wave"])])
    params = module.params
    if params["event"] == "wave_failed":
        subject, message, attributes = run_telemetry.wave_failed_message(params["record"], params["wave"], params["report_path"])
    else:
        subject, message, attributes = run_telemetry.run_message(params["record"], params["report_path"])
    out = dict(changed=True, subject=subject, message=message, attributes=attributes)
    if not module.check_mode:
        try:
            out["message_id"] = telemetry.publish(module.clients.client("sns"), params["topic_arn"], subject, message, attributes)
        except AnsibleAWSError as e:
            module.fail_aws(e, **out)
    module.exit_json(**out)


if __name__ == "__main__":
    main()
