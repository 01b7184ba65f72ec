# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One exception type per service; messages read "Failed to <verb> <noun> <id>: <AWS message>"."""

import functools
import inspect

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError


class AnsibleDRSError(AnsibleAWSError):
    pass


class AnsibleEC2Error(AnsibleAWSError):
    pass


class AnsibleRecordStoreError(AnsibleAWSError):
    pass


class AnsibleTelemetryError(AnsibleAWSError):
    """CloudWatch, SNS, DynamoDB and STS identity calls of the run telemetry."""


def error_code(exception):
    """The AWS error code behind one of our exceptions (or a botocore ClientError), else None."""
    inner = getattr(exception, "exception", exception)
    response = getattr(inner, "response", None) or {}
    return response.get("Error", {}).get("Code")


class _FormattingErrorHandler(AWSErrorHandler):
    """amazon.aws's handler, with ``{argument}`` placeholders in the description filled from the call."""

    @classmethod
    def common_error_handler(cls, description):
        def wrapper(func):
            signature = inspect.signature(func)

            @functools.wraps(func)
            def handler(*args, **kwargs):
                try:
                    return func(*args, **kwargs)
                except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
                    bound = signature.bind_partial(*args, **kwargs)
                    bound.apply_defaults()
                    try:
                        text = description.format(**bound.arguments)
                    except (KeyError, IndexError):
                        text = description
                    raise cls._CUSTOM_EXCEPTION(message=f"Failed to {text}", exception=e) from e

            return handler

        return wrapper


class DRSErrorHandler(_FormattingErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleDRSError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("ResourceNotFoundException")


class EC2ErrorHandler(_FormattingErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleEC2Error

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(["InvalidInstanceID.NotFound", "InvalidInstanceID.Malformed"])


class TelemetryErrorHandler(_FormattingErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleTelemetryError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(["ResourceNotFoundException", "NotFound"])


class RecordStoreErrorHandler(_FormattingErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleRecordStoreError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(["NoSuchKey", "404", "NotFound"])
