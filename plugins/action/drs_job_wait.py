# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Runs drs_job_wait with the AWS connection defaults of group/aws, in rounds that print progress.

With ``progress_interval`` > 0 one task waits for up to ``timeout`` seconds in rounds of ``progress_interval``
seconds: each round is one run of the module (``fail_on_timeout=false`` until the last round), and after each round
its ``summary.progress`` line is printed with the elapsed time. The rounds are a loop in this plugin, so a wave that
waits for hours takes one task and a constant amount of memory and stack (an ``include_tasks`` per round nests and
kills ansible-playbook after about 244 rounds).
"""

import time

from ansible.module_utils.parsing.convert_bool import boolean
from ansible.utils.display import Display

from ansible_collections.elastic_dr.orchestrator.plugins.plugin_utils.aws_group_defaults import AWSGroupDefaultsAction

display = Display()


def elapsed_text(seconds):
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}" if whole >= 3600 else f"{whole // 60}:{whole % 60:02d}"


def wait_in_rounds(run_round, timeout, interval, fail_on_timeout, say, clock=time.monotonic):
    """Call ``run_round(seconds, fail_on_timeout)`` until the jobs are done, a round fails or ``timeout`` has passed.

    Returns the last round's result with ``rounds`` (how many ran) added. ``say`` gets one progress line per round.
    """
    started = clock()
    rounds = 0
    while True:
        remaining = timeout - (clock() - started)
        last = remaining <= interval
        seconds = max(0, int(min(interval, remaining)))
        result = run_round(seconds, fail_on_timeout if last else False)
        rounds += 1
        if result.get("failed") and result.get("done") is False and isinstance(result.get("msg"), str):
            # The module names its own round's timeout; the operator set the whole wait's.
            result["msg"] = result["msg"].replace(f"Timed out after {seconds} s", f"Timed out after {timeout} s ({rounds} rounds)", 1)
        progress = (result.get("summary") or {}).get("progress")
        if progress:
            say(f"{progress} ({elapsed_text(clock() - started)} elapsed, round {rounds})")
        if result.get("failed") or result.get("done") or last:
            result["rounds"] = rounds
            return result


class ActionModule(AWSGroupDefaultsAction):

    def run(self, tmp=None, task_vars=None):
        args = self.module_args()
        interval = int(args.get("progress_interval") or 0)
        if interval <= 0 or (self._task.async_val and not self._connection.has_native_async):
            return super().run(tmp, task_vars)
        result = super(AWSGroupDefaultsAction, self).run(tmp, task_vars)  # ActionBase.run: checks only, runs nothing
        timeout = int(args.get("timeout") if args.get("timeout") is not None else 3600)
        fail_on_timeout = boolean(args.get("fail_on_timeout", True), strict=False)

        def run_round(seconds, final_fail_on_timeout):
            return self.run_module(dict(args, timeout=seconds, fail_on_timeout=final_fail_on_timeout), task_vars)

        try:
            result.update(wait_in_rounds(run_round, timeout, interval, fail_on_timeout, display.display))
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result
