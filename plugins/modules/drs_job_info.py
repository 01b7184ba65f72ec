# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
module: drs_job_info
short_description: List DRS jobs, by ID or by run, optionally with their logs
version_added: 0.1.0
description:
  - Lists the DRS jobs of the account in the Region, newest first, optionally only those with given IDs or of one
    run (the tag C(elastic_dr:run_id) that M(elastic_dr.orchestrator.drs_start_recovery) puts on its jobs).
    Nothing matching is an empty list, not an error.
  - Each job is returned with the boto3 fields of C(DescribeJobs) in snake_case, tag keys and values unchanged.
  - With O(include_log=true) each job's log (C(DescribeJobLogItems), one call per job, eight at a time) is added
    as RV(jobs[].log_items), oldest first.
author:
  - Elastic DR orchestrator contributors (@elastic-dr)
options:
  job_ids:
    description:
      - Only these jobs (C(drsjob-) followed by 17 characters). Unknown IDs are simply absent from the result; an
        empty list matches nothing.
    type: list
    elements: str
  run_id:
    description:
      - Only jobs whose tag C(elastic_dr:run_id) has this value. Combined with O(job_ids), both must match.
    type: str
  include_log:
    description: Add each job's log items.
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
- name: Everything a run started, with the job logs
  elastic_dr.orchestrator.drs_job_info:
    region: us-west-2
    run_id: "{{ dr_run_id }}"
    include_log: true
  register: run_jobs

- name: Why servers failed to launch
  ansible.builtin.debug:
    msg: "{{ run_jobs.jobs | map(attribute='log_items') | flatten | selectattr('event', 'equalto', 'LAUNCH_FAILED')
             | map(attribute='event_data') | list }}"

- name: Two jobs by ID
  elastic_dr.orchestrator.drs_job_info:
    region: us-west-2
    job_ids:
      - drsjob-7a1b2c3d4e5f6a7b8
      - drsjob-0f1e2d3c4b5a69788
  register: two_jobs
"""

RETURN = r"""
jobs:
  description:
    - The matching jobs, newest first, with the fields of C(DescribeJobs) in snake_case; tags are returned as they are.
    - An empty list when nothing matches.
  returned: always
  type: list
  elements: dict
  contains:
    job_id:
      description: The job ID.
      type: str
      returned: always
      sample: drsjob-7a1b2c3d4e5f6a7b8
    type:
      description: C(LAUNCH), C(TERMINATE) or C(CREATE_CONVERTED_SNAPSHOT).
      type: str
      returned: always
      sample: LAUNCH
    initiated_by:
      description: What started it, for example C(START_DRILL), C(START_RECOVERY) or C(TERMINATE_RECOVERY_INSTANCES).
      type: str
      returned: always
      sample: START_DRILL
    status:
      description: C(PENDING), C(STARTED) or C(COMPLETED); DRS has no failed status, see C(participating_servers).
      type: str
      returned: always
      sample: COMPLETED
    creation_date_time:
      description: When it was created.
      type: str
      returned: always
      sample: "2026-11-23T02:18:57.000Z"
    end_date_time:
      description: When it completed.
      type: str
      returned: when completed
      sample: "2026-11-23T02:31:12.000Z"
    participating_servers:
      description: Per source server, C(source_server_id), C(launch_status) and, once launched, C(recovery_instance_id).
      type: list
      elements: dict
      returned: always
      sample: [{"source_server_id": "s-5b6d209e86dee53e4", "launch_status": "LAUNCHED",
                "recovery_instance_id": "i-a4f431733a45ff50b"}]
    tags:
      description: The job's tags, keys and values unchanged.
      type: dict
      returned: always
      sample: {"elastic_dr:run_id": "dr-2026-11-23"}
    log_items:
      description:
        - The job's log, oldest first, each with C(event) (C(JOB_START), C(SNAPSHOT_START), C(LAUNCH_START),
          C(LAUNCH_FAILED), C(JOB_END), ...), C(log_date_time) and C(event_data) (for example C(source_server_id)
          and C(raw_error)).
      type: list
      elements: dict
      returned: when O(include_log=true)
      sample: [{"event": "JOB_START", "log_date_time": "2026-11-23T02:18:57.000Z", "event_data": {}}]
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
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.modules import AnsibleElasticDrAWSModule

RUN_TAG = "elastic_dr:run_id"
JOB_ID = re.compile(r"^drsjob-[0-9a-zA-Z]{17}$")
LOG_WORKERS = 8


def describe(job, log_items):
    entry = camel_dict_to_snake_dict(job, ignore_list=["tags"])
    entry["tags"] = dict(job.get("tags") or {})
    if log_items is not None:
        entry["log_items"] = [camel_dict_to_snake_dict(i) for i in log_items.get(job["jobID"]) or []]
    return entry


def list_jobs(module):
    params = module.params
    client = module.clients.client("drs")
    jobs = drs.describe_jobs(client, params.get("job_ids"))
    if params.get("run_id") is not None:
        jobs = [j for j in jobs if (j.get("tags") or {}).get(RUN_TAG) == params["run_id"]]
    jobs.sort(key=lambda j: (j.get("creationDateTime") or "", j["jobID"]), reverse=True)
    log_items = None
    if params["include_log"]:
        ids = [j["jobID"] for j in jobs]
        with ThreadPoolExecutor(max_workers=LOG_WORKERS) as pool:
            log_items = dict(zip(ids, pool.map(lambda job_id: drs.describe_job_log_items(client, job_id), ids)))
    return [describe(j, log_items) for j in jobs]


def main():
    argument_spec = dict(
        job_ids=dict(type="list", elements="str"),
        run_id=dict(type="str"),
        include_log=dict(type="bool", default=False),
    )
    module = AnsibleElasticDrAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    malformed = [i for i in module.params.get("job_ids") or [] if not JOB_ID.match(i)]
    if malformed:
        module.fail_json(msg=f"Not DRS job IDs (drsjob- and 17 letters or digits): {', '.join(malformed)}.")
    try:
        jobs = list_jobs(module)
    except AnsibleAWSError as e:
        module.fail_aws(e)
    except (BotoCoreError, ClientError) as e:  # only from assume_role, before any DRS call
        module.fail_json_aws(e, msg="Failed to open a DRS client")
    module.exit_json(changed=False, jobs=jobs)


if __name__ == "__main__":
    main()
