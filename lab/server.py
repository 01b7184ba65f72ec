"""One process, one port: DRS (ours) beside moto's EC2, STS, IAM, DynamoDB, CloudWatch and SNS.

Requests whose SigV4 credential scope names service ``drs`` go to the DRS emulator; everything
else goes to moto's server. ``/_lab/*`` are admin routes (not part of AWS).
"""

from __future__ import annotations

import io
import json
import os
import re
import threading
import time
import uuid
from urllib.parse import parse_qs

from lab.drs import contract, ec2_effects
from lab.drs.errors import AccessDenied, DrsError, InternalError, Throttled, ValidationError
from lab.drs.service import DrsService, Timings
from lab.estate import load_estate, seed_estate
from lab.faults import Faults
from lab.ids import IdFactory
from lab.timeutil import Clock, iso

# ELASTIC_DR_LAB_CALL_LOG=<file>: every API call is also appended to that file as a JSON line (scripts/check_iam.py).
CALL_LOG = os.environ.get("ELASTIC_DR_LAB_CALL_LOG", "")
SCOPE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/aws4_request")
READ_PREFIXES = ("Describe", "Get", "Head", "List", "Query", "Scan", "BatchGet", "AssumeRole", "Search", "Lookup")
# Places where the botocore model contradicts what the service really sends; these are not violations.
MODEL_QUIRKS = [
    # RecoveryInstance lagDuration is typed as a datetime string; the value is a duration (DRS_API.md §3).
    re.compile(r"^items\[\d+\]\.dataReplicationInfo\.lagDuration: (value '[^']*' does not match the pattern|length \d+ is below)"),
    # EbsVolumeID allows vol- + 17 hex digits by pattern (21 characters) but says max length 19.
    re.compile(r"\.ebsVolumeID: length 21 is above the maximum 19"),
]


def is_mutating(operation: str) -> bool:
    return not operation.startswith(READ_PREFIXES)


