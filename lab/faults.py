"""Failure injection, set through ``POST /_lab/faults`` (not part of AWS)."""

from __future__ import annotations

import random
import threading

KNOWN = {
    "throttle_rate": float,  # fraction of matching requests answered with throttling
    "error_rate": float,  # fraction answered with a 5xx (the request is not carried out)
    "answer_lost_rate": float,  # fraction carried out, then answered with a 5xx (DRS only): the caller must look it up
    "latency_ms": float,  # extra latency on every matching request
    "services": list,  # which services the request faults apply to (default ["drs"])
    "operations": list,  # restrict request faults to these operations (default: all)
    "launch_failure_rate": float,  # fraction of server launches that fail (LAUNCH_FAILED)
    "launch_failures": list,  # source server IDs whose launches fail
    "launch_failure_message": str,
    "deny_assume_role": list,
    "deny_operations": list,  # operations refused as an IAM policy would (AccessDenied / UnauthorizedOperation; never retried)  # role ARNs whose sts:AssumeRole is refused (AccessDenied), as a trust policy would
}


class Faults:
    def __init__(self, seed: int = 0):
        self._rng = random.Random(f"lab-faults-{seed}")
        self._lock = threading.Lock()
        self.config: dict = {}

    def set(self, config: dict) -> dict:
        unknown = sorted(set(config) - set(KNOWN))
        if unknown:
            raise ValueError(f"unknown fault settings {unknown}; known: {sorted(KNOWN)}")
        clean = {}
        for key, value in config.items():
            clean[key] = KNOWN[key](value) if KNOWN[key] is not list else list(value)
            if key.endswith("_rate") and not 0 <= clean[key] <= 1:
                raise ValueError(f"{key} must be between 0 and 1")
        with self._lock:
            self.config = clean
        return dict(clean)

    def _applies(self, service: str, operation: str) -> bool:
        services = self.config.get("services", ["drs"])
        ops = self.config.get("operations")
        return service in services and (not ops or operation in ops)

    def request_fault(self, service: str, operation: str) -> str | None:
        """``"throttle"``, ``"error"``, ``"answer_lost"``, ``"denied"`` or None for one incoming request."""
        with self._lock:
            if operation in (self.config.get("deny_operations") or []):
                return "denied"
            if not self._applies(service, operation):
                return None
            roll = self._rng.random()
            throttle = self.config.get("throttle_rate", 0.0)
            if roll < throttle:
                return "throttle"
            error = throttle + self.config.get("error_rate", 0.0)
            if roll < error:
                return "error"
            if roll < error + self.config.get("answer_lost_rate", 0.0):
                return "answer_lost"
        return None

    def denies_role(self, role_arn: str) -> bool:
        with self._lock:
            return role_arn in (self.config.get("deny_assume_role") or [])

    def latency_s(self, service: str, operation: str) -> float:
        with self._lock:
            if not self._applies(service, operation):
                return 0.0
            return self.config.get("latency_ms", 0.0) / 1000.0

    def launch_failure(self, source_server_id: str) -> str | None:
        """The rawError for a launch that should fail, or None."""
        with self._lock:
            listed = source_server_id in self.config.get("launch_failures", [])
            rate = self.config.get("launch_failure_rate", 0.0)
            hit = listed or (rate and self._rng.random() < rate)
            message = self.config.get("launch_failure_message", "Failed to launch recovery instance: InsufficientInstanceCapacity "
                                      "(injected by the lab). Retry the launch or choose another instance type.")
        return message if hit else None
