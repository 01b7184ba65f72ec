# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
module: drs_run_file
short_description: Write a DR run's file (plan, wave record, run record, report) on the controller, atomically
version_added: 0.1.0
description:
  - The run's record is written as the run goes, so that a killed run still leaves one. This action writes the file in
    one step on the controller (a temporary file in the same directory, then a rename), so a kill during the write
    leaves the previous version whole, never half a JSON document.
  - Runs on the controller, where the playbooks keep the run's directory (C(dr_report_root)); it makes no AWS call and
    starts no module process, so a run writes its record in milliseconds instead of one C(stat) and one C(copy) module
    run per file.
  - With O(state=directory) it creates the directory (and its parents), which the playbooks do before the first AWS call
    so that a run whose record cannot be kept stops before it changes anything.
  - The file is replaced only when its content differs (C(changed=false) otherwise).
author:
  - Elastic DR orchestrator contributors (@elastic-dr)
options:
  path:
    description: The file (O(state=file)) or directory (O(state=directory)) on the controller; parent directories are created.
    type: path
    required: true
  content:
    description: The file's content (O(state=file)).
    type: str
    default: ""
  state:
    description: C(file) writes O(content) to O(path); C(directory) creates O(path).
    type: str
    choices: [file, directory]
    default: file
  mode:
    description: Permissions of the file or a new directory, in octal (for example C("0644")).
    type: raw
attributes:
  check_mode:
    support: full
    description: Writes nothing; the playbooks write their preview files in check mode with C(check_mode=false) on the task.
  diff_mode:
    support: none
    description: Run files are records, not configuration.
notes:
  - "An action plugin: the file is written by the controller process itself, whatever the task's host or C(delegate_to)."
"""

EXAMPLES = r"""
- name: Write the run record
  elastic_dr.orchestrator.drs_run_file:
    path: "{{ report_dir }}/run.json"
    content: "{{ record | to_nice_json }}"
    mode: "0644"
"""

RETURN = r"""
path:
  description: The absolute path written or created.
  returned: always
  type: str
  sample: /srv/dr/reports/drill-2026-12-03/run.json
size:
  description: Bytes written (O(state=file)).
  returned: when O(state=file)
  type: int
  sample: 48213
"""