class LabApp:
    """The WSGI application; ``reset`` re-seeds everything from the estate."""

    def __init__(self, estate_path: str | None = None, seed: int = 0, time_scale: float = 60.0, strict: bool = False):
        self.lock = threading.RLock()
        self.strict = strict
        self.estate_path = estate_path
        self.seed = seed
        self.time_scale = time_scale
        self.calls: list[dict] = []
        self.violations: list[dict] = []
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        from lab import moto_patches

        moto_patches.apply()

        self.moto = DomainDispatcherApplication(create_backend_app)
        self.reset()

    # ----- lifecycle -------------------------------------------------------------------------------
    def reset(self, estate_path: str | None = None, seed: int | None = None, time_scale: float | None = None) -> dict:
        with self.lock:
            from moto.moto_api._internal import moto_api_backend

            moto_api_backend.reset()
            ec2_effects.clear_index()
            if estate_path is not None:
                self.estate_path = estate_path
            if seed is not None:
                self.seed = seed
            if time_scale is not None:
                self.time_scale = time_scale
            estate = load_estate(self.estate_path) if self.estate_path else {}
            self.clock = Clock(self.time_scale)
            self.ids = IdFactory(self.seed)
            self.faults = Faults(self.seed)
            self.drs = DrsService(self.clock, self.ids, Timings.from_dict(estate.get("timings")), self.faults, self.seed)
            self.calls = []
            self.violations = []
            self.estate = seed_estate(estate, self.drs, self.ids) if estate else {"servers": [], "targets": []}
            return {"estate": self.estate.get("name"), "servers": len(self.estate["servers"])}

    # ----- WSGI ------------------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith("/_lab/") or path == "/_lab":
            return self._admin(environ, start_response)
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)) if environ.get("CONTENT_LENGTH") else b""
        environ["wsgi.input"] = io.BytesIO(body)
        auth = environ.get("HTTP_AUTHORIZATION", "")
        match = SCOPE.search(auth)
        access_key, region, service = match.groups() if match else ("", "us-east-1", self._guess_service(environ))
        operation = self._operation(service, environ, body)
        latency = self.faults.latency_s(service, operation)
        if latency:
            time.sleep(latency)
        with self.lock:
            from moto.iam.models import get_account_id_from

            account = get_account_id_from(access_key) if access_key else "123456789012"
            self.drs.tick()
            fault = self.faults.request_fault(service, operation)
            if service == "drs":
                status, headers, payload, operation, error = self._drs(environ, body, account, region, fault)
            elif service == "sts" and operation == "AssumeRole" and self.faults.denies_role(self._form(body).get("RoleArn", "")):
                status, headers, payload, error = self._access_denied(self._form(body)["RoleArn"], access_key)
            elif fault and fault != "answer_lost":  # moto's services: a lost answer is not injected (DRS only)
                status, headers, payload, error = self._aws_fault(service, fault)
            else:
                status, headers, payload, error = None, None, None, None
            if status is None:  # moto answers; capture its status for the log
                captured = {}

                def capture(status_line, hdrs, exc_info=None):
                    captured["status"] = int(status_line.split()[0])
                    return start_response(status_line, hdrs, exc_info) if exc_info else start_response(status_line, hdrs)

                chunks = list(self.moto(environ, capture))
                self._log(service, operation, account, region, captured.get("status", 0), None,
                          environ.get("HTTP_USER_AGENT", ""))
                return chunks
            self._log(service, operation, account, region, status, error, environ.get("HTTP_USER_AGENT", ""))
        start_response(f"{status} {'OK' if status < 400 else 'ERROR'}", headers)
        return [payload]

    @staticmethod
    def _guess_service(environ) -> str:
        host = environ.get("HTTP_HOST", "")
        return host.split(".")[0] if "." in host else "unknown"

    @staticmethod
    def _operation(service: str, environ, body: bytes) -> str:
        if service == "drs":
            try:
                return contract.route(environ["REQUEST_METHOD"], environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ["PATH_INFO"], environ.get("QUERY_STRING", ""))[0]
            except Exception:
                return "Unknown"
        if service == "s3":
            return LabApp._s3_operation(environ)
        target = environ.get("HTTP_X_AMZ_TARGET")
        if target:
            return target.split(".")[-1]
        path = environ.get("PATH_INFO", "")
        if "/operation/" in path:
            return path.rsplit("/", 1)[-1]
        query = parse_qs(environ.get("QUERY_STRING", ""))
        if "Action" in query:
            return query["Action"][0]
        try:
            form = parse_qs(body.decode("utf-8", "replace"))
        except Exception:
            form = {}
        return form.get("Action", ["Unknown"])[0]

    @staticmethod
    def _s3_operation(environ) -> str:
        """The S3 operation of a path-style request (/bucket or /bucket/key), as IAM names its action."""
        method = environ.get("REQUEST_METHOD", "GET")
        parts = environ.get("PATH_INFO", "/").lstrip("/").split("/", 1)
        has_key = len(parts) == 2 and parts[1] != ""
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        if has_key:
            return {"GET": "GetObject", "HEAD": "HeadObject", "PUT": "PutObject", "DELETE": "DeleteObject"}.get(method, "Unknown")
        if method == "GET":
            return "ListObjectsV2" if query.get("list-type") == ["2"] else "ListObjects"
        return {"PUT": "CreateBucket", "HEAD": "HeadBucket", "DELETE": "DeleteBucket"}.get(method, "Unknown")

    def _log(self, service, operation, account, region, status, error, agent="") -> None:
        call = {
            "seq": len(self.calls) + 1, "time": iso(self.clock.now()), "service": service, "operation": operation,
            "account": account, "region": region, "mutating": is_mutating(operation), "status": status, "error": error,
            # Ansible modules (ours and amazon.aws's) put "Ansible/<version>" in the user agent; test fixtures' raw boto3 does not.
            "by_ansible": "Ansible/" in agent,
        }
        self.calls.append(call)
        if CALL_LOG:
            line = (json.dumps(call, sort_keys=True) + "\n").encode()
            fd = os.open(CALL_LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line)  # one write per line with O_APPEND: safe for several labs at once
            finally:
                os.close(fd)

    @staticmethod
    def _form(body: bytes) -> dict:
        try:
            return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        except Exception:
            return {}

    @staticmethod
    def _access_denied(role_arn: str, access_key: str):
        """What STS answers when the role's trust policy does not let the caller in (or the ExternalId is wrong)."""
        message = f"User: {access_key or 'caller'} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
        xml = (f'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code>'
               f"<Message>{message}</Message></Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>")
        return 403, [("Content-Type", "text/xml")], xml.encode(), "AccessDenied"

    @staticmethod
    def _aws_fault(service: str, fault: str):
        code, status = {"throttle": ("RequestLimitExceeded", 503), "denied": ("UnauthorizedOperation", 403)}.get(fault, ("InternalError", 500))
        if service in ("ec2",):
            xml = (f'<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>{code}</Code>'
                   f"<Message>Injected by the lab</Message></Error></Errors><RequestID>{uuid.uuid4()}</RequestID></Response>")
            return status, [("Content-Type", "text/xml")], xml.encode(), code
        code, status = {"throttle": ("Throttling", 400), "denied": ("AccessDenied", 403)}.get(fault, ("InternalFailure", 500))
        xml = (f'<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>Injected by the lab</Message></Error>'
               f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>")
        return status, [("Content-Type", "text/xml")], xml.encode(), code

    # ----- DRS -------------------------------------------------------------------------------------
    def _drs(self, environ, body: bytes, account: str, region: str, fault: str | None):
        op = "Unknown"
        try:
            raw_path = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ["PATH_INFO"]
            try:
                op, uri_params = contract.route(environ["REQUEST_METHOD"], raw_path.split("?", 1)[0], environ.get("QUERY_STRING", ""))
            except contract.UnknownOperation:
                raise ValidationError(f"Unknown operation {environ['REQUEST_METHOD']} {raw_path}.", reason="unknownOperation")
            if fault == "throttle":
                raise Throttled("Rate exceeded (injected by the lab).")
            if fault == "denied":
                raise AccessDenied(f"User is not authorized to perform: drs:{op} (injected by the lab).")
            if fault == "error":
                raise InternalError("Internal failure (injected by the lab). Retry the request.")
            try:
                params = json.loads(body) if body.strip() else {}
            except ValueError:
                raise ValidationError("The request body is not valid JSON.", reason="cannotParse")
            if not isinstance(params, dict):
                raise ValidationError("The request body must be a JSON object.", reason="cannotParse")
            params.update(uri_params)
            field_list = contract.validate_input(op, params)
            if field_list:
                raise ValidationError(
                    f"{len(field_list)} validation error(s) detected: " + "; ".join(f"{f['name']}: {f['message']}" for f in field_list),
                    field_list,
                )
            result = self.drs.handle(op, account, region, params)
            if fault == "answer_lost":  # carried out, but the caller never learns it
                raise InternalError("Internal failure (injected by the lab after the request was carried out).")
            problems = [p for p in contract.validate_output(op, result) if not any(q.search(p) for q in MODEL_QUIRKS)]
            if problems:
                self._violation(op, "output", problems)
            status = contract.success_status(op)
            payload = b"" if result is None else json.dumps(result).encode()
            headers = [("x-amzn-RequestId", str(uuid.uuid4()))]
            if result is not None:
                headers.append(("Content-Type", "application/json"))
            if problems and self.strict:
                raise InternalError(f"Lab contract violation in {op} output: {problems[:3]}")
            return status, headers, payload, op, None
        except DrsError as err:
            error_body = err.body()
            problems = contract.validate_error(err.code, error_body)
            generic = err.code == "ValidationException" and err.extra.get("reason") in ("fieldValidationFailed", "cannotParse", "unknownOperation")
            if op != "Unknown" and not generic and err.code not in contract.error_shape_names(op):
                problems.append(f"{err.code} is not a modelled error of {op}")
            if problems:
                self._violation(op, "error", problems)
            headers = [("x-amzn-ErrorType", err.code), ("Content-Type", "application/json"),
                       ("x-amzn-RequestId", str(uuid.uuid4()))] + list(err.headers.items())
            return err.status, headers, json.dumps(error_body).encode(), op, err.code

    def _violation(self, op: str, kind: str, problems: list) -> None:
        self.violations.append({"operation": op, "kind": kind, "problems": problems})

    # ----- admin -------------------------------------------------------------------------------------
    def _admin(self, environ, start_response):
        method = environ["REQUEST_METHOD"]
        path = environ["PATH_INFO"].rstrip("/")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        try:
            data = json.loads(raw) if raw.strip() else {}
            status, out = 200, self._admin_route(method, path, data, parse_qs(environ.get("QUERY_STRING", "")))
        except KeyError:
            status, out = 404, {"error": f"no admin route {method} {path}"}
        except (ValueError, TypeError) as exc:
            status, out = 400, {"error": str(exc)}
        payload = json.dumps(out, default=str).encode()
        start_response(f"{status} {'OK' if status == 200 else 'ERROR'}", [("Content-Type", "application/json")])
        return [payload]

    def _admin_route(self, method, path, data, query):
        with self.lock:
            if path == "/_lab/health":
                return {"ok": True, "estate": self.estate.get("name"), "clock": self.clock.describe()}
            if path == "/_lab/faults":
                if method == "POST":
                    return self.faults.set(data)
                if method == "DELETE":
                    return self.faults.set({})
                return self.faults.config
            if path == "/_lab/calls":
                if method == "DELETE":
                    self.calls = []
                    return {"cleared": True}
                since = int(query.get("since", ["0"])[0])
                return {"calls": [c for c in self.calls if c["seq"] > since], "last_seq": len(self.calls)}
            if path == "/_lab/reset" and method == "POST":
                return self.reset(data.get("estate"), data.get("seed"), data.get("time_scale"))
            if path == "/_lab/clock":
                if method == "POST":
                    if "scale" in data:
                        self.clock.set_scale(float(data["scale"]))
                    if "advance_seconds" in data:
                        self.clock.advance(float(data["advance_seconds"]))
                    self.drs.tick()
                return self.clock.describe()
            if path == "/_lab/contract":
                if method == "DELETE":
                    self.violations = []
                return {"violations": self.violations}
            if path == "/_lab/estate":
                return self.estate
        raise KeyError(path)


def serve(host: str, port: int, app: LabApp, on_ready=None):
    from werkzeug.serving import make_server

    server = make_server(host, port, app, threaded=True)
    if on_ready:
        on_ready(server)
    server.serve_forever()
