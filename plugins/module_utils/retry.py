# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which DRS and EC2 errors are retried, and how.

Two layers, neither hand-written: botocore's ``standard`` retry mode (a few quick attempts inside one
call) and amazon.aws ``AWSRetry.jittered_backoff`` (the collection-wide default of 10 tries, 3 s delay,
60 s cap) around every wrapper in drs.py / ec2.py. Everything not listed here fails at once:
ValidationException, AccessDeniedException, ResourceNotFoundException, UninitializedAccountException,
ServiceQuotaExceededException and ConflictException carry a decision for the caller, not a retry.
"""

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

# AWSRetry already retries RequestLimitExceeded, Throttling, InternalFailure, InternalError,
# ServiceUnavailable, Unavailable and TooManyRequestsException. DRS uses its own names:
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
BOTOCORE_CONFIG = {"retries": {"mode": "standard", "max_attempts": 4}}

# A call that is not idempotent (StartRecovery starts a new job each time) is sent once: botocore does not repeat it
# and AWSRetry repeats only throttling, which says the request was not carried out. Any other failure (a 5xx, a lost
# connection) may hide a job that was started; the caller looks the result up before it tries again
# (drs_start_recovery finds the run's job by its tag).
ONCE_BOTOCORE_CONFIG = {"retries": {"mode": "standard", "total_max_attempts": 1}}
DRS_ONCE_RETRY = AWSRetry.jittered_backoff(catch_extra_error_codes=["ThrottlingException"])

DRS_RETRY = AWSRetry.jittered_backoff(catch_extra_error_codes=DRS_RETRY_CODES)
EC2_RETRY = AWSRetry.jittered_backoff(catch_extra_error_codes=EC2_RETRY_CODES)
STS_RETRY = AWSRetry.jittered_backoff(catch_extra_error_codes=STS_RETRY_CODES)
# DynamoDB answers a table that is still being created or changed with ResourceInUseException.
DYNAMODB_RETRY = AWSRetry.jittered_backoff(catch_extra_error_codes=["ProvisionedThroughputExceededException", "ResourceInUseException"])
TELEMETRY_RETRY = AWSRetry.jittered_backoff()
RETRY_BY_SERVICE = {"drs": DRS_RETRY, "ec2": EC2_RETRY, "sts": STS_RETRY, "dynamodb": DYNAMODB_RETRY}


def retry_for(service, once=False):
    """The jittered-backoff decorator for a service's client (used with ``aws_retry=True``); ``once``: throttling only."""
    if once:
        return DRS_ONCE_RETRY
    return RETRY_BY_SERVICE.get(service, AWSRetry.jittered_backoff())
