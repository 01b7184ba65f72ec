# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""module_utils/progress_lines.py: the progress line of a reverse replication, re-protection or reset wait."""

from plugins.module_utils.progress_lines import replication as summary, reset


def test_the_progress_line_says_how_many_caught_up_and_where_the_others_are():
    entries = [
        {"replication_state": "CONTINUOUS", "lag_seconds": 4},
        {"replication_state": "INITIAL_SYNC", "lag_seconds": None, "waiting": True},
        {"replication_state": "INITIAL_SYNC", "lag_seconds": None, "waiting": True},
        {"replication_state": "CONTINUOUS", "lag_seconds": 3725, "waiting": True},
        {"error": "original running"},
    ]
    out = summary(entries, "wave_01 reverse replication", 60)
    assert out == {"total": 5, "caught_up": 1, "failed": 1, "waiting": 3, "progress": (
        "wave_01 reverse replication: 1/5 caught up (CONTINUOUS, lag under 60 s), 1 failed, "
        "3 still replicating (1 CONTINUOUS, 2 INITIAL_SYNC), highest lag 1:02:05")}


def test_all_caught_up():
    assert summary([{"replication_state": "CONTINUOUS", "lag_seconds": 1}], "re-protection", 60)["progress"] == (
        "re-protection: 1/1 caught up (CONTINUOUS, lag under 60 s)")


def test_reset_progress():
    entries = [{}, {"waiting": True}, {"error": "AttachVolume denied"}, {}]
    assert reset(entries, "drill clean-up") == {"total": 4, "put_back": 2, "failed": 1, "waiting": 1,
                                                "progress": "drill clean-up: 2/4 put back, 1 failed, 1 to go"}
