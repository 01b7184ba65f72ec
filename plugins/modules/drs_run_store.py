# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
module: drs_run_store
short_description: Keep a DR run's record and report in S3, and read them back in the next job
version_added: 0.1.0
description:
  - Run records live where the next job can find them. Under AWX each job's container is thrown away, so the failover's
    C(run.json) that a failback plans from (C(dr_failover_run_id)) must outlive the job.
  - With O(state=present), uploads local files of one run to C(s3://<bucket>/<prefix>/<run_id>/<name>), replacing the
    stored copy (one C(PutObject) per file; the files are small and the latest version is the one that counts).
  - With O(state=fetched), downloads the named files of one run into O(dest); a name that is not stored is reported in
    RV(missing), and the task fails when O(require) is true.
  - The playbooks call it as the run goes (the plan, each wave's record, the run record and the report) when
    C(dr_report_bucket) is set, and the failback fetches the failover's record from it when it is not on local disk.
author:
  - Elastic DR orchestrator contributors (@elastic-dr)
options:
  bucket:
    description: The S3 bucket (it must exist; the module creates nothing but objects).
    type: str
    required: true
  prefix:
    description: Key prefix before the run ID (for example C(dr-runs)); empty for the bucket's root.
    type: str
    default: ""
  run_id:
    description: The run whose files these are.
    type: str
    required: true
  state:
    description: C(present) uploads O(files); C(fetched) downloads O(names) into O(dest).
    type: str
    choices: [present, fetched]
    default: present
  files:
    description: Local files to upload (O(state=present)); a file that does not exist is skipped and listed in RV(missing).
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: The local file.
        type: path
        required: true
      name:
        description: Its name under the run's prefix (for example C(waves/wave_01.json)); default the file's base name.
        type: str
  names:
    description: Names to download (O(state=fetched)), relative to the run's prefix.
    type: list
    elements: str
    default: [run.json]
  dest:
    description: Local directory the fetched files are written to (created when missing), keeping their names.
    type: path
  require:
    description: With O(state=fetched), fail when a name is not stored.
    type: bool
    default: true
  max_workers:
    description: Files sent or fetched in parallel.
    type: int
    default: 8
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
  - elastic_dr.orchestrator.assume_role
attributes:
  check_mode:
    support: full
    description: O(state=present) reports what it would upload and sends nothing; O(state=fetched) reads S3 and writes the local files.
  diff_mode:
    support: none
    description: Files are copied, not configured.
"""

EXAMPLES = r"""
- name: Keep the run record and report where the next AWX job finds them
  elastic_dr.orchestrator.drs_run_store:
    bucket: example-dr-records
    prefix: dr-runs
    run_id: dr-20261203-0200
    files:
      - path: reports/dr-20261203-0200/run.json
      - path: reports/dr-20261203-0200/report.html

- name: The failover's record, for the failback (a fresh job has no local copy)
  elastic_dr.orchestrator.drs_run_store:
    bucket: example-dr-records
    prefix: dr-runs
    run_id: dr-20261203-0200
    state: fetched
    names: [run.json]
    dest: reports/dr-20261203-0200
"""

RETURN = r"""
location:
  description: Where the run's files are stored.
  returned: always
  type: str
  sample: s3://example-dr-records/dr-runs/dr-20261203-0200/
uploaded:
  description: Names sent (or, in check mode, that would be sent).
  returned: always
  type: list
  elements: str
  sample: [run.json, report.html]
fetched:
  description: Local paths written (O(state=fetched)).
  returned: always
  type: list
  elements: str
missing:
  description: Local files that did not exist (present) or names that are not stored (fetched).
  returned: always
  type: list
  elements: str
"""

import os
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import record_store
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.errors import error_code
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.modules import AnsibleElasticDrAWSModule

NOT_READABLE_REMEDIATION = ("Either the run's files are not stored there (S3 says AccessDenied for a missing object unless "
                            "the caller may s3:ListBucket) or the caller lacks s3:GetObject on the bucket's dr-runs/* keys "
                            "(docs/iam/orchestrator-policy.json); check the run ID, dr_report_bucket and dr_report_prefix.")
NOT_STORED_REMEDIATION = ("Check dr_report_bucket, dr_report_prefix and the run ID: the run must have been started with the same "
                          "bucket and prefix (its report names the location), or copy its run.json into the reports directory.")


def upload(module, client, bucket, base):
    out = {"uploaded": [], "missing": []}
    todo = []
    for item in module.params["files"]:
        name = (item.get("name") or os.path.basename(item["path"])).lstrip("/")
        if not os.path.isfile(item["path"]):
            out["missing"].append(item["path"])
            continue
        todo.append((name, item["path"]))

    def one(entry):
        name, path = entry
        if not module.check_mode:
            record_store.put_file(client, bucket, base + name, path)
        return name

    with ThreadPoolExecutor(max_workers=max(1, min(module.params["max_workers"], len(todo) or 1))) as pool:
        out["uploaded"] = list(pool.map(one, todo))
    return out


def fetch(module, client, bucket, base):
    dest = module.params["dest"]
    if not dest:
        module.fail_json(msg="dest is required with state=fetched.", remediation="Name the local directory to write the files to.")
    names = [n.lstrip("/") for n in module.params["names"]]
    with ThreadPoolExecutor(max_workers=max(1, min(module.params["max_workers"], len(names) or 1))) as pool:
        contents = list(pool.map(lambda n: record_store.get_bytes(client, bucket, base + n), names))
    out = {"fetched": [], "missing": []}
    for name, body in zip(names, contents):
        if body is None:
            out["missing"].append(name)
            continue
        path = os.path.join(dest, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(body)
        out["fetched"].append(path)
    return out


def main():
    argument_spec = dict(
        bucket=dict(type="str", required=True),
        prefix=dict(type="str", default=""),
        run_id=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "fetched"], default="present"),
        files=dict(type="list", elements="dict", default=[], options=dict(path=dict(type="path", required=True), name=dict(type="str"))),
        names=dict(type="list", elements="str", default=["run.json"]),
        dest=dict(type="path"),
        require=dict(type="bool", default=True),
        max_workers=dict(type="int", default=8),
    )
    module = AnsibleElasticDrAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    bucket = params["bucket"]
    base = record_store.run_prefix(params["prefix"], params["run_id"])
    where = record_store.location(bucket, params["prefix"], params["run_id"])
    client = module.clients.client("s3")
    result = {"location": where, "uploaded": [], "fetched": [], "missing": []}
    try:
        result.update(upload(module, client, bucket, base) if params["state"] == "present" else fetch(module, client, bucket, base))
    except AnsibleAWSError as e:
        if params["state"] == "fetched" and error_code(e) in ("AccessDenied", "403"):
            # Without s3:ListBucket, S3 answers AccessDenied for an object that does not exist.
            module.fail_json_aws(e.exception or e, msg=f"Cannot read {where}: {e.message}", error_code=error_code(e),
                                 remediation=NOT_READABLE_REMEDIATION, **result)
        module.fail_aws(e, **result)
    if params["state"] == "fetched" and result["missing"] and params["require"]:
        module.fail_json(msg=f"Not stored at {where}: {', '.join(result['missing'])}.", remediation=NOT_STORED_REMEDIATION, **result)
    module.exit_json(changed=bool(result["uploaded"]) or bool(result["fetched"]), **result)


if __name__ == "__main__":
    main()
