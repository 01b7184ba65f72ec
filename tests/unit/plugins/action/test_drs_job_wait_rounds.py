# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""plugins/plugin_utils/wait_rounds.py: waiting in rounds is a loop that does not grow (issue: 244 nested rounds killed the run)."""

import inspect

from plugins.plugin_utils.wait_rounds import elapsed_text, wait_in_rounds


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_two_thousand_rounds_keep_a_flat_stack_and_print_one_line_each():
    clock = Clock()
    depths, lines, calls = [], [], []

    def run_round(seconds, fail_on_timeout):
        depths.append(len(inspect.stack(0)))
        calls.append((seconds, fail_on_timeout))
        clock.now += seconds
        done = len(calls) == 2000
        return {"done": done, "summary": {"progress": f"wave_01: {len(calls) // 20}/100 launched"}}

    result = wait_in_rounds(run_round, timeout=2000 * 15 + 100, interval=15, fail_on_timeout=True, say=lines.append, clock=clock)
    assert result["done"] and result["rounds"] == 2000
    assert len(set(depths)) == 1, "the stack grew from round to round"
    assert len(lines) == 2000 and lines[-1] == "wave_01: 100/100 launched (8:20:00 elapsed, round 2000)"
    assert all(call == (15, False) for call in calls)


def test_the_last_round_applies_the_timeout_policy_and_stops():
    clock = Clock()
    calls = []

    def run_round(seconds, fail_on_timeout):
        calls.append((seconds, fail_on_timeout))
        clock.now += seconds
        return {"done": False, "summary": {"progress": "w: 0/1 launched, 1 in progress"}}

    result = wait_in_rounds(run_round, timeout=100, interval=30, fail_on_timeout=True, say=lambda _: None, clock=clock)
    assert calls == [(30, False), (30, False), (30, False), (10, True)]
    assert result["done"] is False and result["rounds"] == 4


def test_a_failed_round_ends_the_wait_with_its_result():
    result = wait_in_rounds(lambda s, f: {"failed": True, "msg": "DRS does not know jobs drsjob-x"}, 600, 30, True, lambda _: None, Clock())
    assert result["failed"] and result["rounds"] == 1


def test_elapsed_text():
    assert elapsed_text(75) == "1:15" and elapsed_text(3725) == "1:02:05"


def test_the_timeout_message_names_the_whole_wait_not_the_last_round():
    clock = Clock()

    def run_round(seconds, fail_on_timeout):
        clock.now += seconds
        return {"done": False, "failed": fail_on_timeout, "msg": f"Timed out after {seconds} s: w: 0/1 launched."}

    result = wait_in_rounds(run_round, timeout=70, interval=30, fail_on_timeout=True, say=lambda _: None, clock=clock)
    assert result["msg"] == "Timed out after 70 s (3 rounds): w: 0/1 launched."


def test_rounds_over_instances_pass_on_only_the_waiting_ones_and_merge_every_round():
    from plugins.plugin_utils.wait_rounds import InstanceRounds

    rounds = InstanceRounds("recovery_instance_ids", "recovery instances were not reversed")
    args = {"recovery_instance_ids": ["ri-1", "ri-2", "ri-3"]}
    assert rounds.next_ids(args) == ["ri-1", "ri-2", "ri-3"]
    first = rounds.merge({"changed": True, "instances": [
        {"recovery_instance_id": "ri-1", "changed": True},
        {"recovery_instance_id": "ri-2", "changed": True, "waiting": True},
        {"recovery_instance_id": "ri-3", "changed": False, "error": "original running"}]})
    assert [e["recovery_instance_id"] for e in first["instances"]] == ["ri-1", "ri-2", "ri-3"]
    assert rounds.next_ids(args) == ["ri-2"], "a finished or failed instance is not looked at again"
    second = rounds.merge({"changed": False, "done": True, "instances": [{"recovery_instance_id": "ri-2", "changed": False}]})
    assert second["changed"] is True, "the first round changed something"
    assert [e.get("changed") for e in second["instances"]] == [True, True, False]
    assert not any(e.get("waiting") for e in second["instances"])
    concluded = rounds.conclude(second)
    assert concluded["failed"] and concluded["msg"] == "1 of 3 recovery instances were not reversed: ri-3: original running"


def test_a_wait_that_ends_with_no_failure_is_not_failed():
    from plugins.plugin_utils.wait_rounds import InstanceRounds

    rounds = InstanceRounds("recovery_instance_ids", "instances were not re-protected")
    result = rounds.conclude(rounds.merge({"changed": False, "done": True, "instances": [{"recovery_instance_id": "ri-1", "changed": False}]}))
    assert "failed" not in result and result["changed"] is False


def test_the_timeout_in_each_instance_error_names_the_whole_wait():
    from plugins.plugin_utils.wait_rounds import name_the_whole_wait

    result = {"failed": True, "done": False, "msg": "1 of 2 were not reversed: ri-1: CONTINUOUS with lag 300 s after 15 s.",
              "instances": [{"error": "Reversed server s-1 is CONTINUOUS with lag 300 s after 15 s."}, {}]}
    name_the_whole_wait(result, 15, 3600, 240)
    assert result["msg"].endswith("lag 300 s after 3600 s (240 rounds).")
    assert result["instances"][0]["error"].endswith("after 3600 s (240 rounds).")
