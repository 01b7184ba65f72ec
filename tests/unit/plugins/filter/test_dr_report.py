# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""plugins/filter/dr_report.py: the run verdict and the self-contained HTML report."""

import copy
import json
import re
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from plugins.filter.dr_report import FilterModule

FILTERS = FilterModule().filters()
verdict_of = FILTERS["dr_run_verdict"]
report_of = FILTERS["dr_report_html"]
SAMPLE = json.loads((Path(__file__).parent / "sample_run.json").read_text())
BAR = re.compile(r'<rect class="srv-bar\b')


@pytest.fixture
def sample():
    return copy.deepcopy(SAMPLE)


def all_servers(record):
    return [s for w in record["waves"] for s in w["servers"]]


def make_pass(record):
    """The sample with the failed server launched and the unmatched / ambiguous servers dropped from the plan."""
    for wave in record["waves"]:
        for server in wave["servers"]:
            if server["status"] != "launched":
                server.update(status="launched", launch_status="LAUNCHED", identity_preserved=True, ip_preserved=True,
                              ec2_instance_id=server["expected_instance_id"], private_ip=server["expected_private_ip"],
                              launched_at=wave["ended_at"], duration_s=300.0, error=None, remediation=None)
        wave["planned"] = [s["source_server_id"] for s in wave["servers"]]
        wave["problems"] = []
        wave["status"] = "succeeded"
    return record


def server(name, **extra):
    entry = {"source_server_id": f"s-{name}", "name": name, "status": "launched", "launch_status": "LAUNCHED", "critical": False,
             "identity_preserved": True, "ip_preserved": True, "job_id": "drsjob-1", "job_created_at": "2026-11-23T01:25:08.000Z",
             "launched_at": "2026-11-23T01:31:08.000Z", "duration_s": 360.0}
    entry.update(extra)
    return entry


def big_record(waves=2, per_wave=500):
    out = {"run_id": "dr-big", "playbook": "failover", "mode": "recovery", "region": "us-west-2", "rto_target_minutes": 120, "waves": []}
    for w in range(waves):
        servers = []
        for i in range(per_wave):
            status = "failed" if i % 97 == 5 else "launched"
            servers.append(server(f"w{w}-srv-{i:04d}", status=status, job_created_at=f"2026-11-23T{1 + w:02d}:00:{i % 60:02d}.000Z",
                                  launched_at=None if status == "failed" else f"2026-11-23T{1 + w:02d}:{10 + i % 40:02d}:00.000Z",
                                  duration_s=None if status == "failed" else 600.0 + i % 40 * 60, error="boom" if status == "failed" else None,
                                  remediation=f"fix w{w}-{i}" if status == "failed" else None))
        out["waves"].append({"name": f"wave_{w + 1:02d}", "number": w + 1, "status": "partial", "servers": servers,
                             "started_at": f"2026-11-23T{1 + w:02d}:00:00.000Z", "ended_at": f"2026-11-23T{1 + w:02d}:50:00.000Z", "duration_s": 3000.0})
    return out


class WellFormed(HTMLParser):
    """Checks that every opened element is closed in order (void elements aside)."""

    VOID = {"meta", "br", "rect", "line"}

    def __init__(self):
        super().__init__()
        self.stack = []
        self.errors = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> with open {self.stack[-3:]}")
        else:
            self.stack.pop()


def assert_well_formed(page):
    parser = WellFormed()
    parser.feed(page)
    assert not parser.errors, parser.errors[:3]
    assert parser.stack == []


# --- verdict ---------------------------------------------------------------------------------------------------------


def test_filters_are_exported():
    assert set(FILTERS) == {"dr_report_html", "dr_run_verdict"}


def test_sample_is_partial(sample):
    result = verdict_of(sample)
    assert result["verdict"] == "PARTIAL"
    assert set(result) == {"verdict", "reasons", "rto_met", "rto_s", "rto_target_s"}
    assert result["rto_met"] is True and result["rto_s"] == sample["summary"]["rto_s"] and result["rto_target_s"] == 3600
    text = " ".join(result["reasons"])
    assert "queue-01 (wave_02, failed)" in text and "severity error" in text
    assert "2 planned servers never started: batch-02 (wave_03), report-01 (wave_03)" in text


def test_pass(sample):
    result = verdict_of(make_pass(sample))
    assert result["verdict"] == "PASS", result["reasons"]
    assert result["rto_met"] is True
    assert any("within the target" in r for r in result["reasons"])


def test_pass_without_expectations_or_target():
    record = {"waves": [{"name": "w1", "status": "succeeded", "servers": [server("a", identity_preserved=None, ip_preserved=None)]}]}
    result = verdict_of(record)
    assert result["verdict"] == "PASS" and result["rto_met"] is None and result["rto_target_s"] is None


