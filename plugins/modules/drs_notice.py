# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r"""
module: drs_notice
short_description: Print lines for the operator (problems, wave results, the run's summary) whatever the output settings
version_added: 0.1.0
description:
  - What a DR engineer must see is printed as plain lines, one per item, in every output configuration. A
    C(ansible.builtin.debug) result is an C(ok) result, which C(ANSIBLE_DISPLAY_OK_HOSTS=false) hides, so problems found
    before the first wave, a wave's result, servers running nowhere and the run's summary would disappear with it.
  - The lines go through Ansible's display like the progress lines of the waits (ansible-runner and AWX show them in
    the job output). The task's own result is a plain C(ok) that repeats the lines in RV(msg).
author:
  - Elastic DR orchestrator contributors (@elastic-dr)
options:
  msg:
    description: A line, or a list of lines (empty lines and empty lists print nothing).
    type: raw
    required: true
  severity:
    description: C(warning) prints the lines in the warning colour; the text is the same.
    type: str
    choices: [info, warning]
    default: info
attributes:
  check_mode:
    support: full
    description: Prints the same lines.
  diff_mode:
    support: none
    description: Prints, changes nothing.
notes:
  - "An action plugin: the controller prints the lines; nothing runs on the task's host."
"""

EXAMPLES = r"""
- name: Servers that run nowhere
  elastic_dr.orchestrator.drs_notice:
    msg: "{{ ['RUNNING NOWHERE (the run will fail):'] + problems | map('elastic_dr.orchestrator.dr_problem_line') | list }}"
    severity: warning
"""

RETURN = r"""
msg:
  description: The lines printed.
  returned: always
  type: list
  elements: str
  sample: ["wave_01 SUCCEEDED: 8/8 launched; 0 problems."]
"""
