# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""plugins/module_utils/retry.py: one retry layer, each call with its own back-off, connection errors retried."""

import threading

import botocore.exceptions
import pytest

from plugins.module_utils import retry


def throttled(code="ThrottlingException"):
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": "slow down"}}, "GetLaunchConfiguration")


def test_botocore_retries_are_off_so_awsretry_is_the_only_layer():
    assert retry.BOTOCORE_CONFIG == {"retries": {"mode": "standard", "total_max_attempts": 1}}


def test_each_call_starts_its_back_off_afresh_even_while_another_call_is_backing_off():
    waits = retry.PerCallBackoff(0.5, 1.5, 10)
    first = iter(waits)
    for _step in range(8):
        next(first)  # a call deep in its back-off
    bounds = []
    for _call in range(50):
        bounds.append(next(iter(waits)))  # a new call's first wait
    assert max(bounds) <= 0.5


def test_the_bound_grows_to_the_cap_and_not_past_it():
    waits = iter(retry.PerCallBackoff(0.5, 1.5, 10))
    values = [next(waits) for _call in range(40)]
    assert max(values) <= 10 and all(v >= 0 for v in values)


def test_throttling_is_retried_until_it_succeeds_in_concurrent_calls(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda s: None)
    mine = threading.local()

    @retry.DRS_RETRY
    def call():
        mine.tries = getattr(mine, "tries", 0) + 1
        if mine.tries <= retry.TRIES - 1:  # throttled on every try but the last one
            raise throttled()
        return "ok"

    results = []
    threads = [threading.Thread(target=lambda: results.append(call())) for _thread in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["ok"] * 8


def tries_of(decorator, error):
    """How many times ``decorator`` sends a call that always fails with ``error``, and what reaches the caller."""
    calls = {"n": 0}

    @decorator
    def call():
        calls["n"] += 1
        raise error

    with pytest.raises(type(error)):
        call()
    return calls["n"]


def test_a_refusal_is_not_retried_and_a_lost_connection_is(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda s: None)
    denied = botocore.exceptions.ClientError({"Error": {"Code": "UnauthorizedOperation", "Message": "no"}}, "AttachVolume")
    assert tries_of(retry.EC2_RETRY, denied) == 1
    lost = botocore.exceptions.ConnectionClosedError(endpoint_url="https://ec2.us-west-2.amazonaws.com")
    assert tries_of(retry.EC2_RETRY, lost) == retry.TRIES


def test_start_recovery_is_retried_on_throttling_only(monkeypatch):
    monkeypatch.setattr("time.sleep", lambda s: None)
    lost = botocore.exceptions.ConnectionClosedError(endpoint_url="https://drs.us-west-2.amazonaws.com")
    assert tries_of(retry.DRS_ONCE_RETRY, lost) == 1  # the job may have started: the caller looks it up, never resends blindly
    assert tries_of(retry.DRS_ONCE_RETRY, throttled()) == retry.TRIES  # throttled: DRS did not carry it out