def test_rto_missed_fails(sample):
    record = make_pass(sample)
    record["rto_target_minutes"] = 10
    result = verdict_of(record)
    assert result["verdict"] == "FAIL" and result["rto_met"] is False and result["rto_target_s"] == 600
    assert any("missed the target 10:00" in r for r in result["reasons"])


def test_rto_is_elapsed_time_computed_from_the_servers(sample):
    record = make_pass(sample)
    del record["summary"]
    record["rto_target_minutes"] = "60"
    result = verdict_of(record)
    # Elapsed from the first job to the last verified launch, not the sum of the waves' durations (1,156.5 s).
    assert result["rto_s"] == 1246.5 != round(sum(w["duration_s"] for w in record["waves"]), 1)
    assert result["verdict"] == "PASS" and result["rto_met"] is True


def test_verdict_already_in_the_record_is_ignored(sample):
    """The report role renders ``record | combine({'verdict': verdict})``: the page judges the record itself."""
    sample["verdict"] = {"verdict": "PASS", "reasons": []}
    assert verdict_of(sample)["verdict"] == "PARTIAL"
    assert 'class="banner v-partial"' in report_of(sample)


def test_failed_wave_fails_and_skipped_wave_fails(sample):
    record = make_pass(sample)
    record["waves"][1].update(status="failed", reason="critical servers failed: s-x")
    record["waves"][2].update(status="skipped", reason="an earlier wave failed (failure_policy=stop)", servers=[], jobs=[])
    result = verdict_of(record)
    assert result["verdict"] == "FAIL"
    assert any(r.startswith("wave_02 failed: critical servers failed") for r in result["reasons"])
    assert any(r.startswith("wave_03 did not run") for r in result["reasons"])


def test_critical_server_failure_fails_even_in_a_succeeded_wave(sample):
    record = make_pass(sample)
    victim = record["waves"][0]["servers"][0]
    victim.update(status="failed", launch_status="FAILED", launched_at=None, duration_s=None, error="LAUNCH_FAILED: capacity")
    assert victim["critical"] is True
    result = verdict_of(record)
    assert result["verdict"] == "FAIL"
    assert any("critical server db-01" in r and "capacity" in r for r in result["reasons"])


def test_many_critical_failures_keep_the_reasons_short():
    record = {"waves": [{"name": "w", "status": "failed", "servers": [server(f"c{i}", critical=True, status="failed") for i in range(40)]}]}
    result = verdict_of(record)
    assert result["verdict"] == "FAIL" and len(result["reasons"]) <= 8
    assert "35 more critical servers were not recovered (see the report)" in result["reasons"]


@pytest.mark.parametrize("change", [
    {"status": "failed", "launch_status": "FAILED"},
    {"status": "identity_mismatch"},
    {"status": "ip_mismatch"},
    {"ip_preserved": False},
    {"identity_preserved": False},
])
def test_non_critical_server_trouble_is_partial(sample, change):
    record = make_pass(sample)
    record["waves"][2]["servers"][0].update(change)
    result = verdict_of(record)
    assert result["verdict"] == "PARTIAL", result["reasons"]
    assert any("web-01" in r for r in result["reasons"])


def test_unmatched_or_refused_is_partial(sample):
    record = make_pass(sample)
    record["waves"][2]["planned"].append("s-unmatched")
    record["waves"][2]["problems"] = [{"source_server_id": "s-unmatched", "kind": "refused", "severity": "error", "message": "m", "remediation": "r"}]
    result = verdict_of(record)
    assert result["verdict"] == "PARTIAL"
    assert any("1 planned server never started" in r for r in result["reasons"])


def test_warnings_do_not_block_pass(sample):
    record = make_pass(sample)
    record["waves"][0]["problems"] = [{"kind": "invalid", "severity": "warning", "message": "m", "remediation": "r"}]
    assert verdict_of(record)["verdict"] == "PASS"


@pytest.mark.parametrize("record", [None, {}, {"waves": []}, {"waves": "nonsense", "summary": 3}, {"waves": [None, 3, "x"]}])
def test_empty_or_junk_record_fails_without_error(record):
    result = verdict_of(record)
    assert result["verdict"] == "FAIL" and result["rto_s"] is None and result["rto_met"] is None
    assert "nothing was recovered" in result["reasons"][0]


# --- HTML ------------------------------------------------------------------------------------------------------------


def test_html_page_of_the_sample(sample):
    page = report_of(sample)
    assert page.startswith("<!DOCTYPE html>")
    assert_well_formed(page)
    assert 'class="banner v-partial"' in page and ">PARTIAL<" in page
    assert "dr-20261123-0125" in page and "us-west-2" in page and "us-east-1" in page
    assert page.count("<svg") == 1 and "</svg>" in page
    assert len(BAR.findall(page)) == len(all_servers(sample)) == 20
    assert 'class="rto-text"' in page  # the 60:00 target is noted (off the chart for a 20-minute run)
    for name in ("Timeline", "Waves", "Problems and what to do", "Identity and IP per server", "Clean-up actions"):
        assert f"<h2>{name}</h2>" in page
    for action in (a for w in sample["waves"] for c in w["cleanup"] for a in c["actions"]):
        assert action in page


