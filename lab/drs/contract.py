"""The botocore DRS model as the lab's contract: request routing, input validation, output and error checks.

Pure model walking (botocore + stdlib). Patterns use full-match semantics: the DRS model's patterns are not
anchored (``s-[0-9a-zA-Z]{17}``), and AWS validates the whole value, as ``.*[0-9]{12,}.*`` for AccountID implies.
"""

from __future__ import annotations

import functools
import re
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qs, unquote, urlsplit

import botocore.session
from botocore.model import OperationNotFoundError

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
BODY_LOCATIONS = (None, "", "body")  # members outside these come from headers, the URI, the query or the status


class UnknownOperation(LookupError):
    """No modelled operation matches the request (or the name is not a DRS operation)."""


@functools.lru_cache(maxsize=1)
def service_model():
    """The botocore ServiceModel for drs (loaded once)."""
    return botocore.session.get_session().get_service_model("drs")


def _operation(name: str):
    try:
        return service_model().operation_model(name)
    except OperationNotFoundError:
        raise UnknownOperation(name) from None


# ----- routing ---------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _routes() -> list:
    """(method, compiled raw-path regex, label names, operation name) for every operation."""
    routes = []
    for name in service_model().operation_names:
        http = service_model().operation_model(name).http
        uri = http["requestUri"].split("?", 1)[0]
        labels, regex = [], ""
        for literal, label in re.findall(r"([^{]*)(?:\{([^}]+)\})?", uri):
            regex += re.escape(literal)
            if label:
                greedy = label.endswith("+")
                labels.append(label.rstrip("+"))
                regex += "(.+)" if greedy else "([^/]+)"
        routes.append((http["method"].upper(), re.compile(regex), labels, name))
    return routes


def _from_query(shape, text: str):
    """A query-string scalar as the input dict holds it (numbers and booleans parsed when they parse)."""
    if shape.type_name in ("integer", "long") and re.fullmatch(r"-?[0-9]+", text):
        return int(text)
    if shape.type_name == "boolean" and text in ("true", "false"):
        return text == "true"
    return text


def route(method: str, raw_path: str, query_string: str = "") -> tuple[str, dict]:
    """(operation name, params from URI labels and query string) for a raw, still percent-encoded path."""
    if "://" in raw_path:  # an absolute request target
        parts = urlsplit(raw_path)
        raw_path = parts.path + ("?" + parts.query if parts.query else "")
    path, _, embedded_query = raw_path.partition("?")
    query = parse_qs(query_string or embedded_query, keep_blank_values=True)
    for http_method, regex, labels, name in _routes():
        match = regex.fullmatch(path) if http_method == method.upper() else None
        if not match:
            continue
        shape = service_model().operation_model(name).input_shape
        members = shape.members if shape is not None else {}
        wire = {m: (s.serialization.get("location"), s.serialization.get("name", m)) for m, s in members.items()}
        params = {}
        for label, raw in zip(labels, match.groups()):
            member = next((m for m, where in wire.items() if where == ("uri", label)), label)
            params[member] = unquote(raw)
        for member, (location, key) in wire.items():
            if location == "querystring" and key in query:
                member_shape = members[member]
                if member_shape.type_name == "list":
                    params[member] = [_from_query(member_shape.member, v) for v in query[key]]
                else:
                    params[member] = _from_query(member_shape, query[key][0])
        return name, params
    raise UnknownOperation(f"{method} {path}")


def success_status(operation_name: str) -> int:
    """The modelled HTTP status of a successful response (http.responseCode, default 200)."""
    return int(_operation(operation_name).http.get("responseCode", 200))


def error_shape_names(operation_name: str) -> list[str]:
    """The error codes the model lists for an operation."""
    return [shape.name for shape in _operation(operation_name).error_shapes]


# ----- validation ------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def _regex(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _timestamp_problem(shape, value, location) -> str | None:
    fmt = shape.serialization.get("timestampFormat") or (
        "iso8601" if location in ("uri", "querystring") else "unixTimestamp"
    )
    if fmt == "unixTimestamp":
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return None if ok else f"expected epoch seconds (a number), got {_show(value)}"
    if not isinstance(value, str):
        return f"expected an {fmt} timestamp string, got {type(value).__name__} {_show(value)}"
    try:
        if fmt == "iso8601":
            datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        else:
            parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return f"value {_show(value)} is not an {fmt} timestamp"
    return None


TYPE_CHECKS = {
    "string": (str,),
    "blob": (str,),
    "structure": (dict,),
    "map": (dict,),
    "list": (list,),
    "integer": (int,),
    "long": (int,),
    "float": (int, float),
    "double": (int, float),
}


