"""DRS quotas (DRS_API.md §5): 100 servers per job, 20 concurrent jobs, 500 in active jobs, 1 job per server."""

from __future__ import annotations

import pytest
import yaml
from botocore.exceptions import ClientError

from lab.estate import generate


def sqe(err) -> tuple[str, str]:
    return err.value.response["Error"]["Code"], err.value.response.get("quotaCode")


def test_more_than_100_servers_in_one_job(lab, aws):
    drs = aws("drs")
    with pytest.raises(ClientError) as err:
        drs.start_recovery(sourceServers=[{"sourceServerID": f"s-{i:017d}"} for i in range(101)], isDrill=True)
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 402
    assert sqe(err) == ("ServiceQuotaExceededException", "L-B827C881")


def test_twenty_concurrent_jobs(lab, aws, truth):
    drs = aws("drs")
    ids = [s["source_server_id"] for s in truth["servers"]]
    for sid in ids[:20]:
        drs.start_recovery(sourceServers=[{"sourceServerID": sid}], isDrill=True)
    with pytest.raises(ClientError) as err:
        drs.start_recovery(sourceServers=[{"sourceServerID": ids[20]}], isDrill=True)
    assert sqe(err) == ("ServiceQuotaExceededException", "L-D88FAC3A")
    lab.advance(3600)  # the jobs complete, room again
    drs.start_recovery(sourceServers=[{"sourceServerID": ids[20]}], isDrill=True)


def test_one_active_job_per_server(lab, aws, truth):
    drs = aws("drs")
    sid = truth["servers"][0]["source_server_id"]
    drs.start_recovery(sourceServers=[{"sourceServerID": sid}], isDrill=True)
    with pytest.raises(ClientError) as err:
        drs.start_recovery(sourceServers=[{"sourceServerID": sid}], isDrill=False)
    assert err.value.response["Error"]["Code"] == "ConflictException"


def test_500_servers_across_active_jobs(lab, aws, tmp_path):
    path = tmp_path / "big.yml"
    path.write_text(yaml.safe_dump(generate(520, 1)))
    lab.reset(estate=str(path), time_scale=0)
    drs = aws("drs")
    ids = [s["sourceServerID"] for s in drs.get_paginator("describe_source_servers").paginate(filters={}).build_full_result()["items"]]
    assert len(ids) == 520
    for start in range(0, 500, 100):
        drs.start_recovery(sourceServers=[{"sourceServerID": sid} for sid in ids[start:start + 100]], isDrill=True)
    with pytest.raises(ClientError) as err:
        drs.start_recovery(sourceServers=[{"sourceServerID": sid} for sid in ids[500:510]], isDrill=True)
    assert sqe(err) == ("ServiceQuotaExceededException", "L-05AFA8C6")