def test_html_is_self_contained(sample):
    page = report_of(sample)
    assert "<script" not in page.lower()
    assert not re.search(r'(src|href)=|url\(|@import', page)


def test_every_remediation_is_shown(sample):
    page = report_of(sample)
    remediations = [p["remediation"] for w in sample["waves"] for p in w["problems"]]
    remediations += [s["remediation"] for s in all_servers(sample) if s.get("remediation")]
    assert len(remediations) >= 3
    for text in remediations:
        assert text in page or text.replace("'", "&#x27;") in page, text


def test_problem_without_remediation_gets_a_default(sample):
    sample["waves"][0]["problems"] = [{"kind": "unmatched", "severity": "error", "message": "no target", "remediation": None}]
    page = report_of(sample)
    row = page[page.index("no target"):]
    assert 'class="fix"' in row[:800]


def test_failed_server_without_problem_row_still_listed(sample):
    for wave in sample["waves"]:
        wave["problems"] = []
    page = report_of(sample)
    assert "queue-01" in page[page.index("<h2>Problems"):page.index("<h2>Identity")]
    assert "start a new job for this server" in page


def test_html_escapes_data(sample):
    sample["waves"][0]["servers"][0]["name"] = "<script>alert(1)</script>"
    sample["waves"][0]["problems"] = [{"kind": "failed", "message": "<b>x</b>", "remediation": "a & b \"quoted\""}]
    sample["run_id"] = "<img onerror=x>"
    page = report_of(sample)
    assert "<script>" not in page and "<img" not in page and "<b>x</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "a &amp; b &quot;quoted&quot;" in page
    assert_well_formed(page)


@pytest.mark.parametrize("record", [None, {}, {"waves": []}, {"run_id": "x", "waves": [{}]}, {"waves": [{"servers": [{}], "jobs": [{}]}]}])
def test_empty_records_render(record):
    page = report_of(record)
    assert_well_formed(page)
    assert "<svg" in page and (">FAIL<" in page or ">PARTIAL<" in page)


def test_failed_servers_without_times_render(sample):
    for s in all_servers(sample):
        if s["status"] == "failed":
            for key in ("job_created_at", "launched_at", "duration_s", "job_id"):
                s.pop(key, None)
    for wave in sample["waves"]:
        wave.pop("started_at")
    page = report_of(sample)
    assert len(BAR.findall(page)) == 20
    assert 'class="srv-bar failed notime"' in page


def test_no_times_at_all_render():
    record = {"waves": [{"name": "w", "status": "failed", "servers": [server("a", job_created_at=None, launched_at="garbage"), server("b", status="pending")]}]}
    page = report_of(record)
    assert len(BAR.findall(page)) == 2 and "no times recorded" in page


def test_bars_follow_the_clock():
    record = {"started_at": "2026-11-23T01:00:00Z", "waves": [{"name": "w", "status": "succeeded", "servers": [
        server("early", job_created_at="2026-11-23T01:00:00Z", launched_at="2026-11-23T01:05:00Z"),
        server("late", job_created_at="2026-11-23T01:05:00+00:00", launched_at="2026-11-23T01:10:00Z")]}]}
    bars = re.findall(r'<rect class="srv-bar launched" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)"', report_of(record))
    (x1, y1, w1), (x2, y2, w2) = [tuple(float(v) for v in rect) for rect in bars]
    assert x1 < x2 and y1 < y2 and abs(w1 - w2) < 0.2 and abs(x1 + w1 - x2) < 0.2


def test_rto_target_line_inside_the_chart(sample):
    sample["rto_target_minutes"] = 25
    page = report_of(sample)
    assert 'class="rto-line"' in page and "RTO target 25:00" in page


@pytest.mark.parametrize("per_wave", [10, 50, 150])
def test_bars_are_at_least_two_pixels_and_within_the_svg(per_wave):
    page = report_of(big_record(waves=1, per_wave=per_wave))
    width = float(re.search(r'<svg[^>]* width="(\d+)"', page).group(1))
    bars = re.findall(r'<rect class="srv-bar[^"]*" x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="([\d.]+)"', page)
    assert len(bars) == per_wave
    for x, w, h in bars:
        assert float(w) >= 2 and float(h) >= 2 and float(x) + float(w) <= width


