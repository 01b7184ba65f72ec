# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""plugins/module_utils/job_phases.py: each server's phase from the job log, and the wave's ETA."""

from plugins.module_utils import job_phases


def item(event, sid, at):
    return {"event": event, "eventData": {"sourceServerID": sid}, "logDateTime": at}


def test_the_latest_event_of_each_server_says_its_phase_whatever_the_order_of_the_log():
    log = [item("CONVERSION_START", "s-1", "2026-12-03T10:02:00Z"), item("SNAPSHOT_START", "s-1", "2026-12-03T10:01:00Z"),
           item("SNAPSHOT_START", "s-2", "2026-12-03T10:01:00Z"), item("LAUNCH_START", "s-3", "2026-12-03T10:03:00Z"),
           {"event": "JOB_START", "eventData": {}, "logDateTime": "2026-12-03T10:00:00Z"}]
    assert job_phases.phases(log) == {"s-1": "conversion", "s-2": "snapshot", "s-3": "launch"}


def test_phase_text_counts_only_servers_in_progress_in_phase_order():
    entries = [{"status": "in_progress", "phase": "launch"}, {"status": "pending"}, {"status": "in_progress", "phase": "snapshot"},
               {"status": "launched"}, {"status": "in_progress", "phase": "snapshot"}]
    assert job_phases.phase_text(entries) == "1 queued, 2 snapshot, 1 launch"


def test_eta_is_the_median_launch_time_left_for_the_slowest_server_in_progress():
    created = "2026-12-03T10:00:00Z"
    entries = [{"status": "launched", "duration_s": 300}, {"status": "launched", "duration_s": 600}, {"status": "launched", "duration_s": 900},
               {"status": "in_progress", "job_created_at": created}, {"status": "in_progress", "job_created_at": "2026-12-03T10:05:00Z"}]
    assert job_phases.eta(entries, "2026-12-03T10:08:00Z") == (420.0, "2026-12-03T10:15:00.000Z")


def test_no_eta_before_the_first_launch_or_when_nothing_is_left():
    assert job_phases.eta([{"status": "in_progress", "job_created_at": "2026-12-03T10:00:00Z"}], "2026-12-03T10:08:00Z") == (None, None)
    assert job_phases.eta([{"status": "launched", "duration_s": 60}], "2026-12-03T10:08:00Z") == (None, None)
