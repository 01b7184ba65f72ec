# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which DRS and EC2 errors are retried, and how: one retry layer.

amazon.aws ``AWSRetry.jittered_backoff`` around every call (``aws_retry=True`` on the clients of session.py) is the
only layer. botocore's own retries are off (``total_max_attempts: 1``): inside AWSRetry they multiplied the tries
(4 botocore attempts x 10 = 40) and their retry quota runs dry under sustained throttling. Paginated reads retry
each page, not the whole listing (paging.py); waiters poll again on throttling (waiters.py).

Budget: 20 tries per call, full jitter (a random wait up to a bound) with the bound from 0.5 s growing 1.5x to at
most 10 s: about 75 s of waiting if all 20 answers are throttled. At 50 % throttling a call fails only when 20 answers
in a row are throttled (about 1 in a million). The bound grows slowly on purpose: a module sends a wave's calls in
parallel and waits for the slowest, so the tail of the back-off, not its mean, sets the wall time (doubling from 1 s
to 20 s made a 24-server drill at 30 % throttling 5x slower than without).
The transient connection errors botocore's layer used to retry (connection reset, read timeout) are retried here too.
Everything not listed fails at once: ValidationException, AccessDeniedException, ResourceNotFoundException,
UninitializedAccountException, ServiceQuotaExceededException and ConflictException carry a decision for the
caller, not a retry.
"""

try:
    from botocore.exceptions import ClientError
    from botocore.exceptions import ConnectionError as BotocoreConnectionError
    from botocore.exceptions import HTTPClientError
except ImportError:
    ClientError = BotocoreConnectionError = HTTPClientError = type(None)  # amazon.aws's module set-up reports a missing botocore

from ansible_collections.amazon.aws.plugins.module_utils.cloud import BackoffIterator
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

TRIES = 20
FIRST_DELAY_S = 0.5
GROWTH = 1.5
MAX_DELAY_S = 10
CONNECTION_ERROR = "ConnectionError"  # the code a transient connection failure is retried under

# AWSRetry already retries RequestLimitExceeded, Throttling, InternalFailure, InternalError,
# ServiceUnavailable, Unavailable and TooManyRequestsException. DRS uses its own names:
THROTTLING_CODES = ["RequestLimitExceeded", "Throttling", "ThrottlingException", "TooManyRequestsException",
                    "ProvisionedThroughputExceededException"]
DRS_RETRY_CODES = ["ThrottlingException", "InternalServerException", "ServiceUnavailableException"]
# EC2 eventual consistency right after another call created or changed the resource.
EC2_RETRY_CODES = ["IncorrectInstanceState"]
STS_RETRY_CODES = ["IDPCommunicationError"]
NOT_RETRIED = [
    "ValidationException",
    "AccessDeniedException",
    "ResourceNotFoundException",
    "UninitializedAccountException",
    "ServiceQuotaExceededException",
    "ConflictException",
]
BOTOCORE_CONFIG = {"retries": {"mode": "standard", "total_max_attempts": 1}}

# A call that is not idempotent (StartRecovery starts a new job each time) is sent once: AWSRetry repeats it only
# when throttled, which says the request was not carried out. Any other failure (a 5xx, a lost connection) may hide
# a job that was started; the caller looks the result up before it tries again (drs_start_recovery finds the run's
# job by its tag).
ONCE_BOTOCORE_CONFIG = BOTOCORE_CONFIG


class PerCallBackoff:
    """The back-off waits, started afresh for every call.

    amazon.aws's decorator keeps one BackoffIterator for all the calls it wraps; each call restarts and advances that
    same object. Our modules send a wave's calls from a thread pool, so one call's waits grew with the other calls'
    retries (15 s waits after a single throttle were measured). Each iteration here is a new iterator.
    """

    def __init__(self, delay, backoff, max_delay):
        self.delay, self.backoff, self.max_delay = delay, backoff, max_delay

    def __iter__(self):
        return iter(BackoffIterator(delay=self.delay, backoff=self.backoff, max_delay=self.max_delay, jitter=True))


class DRRetry(AWSRetry):
    """AWSRetry that also retries botocore's transient connection errors (botocore's own retries are off) and keeps
    each call's back-off to itself when calls run in threads."""

    base_class = (ClientError, BotocoreConnectionError, HTTPClientError)

    @classmethod
    def jittered_backoff(cls, retries=TRIES, delay=FIRST_DELAY_S, backoff=GROWTH, max_delay=MAX_DELAY_S, catch_extra_error_codes=None):
        return cls.base_decorator(retries=retries, found=cls.found, status_code_from_exception=cls.status_code_from_exception,
                                  catch_extra_error_codes=catch_extra_error_codes,
                                  sleep_time_generator=PerCallBackoff(delay, backoff, max_delay))

    @staticmethod
    def status_code_from_exception(error):
        if isinstance(error, ClientError):
            return error.response["Error"]["Code"]
        return CONNECTION_ERROR


def backoff(extra_codes=None, connection_errors=True):
    """The jittered-backoff decorator of this collection (TRIES tries, FIRST_DELAY_S growing GROWTH-fold up to MAX_DELAY_S)."""
    codes = list(extra_codes or []) + ([CONNECTION_ERROR] if connection_errors else [])
    return DRRetry.jittered_backoff(retries=TRIES, delay=FIRST_DELAY_S, backoff=GROWTH, max_delay=MAX_DELAY_S, catch_extra_error_codes=codes)


DRS_ONCE_RETRY = backoff(["ThrottlingException"], connection_errors=False)
DRS_RETRY = backoff(DRS_RETRY_CODES)
EC2_RETRY = backoff(EC2_RETRY_CODES)
STS_RETRY = backoff(STS_RETRY_CODES)
# DynamoDB answers a table that is still being created or changed with ResourceInUseException.
DYNAMODB_RETRY = backoff(["ProvisionedThroughputExceededException", "ResourceInUseException"])
DEFAULT_RETRY = backoff()
RETRY_BY_SERVICE = {"drs": DRS_RETRY, "ec2": EC2_RETRY, "sts": STS_RETRY, "dynamodb": DYNAMODB_RETRY}


def retry_for(service, once=False):
    """The jittered-backoff decorator for a service's client (used with ``aws_retry=True``); ``once``: throttling only."""
    if once:
        return DRS_ONCE_RETRY
    return RETRY_BY_SERVICE.get(service, DEFAULT_RETRY)
