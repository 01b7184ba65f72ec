# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""botocore's waiters, told to poll again when throttled.

botocore's own retries are off (retry.py), so a stock waiter that meets RequestLimitExceeded gives up with a
WaiterError (at 50 % throttling a drill died that way and left its drill instances running). These are the same
waiter models botocore ships, with one more acceptor per throttling or transient server error: state ``retry``,
so the waiter waits its delay and asks again within its own limit of attempts.
"""

import copy

try:
    import botocore.session
    from botocore.waiter import WaiterModel
    from botocore.waiter import create_waiter_with_client
except ImportError:
    pass  # amazon.aws's module set-up reports a missing botocore

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.retry import THROTTLING_CODES

TRANSIENT_CODES = ["InternalError", "InternalFailure", "ServiceUnavailable", "Unavailable"]
_MODELS = {}


def _waiter_config(service, api_version):
    key = (service, api_version)
    if key not in _MODELS:
        loader = botocore.session.get_session().get_component("data_loader")
        _MODELS[key] = loader.load_service_model(service, "waiters-2", api_version)
    return _MODELS[key]


def patient_waiter(client, waiter_name):
    """``client.get_waiter(waiter_name)`` that polls again on throttling and transient server errors."""
    raw = getattr(client, "client", client)  # amazon.aws's retrying wrapper keeps the botocore client here
    model = raw.meta.service_model
    config = _waiter_config(model.service_name, model.api_version)
    names = [n for n in config["waiters"] if botocore.xform_name(n) == waiter_name]
    if not names:
        raise ValueError(f"{model.service_name} has no waiter {waiter_name}")
    name = names[0]
    single = copy.deepcopy(config["waiters"][name])
    single["acceptors"] = list(single["acceptors"]) + [{"matcher": "error", "expected": code, "state": "retry"}
                                                       for code in THROTTLING_CODES + TRANSIENT_CODES]
    return create_waiter_with_client(name, WaiterModel({"version": 2, "waiters": {name: single}}), raw)
