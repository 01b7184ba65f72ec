"""DRS error responses in the modelled wire form (x-amzn-ErrorType + JSON body)."""

from __future__ import annotations


class DrsError(Exception):
    """An error the emulated service answers with; ``extra`` holds the modelled members."""

    code = "InternalServerException"
    status = 500
    body_has_code = True  # ThrottlingException and InternalServerException model no `code` member

    def __init__(self, message: str, **extra):
        super().__init__(message)
        self.message = message
        self.extra = {k: v for k, v in extra.items() if v is not None}
        self.headers: dict[str, str] = {}

    def body(self) -> dict:
        body = {"message": self.message, **self.extra}
        if self.body_has_code:
            body["code"] = self.code
        return body


class ValidationError(DrsError):
    code = "ValidationException"
    status = 400

    def __init__(self, message: str, field_list=None, reason: str = "fieldValidationFailed"):
        super().__init__(message, reason=reason, fieldList=list(field_list) if field_list else None)


class UninitializedAccount(DrsError):
    code = "UninitializedAccountException"
    status = 400

    def __init__(self, account: str, region: str):
        super().__init__(
            f"Account {account} is not initialized for Elastic Disaster Recovery in {region}. Call InitializeService first."
        )


class AccessDenied(DrsError):
    code = "AccessDeniedException"
    status = 403


class ResourceNotFound(DrsError):
    code = "ResourceNotFoundException"
    status = 404

    def __init__(self, message: str, resource_id: str | None = None, resource_type: str | None = None):
        super().__init__(message, resourceId=resource_id, resourceType=resource_type)


class Conflict(DrsError):
    code = "ConflictException"
    status = 409

    def __init__(self, message: str, resource_id: str | None = None, resource_type: str | None = None):
        super().__init__(message, resourceId=resource_id, resourceType=resource_type)


class QuotaExceeded(DrsError):
    code = "ServiceQuotaExceededException"
    status = 402

    def __init__(self, message: str, quota_code: str, resource_id=None, resource_type=None):
        super().__init__(
            message, serviceCode="drs", quotaCode=quota_code, resourceId=resource_id, resourceType=resource_type
        )


class Throttled(DrsError):
    code = "ThrottlingException"
    status = 429
    body_has_code = False

    def __init__(self, message: str = "Rate exceeded", retry_after: int = 1):
        super().__init__(message, serviceCode="drs", quotaCode="L-TPS00001")
        self.headers = {"Retry-After": str(retry_after)}


class InternalError(DrsError):
    code = "InternalServerException"
    status = 500
    body_has_code = False

    def __init__(self, message: str = "An internal error occurred. Retry the request.", retry_after: int = 1):
        super().__init__(message)
        self.headers = {"Retry-After": str(retry_after)}
