# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Writes a run's file on the controller in one atomic step (see plugins/modules/drs_run_file.py)."""

import os
import tempfile

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_bytes
from ansible.plugins.action import ActionBase


def octal_mode(mode, default):
    if mode in (None, ""):
        return default
    if isinstance(mode, int):
        return mode
    try:
        return int(str(mode), 8)
    except ValueError:
        raise AnsibleActionFail(f"mode must be octal, for example \"0644\"; got {mode!r}.") from None


def write_atomically(path, data, mode):
    """Replace ``path`` with ``data`` through a temporary file in the same directory; False when it already holds it."""
    try:
        with open(path, "rb") as current:
            if current.read() == data:
                return False
    except FileNotFoundError:
        pass
    directory = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return True


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        dummy_validation, args = self.validate_argument_spec(argument_spec={
            "path": {"type": "path", "required": True},
            "content": {"type": "str", "default": ""},
            "state": {"type": "str", "choices": ["file", "directory"], "default": "file"},
            "mode": {"type": "raw"},
        })
        path = os.path.abspath(args["path"])
        if self._task.check_mode:
            return dict(result, changed=not os.path.exists(path), path=path, msg="check mode: nothing written")
        try:
            if args["state"] == "directory":
                existed = os.path.isdir(path)
                os.makedirs(path, mode=octal_mode(args["mode"], 0o755), exist_ok=True)
                return dict(result, changed=not existed, path=path)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            data = to_bytes(args["content"], errors="surrogate_or_strict")
            changed = write_atomically(path, data, octal_mode(args["mode"], 0o644))
        except OSError as e:
            raise AnsibleActionFail(f"Cannot write {path}: {e.strerror}. The run keeps its record there: make the directory "
                                    "writable for the user running the playbook, or choose another one with -e dr_report_root=DIR.") from e
        return dict(result, changed=changed, path=path, size=len(data))
