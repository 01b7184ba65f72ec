# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Long waits in one task, in rounds that each print a progress line (the action plugins of the waiting modules).

With ``progress_interval`` > 0 a task waits for up to its timeout in rounds of ``progress_interval`` seconds: each
round is one run of the module (``fail_on_timeout=false`` until the last round) and after each round its
``summary.progress`` line is printed with the elapsed time. The rounds are a loop here, so a wait of hours takes one
task and a constant amount of memory and stack (an ``include_tasks`` per round nests and kills ansible-playbook after
about 244 rounds).

Modules with a list of instances (reverse replication, re-protection, the drill clean-up's reset) are given, from the
second round on, only the instances their last round left ``waiting`` (not finished, no error); the entries of all rounds are
merged into one ``instances`` list in the order of the first round, and ``changed`` is true when any round changed
something.
"""

import re
import time

from ansible.module_utils.parsing.convert_bool import boolean
from ansible.utils.display import Display

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils import progress_lines
from ansible_collections.elastic_dr.orchestrator.plugins.plugin_utils.aws_group_defaults import AWSGroupDefaultsAction

display = Display()


def elapsed_text(seconds):
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}" if whole >= 3600 else f"{whole // 60}:{whole % 60:02d}"


def name_the_whole_wait(result, seconds, timeout, rounds):
    """The module names its own round's timeout ("after 30 s"); the operator set the whole wait's."""
    pattern = re.compile(rf"(Timed out after|after) {seconds} s\b")

    def fix(text):
        return pattern.sub(lambda m: f"{m.group(1)} {timeout} s ({rounds} rounds)", text, count=1) if isinstance(text, str) else text

    result["msg"] = fix(result.get("msg"))
    for entry in result.get("instances") or []:
        if isinstance(entry, dict) and "error" in entry:
            entry["error"] = fix(entry["error"])
    if result.get("msg") is None:
        result.pop("msg")


def wait_in_rounds(run_round, timeout, interval, fail_on_timeout, say, clock=time.monotonic):
    """Call ``run_round(seconds, fail_on_timeout)`` until the module is done, a round fails or ``timeout`` has passed.

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
        if result.get("failed") and result.get("done") is False:
            name_the_whole_wait(result, seconds, timeout, rounds)
        progress = (result.get("summary") or {}).get("progress")
        if progress:
            say(f"{progress} ({elapsed_text(clock() - started)} elapsed, round {rounds})")
        if result.get("failed") or result.get("done") or last:
            result["rounds"] = rounds
            return result


class InstanceRounds:
    """The rounds of a module over a list of instances: what the next round gets, and the merged result.

    ``failed_text`` ends the message of a wait in which some instances failed, for example "recovery instances were not
    reversed" ("2 of 8 recovery instances were not reversed: ri-1: ...; ri-2: ...").
    """

    def __init__(self, ids_option, failed_text, summarize=None, id_key="recovery_instance_id"):
        self.ids_option = ids_option
        self.failed_text = failed_text
        self.summarize = summarize  # entries of every round -> the summary (its progress line is about the whole task)
        self.id_key = id_key
        self.entries = {}
        self.order = []
        self.changed = False

    def next_ids(self, args):
        if not self.order:
            return list(args.get(self.ids_option) or [])
        return [i for i in self.order if self.entries[i].get("waiting") and not self.entries[i].get("error")]

    def merge(self, result):
        for entry in result.get("instances") or []:
            key = entry.get(self.id_key)
            if key not in self.entries:
                self.order.append(key)
            elif self.entries[key].get("changed"):
                entry["changed"] = True
            self.entries[key] = entry
        self.changed = self.changed or bool(result.get("changed"))
        if self.order:
            result["instances"] = [self.entries[i] for i in self.order]
            summary = self.summarize(result["instances"]) if self.summarize is not None and "summary" in result else None
            if summary is not None:
                result["summary"] = summary
        result["changed"] = self.changed
        return result

    def conclude(self, result):
        """The end of the wait: fail with every instance that failed in any round (a round names only its own)."""
        failed = [self.entries[i] for i in self.order if self.entries[i].get("error")]
        if failed:
            result.update(failed=True, remediation="See instances[].remediation.",
                          msg=f"{len(failed)} of {len(self.order)} {self.failed_text}: "
                              + "; ".join(f"{e.get(self.id_key)}: {e['error']}" for e in failed))
        return result


class WaitInRoundsAction(AWSGroupDefaultsAction):
    """A waiting module's action: one run without ``progress_interval``, rounds with a progress line each with it."""

    TIMEOUT_OPTION = "timeout"
    DEFAULT_TIMEOUT = 3600
    IDS_OPTION = None  # the list option narrowed from round to round (modules over instances)
    FAILED_TEXT = None  # with IDS_OPTION: see InstanceRounds

    def summarize(self, args, entries):
        """The summary of the whole task from the entries of every round (None: the last round's own summary)."""
        return None

    def waits(self, args):
        return True

    def run(self, tmp=None, task_vars=None):
        args = self.module_args()
        interval = int(args.get("progress_interval") or 0)
        in_rounds = interval > 0 and self.waits(args) and not (self.IDS_OPTION and self._task.check_mode)
        if not in_rounds or (self._task.async_val and not self._connection.has_native_async):
            return super().run(tmp, task_vars)
        result = super(AWSGroupDefaultsAction, self).run(tmp, task_vars)  # ActionBase.run: checks only, runs nothing
        timeout = int(args.get(self.TIMEOUT_OPTION) if args.get(self.TIMEOUT_OPTION) is not None else self.DEFAULT_TIMEOUT)
        fail_on_timeout = boolean(args.get("fail_on_timeout", True), strict=False)
        instances = InstanceRounds(self.IDS_OPTION, self.FAILED_TEXT, lambda entries: self.summarize(args, entries)) if self.IDS_OPTION else None

        def run_round(seconds, final_fail_on_timeout):
            round_args = dict(args, **{self.TIMEOUT_OPTION: seconds, "fail_on_timeout": final_fail_on_timeout})
            if instances is None:
                return self.run_module(round_args, task_vars)
            round_args[self.IDS_OPTION] = instances.next_ids(args)
            return instances.merge(self.run_module(round_args, task_vars))

        try:
            result.update(wait_in_rounds(run_round, timeout, interval, fail_on_timeout, display.display))
            if instances is not None:
                instances.conclude(result)
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result


class ReplicationWaitAction(WaitInRoundsAction):
    """Reverse replication and re-protection: rounds only with ``wait`` (and ``state=present``), caught-up progress."""

    TIMEOUT_OPTION = "wait_timeout"
    IDS_OPTION = "recovery_instance_ids"
    DEFAULT_LABEL = "replication"

    def waits(self, args):
        return boolean(args.get("wait", False), strict=False) and args.get("state", "present") == "present"

    def summarize(self, args, entries):
        return progress_lines.replication(entries, args.get("label") or self.DEFAULT_LABEL, int(args.get("max_lag_seconds", 60)))
