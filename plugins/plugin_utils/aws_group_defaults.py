# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The action plugin of every module of the collection: AWS connection defaults from ``group/aws``.

ansible-core builds ``group/aws`` (``ansible.builtin.aws``) from amazon.aws's and community.aws's groups only, and a
third-party collection cannot join them, so ``module_defaults: {group/aws: {region: ...}}`` would not reach our modules:
they would silently use the environment's Region. This plugin applies the AWS connection options (Region, credentials,
profile, endpoint, certificates; nothing else) of ``group/aws``, ``group/amazon.aws.aws`` and ``group/community.aws.aws``
to the module, below the task's own arguments and ``group/elastic_dr.orchestrator.aws`` (already merged by Ansible).
"""

from ansible.plugins.action import ActionBase
from ansible.utils.vars import merge_hash

AWS_GROUPS = ("group/ansible.builtin.aws", "group/amazon.aws.aws", "group/community.aws.aws")
# amazon.aws's common connection options and their aliases (amazon.aws module_utils/modules.py).
CONNECTION_OPTIONS = {
    "region": ("aws_region",),
    "access_key": ("aws_access_key_id", "aws_access_key"),
    "secret_key": ("aws_secret_access_key", "aws_secret_key"),
    "session_token": ("aws_session_token",),
    "profile": ("aws_profile",),
    "endpoint_url": ("aws_endpoint_url",),
    "validate_certs": (),
    "aws_ca_bundle": (),
    "aws_config": (),
}


def group_connection_defaults(module_defaults, templar):
    """The connection options set for the AWS groups, the later group and the later module_defaults block winning."""
    merged = {}
    for block in module_defaults or []:
        for group in AWS_GROUPS:
            for key, value in (block.get(group) or {}).items():
                merged[key] = value
    out = {}
    for option, aliases in CONNECTION_OPTIONS.items():
        for name in (option,) + aliases:
            if name in merged:
                out[option] = templar.template(merged[name])
    return out


class AWSGroupDefaultsAction(ActionBase):
    """Like ansible.builtin's normal action, with the AWS group defaults below the task's arguments."""

    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = True

    def module_args(self):
        """The task's arguments with the AWS connection options of the AWS groups added where the task sets none."""
        args = dict(self._task.args)
        for option, value in group_connection_defaults(self._task.module_defaults, self._templar).items():
            if not ({option} | set(CONNECTION_OPTIONS[option])) & set(args):
                args[option] = value
        return args

    def run_module(self, args, task_vars):
        """One run of the module; the result of a failed run is returned, not raised."""
        wrap_async = self._task.async_val and not self._connection.has_native_async
        return self._execute_module(module_args=args, task_vars=task_vars, wrap_async=wrap_async)

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp  # no effect any more (as in ansible.builtin's normal action)
        result = merge_hash(result, self.run_module(self.module_args(), task_vars))
        if not (self._task.async_val and not self._connection.has_native_async):
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result
