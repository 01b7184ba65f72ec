# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
module: drs_run_metrics
short_description: Publish a DR run's outcome as CloudWatch metrics (per run and per wave)
version_added: 0.1.0
description:
  - Turns a run record (what the C(report) role writes to C(run.json), with its verdict) into CloudWatch metrics and
    sends them with C(PutMetricData), up to 1,000 metrics per request.
  - Per run, dimensions C(Playbook) and C(Mode) - C(ServersPlanned), C(ServersLaunched), C(ServersFailed),
    C(WavesFailed), C(RunSucceeded) (1 when the verdict is PASS), C(MatchRate) (Percent), C(RunDuration),
    C(RTOAchieved) (Seconds) and C(RTOTargetMet) (when the run had an RTO target).
  - Per wave, dimensions C(Playbook), C(Mode) and C(Wave) - C(WaveServersPlanned), C(WaveServersLaunched),
    C(WaveServersFailed), C(WaveSucceeded), C(WaveDuration) and C(WaveRTOAchieved).
  - The run ID is never a dimension (one metric per run could not be graphed or alarmed on); it is in the SNS message
    and the audit table.
author:
  - Elastic DR orchestrator contributors (@elastic-dr)
options:
  record:
    description: The run record (C(run.json) content including C(verdict)).
    type: dict
    required: true
  namespace:
    description: CloudWatch namespace of the metrics.
    type: str
    default: ElasticDR
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - elastic_dr.orchestrator.assume_role
attributes:
  check_mode:
    support: full
    description: Returns the metrics it would send; sends nothing.
  diff_mode:
    support: none
    description: Metrics are data points, not configuration.
"""

EXAMPLES = r"""
- name: Metrics of the run just reported
  elastic_dr.orchestrator.drs_run_metrics:
    region: us-west-2
    record: "{{ lookup('ansible.builtin.file', 'reports/dr-20261123-0200/run.json') | from_json }}"
    namespace: ElasticDR
"""

RETURN = r"""
namespace:
  description: The namespace the metrics went to.
  returned: always
  type: str
  sample: ElasticDR
metrics:
  description: Every metric sent (or, in check mode, that would be sent).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Metric name.
      type: str
      returned: always
      sample: RTOAchieved
    value:
      description: The value.
      type: float
      returned: always
      sample: 412.0
    unit:
      description: CloudWatch unit.
      type: str
      returned: always
      sample: Seconds
    dimensions:
      description: Dimension name to value.
      type: dict
      returned: always
      sample: {"Playbook": "failover", "Mode": "drill", "Wave": "wave_01"}
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import run_telemetry
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import telemetry
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.modules import AnsibleElasticDrAWSModule


def main():
    argument_spec = dict(
        record=dict(type="dict", required=True),
        namespace=dict(type="str", default="ElasticDR"),
    )
    module = AnsibleElasticDrAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    record = module.params["record"]
    data = run_telemetry.run_metrics(record)
    for wave in record.get("waves") or []:
        data += run_telemetry.wave_metrics(record, wave)
    shown = [{"name": m["MetricName"], "value": m["Value"], "unit": m["Unit"],
              "dimensions": {d["Name"]: d["Value"] for d in m["Dimensions"]}} for m in data]
    if not module.check_mode:
        try:
            telemetry.put_metric_data(module.clients.client("cloudwatch"), module.params["namespace"], data)
        except AnsibleAWSError as e:
            module.fail_aws(e, metrics=shown)
    module.exit_json(changed=True, namespace=module.params["namespace"], metrics=shown)


if __name__ == "__main__":
    main()