def test_thousand_servers_render_fast():
    record = big_record(waves=2, per_wave=500)
    started = time.perf_counter()
    page = report_of(record)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, elapsed
    assert len(BAR.findall(page)) == 2 * 200  # rows drawn are capped per wave ...
    assert page.count("+300 more servers not drawn") == 2  # ... and the rest is noted
    assert page.count("w0-srv-0") >= 500  # every server is still in the tables
    height = int(re.search(r'<svg[^>]* height="(\d+)"', page).group(1))
    assert height > 2 * 200 * 2
    failed = [s for w in record["waves"] for s in w["servers"] if s["status"] == "failed"]
    assert len(re.findall(r'<rect class="srv-bar failed', page)) == len(failed)  # failures are always drawn
    assert verdict_of(record)["verdict"] == "PARTIAL"


def test_thousand_servers_in_ten_waves_all_drawn():
    page = report_of(big_record(waves=10, per_wave=100))
    assert len(BAR.findall(page)) == 1000


def test_reprotection_is_shown_and_a_failed_one_makes_the_run_partial(sample):
    from plugins.filter.dr_record import dr_reprotect_problems

    make_pass(sample)
    for wave in sample["waves"]:
        wave["problems"] = []
    assert verdict_of(sample)["verdict"] == "PASS"
    assert "Re-protection" not in report_of(sample)
    ok = {"recovery_instance_id": "i-0aaaaaaaaaaaaaaa1", "source_server_id": "s-0aaaaaaaaaaaaaaa1", "source_region": "us-west-2",
          "replication_state": "CONTINUOUS", "lag_seconds": 2.0, "changed": True}
    bad = {"recovery_instance_id": "i-0bbbbbbbbbbbbbbb2", "source_server_id": "s-0bbbbbbbbbbbbbbb2", "changed": False,
           "error": "The EC2 instance of i-0bbbbbbbbbbbbbbb2 is not running.", "remediation": "Start it: DRS replicates only from a running instance."}
    sample["waves"][0]["reprotected"] = [ok]
    page = report_of(sample)
    assert "<h2>Re-protection (originals replicating to the recovery Region again)</h2>" in page
    assert "s-0aaaaaaaaaaaaaaa1" in page and "CONTINUOUS" in page and "re-protected" in page
    assert verdict_of(sample)["verdict"] == "PASS"

    result = {"failed": True, "changed": True, "msg": "1 of 2 instances were not re-protected", "instances": [ok, bad]}
    problems = dr_reprotect_problems(result)
    assert [(p["kind"], p["severity"], p["source_server_id"]) for p in problems] == [("reprotect", "error", "s-0bbbbbbbbbbbbbbb2")]
    assert problems[0]["remediation"].startswith("Start it") and "same dr_run_id" in problems[0]["remediation"]
    sample["waves"][0]["reprotected"] = [ok, bad]
    sample["waves"][0]["problems"] = problems
    verdict = verdict_of(sample)
    assert verdict["verdict"] == "PARTIAL" and any("1 reprotect" in r for r in verdict["reasons"])
    assert "not running" in report_of(sample)


def test_reprotect_problems_of_skipped_and_outright_failures():
    from plugins.filter.dr_record import dr_reprotect_problems

    assert dr_reprotect_problems({}) == [] and dr_reprotect_problems({"skipped": True, "changed": False}) == []
    assert dr_reprotect_problems({"changed": True, "instances": [{"recovery_instance_id": "i-1", "changed": True}]}) == []
    outright = dr_reprotect_problems({"failed": True, "msg": "Failed to describe recovery instances: AccessDenied",
                                      "remediation": "Grant drs:DescribeRecoveryInstances."})
    assert len(outright) == 1 and outright[0]["message"].startswith("Failed to describe")
    assert outright[0]["remediation"].startswith("Grant drs:DescribeRecoveryInstances.")


def test_headline_rto_equals_the_end_of_the_timeline(sample):
    """The banner's RTO, the timeline's achieved line and the last verified bar's right edge are one moment."""
    record = make_pass(sample)
    record["incident_time"] = "2026-11-23T01:20:00.000Z"
    page = report_of(record)
    rto = verdict_of(record)["rto_s"]
    assert rto == 1554.5  # 01:20:00 -> the last verified launch at 01:45:54.5
    svg = re.search(r'<svg [^>]*data-rto-s="([^"]*)"', page)
    assert svg and float(svg.group(1)) == rto
    line = re.search(r'<line class="rto-achieved" x1="([0-9.]+)"', page)
    bars = [float(x) + float(w) for x, w in re.findall(r'<rect class="srv-bar launched" x="([0-9.]+)" y="[0-9.]+" width="([0-9.]+)"', page)]
    assert line and abs(max(bars) - float(line.group(1))) < 0.2
    assert f"{int(rto) // 60}:{int(rto) % 60:02d} vs target" in page and "from the declared incident to the last server verified" in page