def _walk(shape, value, path: str, out: list, strict: bool, location=None) -> None:
    """Append (path, message) to ``out`` for every constraint ``value`` breaks."""
    kind = shape.type_name
    if kind == "timestamp":
        problem = _timestamp_problem(shape, value, location)
        if problem:
            out.append((path, problem))
        return
    if shape.metadata.get("document"):
        return
    if kind == "boolean":
        ok = isinstance(value, bool)
    else:
        ok = isinstance(value, TYPE_CHECKS.get(kind, (object,))) and not isinstance(value, bool)
    if not ok:
        got = "null" if value is None else f"{type(value).__name__} {_show(value)}"
        out.append((path, f"expected {kind}, got {got}"))
        return
    meta = shape.metadata
    low, high = meta.get("min"), meta.get("max")
    if kind == "string":
        enum = meta.get("enum")
        if enum and value not in enum:
            out.append((path, f"value {_show(value)} is not one of [{', '.join(enum)}]"))
        if low is not None and len(value) < low:
            out.append((path, f"length {len(value)} is below the minimum {low} (value {_show(value)})"))
        if high is not None and len(value) > high:
            out.append((path, f"length {len(value)} is above the maximum {high} (value {_show(value)})"))
        pattern = meta.get("pattern")
        # An empty string is exempt only where the model declares min length 0 (EC2InstanceID, SubnetID, ...).
        if pattern and not (value == "" and low == 0) and not _regex(pattern).fullmatch(value):
            out.append((path, f"value {_show(value)} does not match the pattern {pattern}"))
    elif kind in ("integer", "long"):
        floor, ceiling = INT32 if kind == "integer" else INT64
        if not floor <= value <= ceiling:
            out.append((path, f"value {value} does not fit a {32 if kind == 'integer' else 64}-bit {kind}"))
        if low is not None and value < low:
            out.append((path, f"value {value} is below the minimum {low}"))
        if high is not None and value > high:
            out.append((path, f"value {value} is above the maximum {high}"))
    elif kind == "list":
        if low is not None and len(value) < low:
            out.append((path, f"{len(value)} items, below the minimum of {low}"))
        if high is not None and len(value) > high:
            out.append((path, f"{len(value)} items, above the maximum of {high}"))
        for index, item in enumerate(value):
            _walk(shape.member, item, f"{path}[{index}]", out, strict)
    elif kind == "map":
        if low is not None and len(value) < low:
            out.append((path, f"{len(value)} entries, below the minimum of {low}"))
        if high is not None and len(value) > high:
            out.append((path, f"{len(value)} entries, above the maximum of {high}"))
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            keys: list = []
            _walk(shape.key, key, child, keys, strict)
            out.extend((where, f"map key: {message}") for where, message in keys)
            _walk(shape.value, item, child, out, strict)
    elif kind == "structure":
        _walk_structure(shape, value, path, out, strict)


def _walk_structure(shape, value: dict, path: str, out: list, strict: bool) -> None:
    members = shape.members
    present = {key for key, item in value.items() if item is not None}
    for name in shape.required_members:
        if name not in present:
            out.append((f"{path}.{name}" if path else name, "required member is missing"))
    if shape.metadata.get("union") and len(present & set(members)) != 1:
        out.append((path or "body", f"union needs exactly one member set, got {sorted(present & set(members))}"))
    for key, item in value.items():
        child = f"{path}.{key}" if path else key
        member = members.get(key)
        if member is None:
            if strict:
                out.append((child, "member is not in the model (botocore would silently drop it)"))
            continue
        location = member.serialization.get("location")
        if strict and location not in BODY_LOCATIONS:
            where = member.serialization.get("name", key)
            out.append((child, f"member is bound to the {location} {where!r}, not the body (botocore ignores it)"))
            continue
        if item is None:
            if strict:
                out.append((child, "null value (omit the member instead)"))
            continue
        _walk(member, item, child, out, strict, location)


def _check(shape, body, strict: bool) -> list:
    found: list = []
    if shape is not None:
        _walk(shape, {} if body is None else body, "", found, strict)
    elif body:
        found.append(("body", "the operation models no body, but one was sent"))
    return [(path or "body", message) for path, message in found]


def validate_input(operation_name: str, params: dict) -> list[dict]:
    """ValidationException ``fieldList`` entries for a request's merged body, URI and query params."""
    shape = _operation(operation_name).input_shape
    if shape is None:
        return []
    return [{"name": path, "message": message} for path, message in _check(shape, params, strict=False)]


def validate_output(operation_name: str, body) -> list[str]:
    """Every way a response body breaks the modelled output shape, unmodelled members included."""
    shape = _operation(operation_name).output_shape
    return [f"{path}: {message}" for path, message in _check(shape, body, strict=True)]


def validate_error(code: str, body: dict) -> list[str]:
    """Every way an error body breaks its modelled error shape (header-bound members belong in headers)."""
    shapes = {shape.name: shape for shape in service_model().error_shapes}
    if code not in shapes:
        return [f"{code} is not a modelled DRS error"]
    return [f"{path}: {message}" for path, message in _check(shapes[code], body, strict=True)]
