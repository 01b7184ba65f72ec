# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Prints lines for the operator through the display, whatever display_ok_hosts says (see plugins/modules/drs_notice.py)."""

from ansible import constants as C
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

display = Display()


def notice_lines(msg):
    """The lines of ``msg`` (a string or a list of them), without empty ones."""
    items = msg if isinstance(msg, (list, tuple)) else [msg]
    return [str(item).strip() for item in items if item is not None and str(item).strip()]


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        dummy_validation, args = self.validate_argument_spec(argument_spec={
            "msg": {"type": "raw", "required": True},
            "severity": {"type": "str", "choices": ["info", "warning"], "default": "info"},
        })
        lines = notice_lines(args["msg"])
        color = C.COLOR_WARN if args["severity"] == "warning" else None
        for line in lines:
            display.display(line, color=color)
        return dict(result, changed=False, msg=lines)
