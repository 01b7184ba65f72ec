# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Clients per service and Region, optionally through an assumed role (cross-account with ExternalId).

Credentials from STS live only in this process: they never enter results, logs or Ansible variables.
"""

import threading

try:
    import botocore
except ImportError:
    pass  # amazon.aws's module set-up reports a missing botocore

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.retry import BOTOCORE_CONFIG
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.retry import ONCE_BOTOCORE_CONFIG
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.retry import retry_for

ASSUME_ROLE_REMEDIATION = ("Check the role's trust policy: it must name the account of the caller and, when it requires "
                           "sts:ExternalId, the same external_id; check that duration_seconds is within the role's maximum "
                           "session duration and that the caller may call sts:AssumeRole on the role.")

ASSUME_ROLE_SPEC = dict(
    type="dict",
    options=dict(
        role_arn=dict(type="str", required=True),
        external_id=dict(type="str", no_log=True),
        session_name=dict(type="str", default="elastic-dr-orchestrator"),
        duration_seconds=dict(type="int", default=3600),
    ),
)


class ClientFactory:
    """``clients.client("drs", region)``; cached per (service, Region, role) for one module run."""

    def __init__(self, module, assume_role=None):
        self.module = module
        self.assume_role = assume_role
        self._clients = {}
        self._credentials = {}
        self._lock = threading.Lock()

    def _role_credentials(self, role):
        key = (role["role_arn"], role.get("external_id"), role.get("session_name"))
        if key not in self._credentials:
            sts = self.module.client("sts", retry_decorator=retry_for("sts"), config=BOTOCORE_CONFIG)
            params = dict(RoleArn=role["role_arn"], RoleSessionName=role.get("session_name") or "elastic-dr-orchestrator",
                          DurationSeconds=role.get("duration_seconds") or 3600)
            if role.get("external_id"):
                params["ExternalId"] = role["external_id"]
            try:
                creds = sts.assume_role(aws_retry=True, **params)["Credentials"]
            except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
                code = getattr(exc, "response", {}).get("Error", {}).get("Code")
                self.module.fail_json_aws(exc, msg=f"Cannot assume role {role['role_arn']} ({code or 'no answer'}); nothing was done.",
                                          error_code=code, remediation=ASSUME_ROLE_REMEDIATION)
            self._credentials[key] = dict(
                aws_access_key_id=creds["AccessKeyId"],
                aws_secret_access_key=creds["SecretAccessKey"],
                aws_session_token=creds["SessionToken"],
                profile_name=None,
            )
        return self._credentials[key]

    def client(self, service, region=None, assume_role=None, once=False):
        """A retrying client; ``assume_role`` overrides the module-level role (e.g. the origin account).

        ``once``: for calls that are not idempotent (StartRecovery): sent once, repeated only when throttled
        (retry.ONCE_BOTOCORE_CONFIG); the caller looks up the result of any other failure before trying again.
        """
        role = assume_role if assume_role is not None else self.assume_role
        region = region or self.module.region
        key = (service, region, role["role_arn"] if role else None, role.get("external_id") if role else None, once)
        with self._lock:
            if key not in self._clients:
                extra = self._role_credentials(role) if role else {}
                self._clients[key] = self.module.client(service, retry_decorator=retry_for(service, once), region=region,
                                                        config=ONCE_BOTOCORE_CONFIG if once else BOTOCORE_CONFIG, **extra)
            return self._clients[key]
