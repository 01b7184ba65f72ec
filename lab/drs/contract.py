"""The botocore DRS model as the contract: routing, input validation, output/error checks."""

from __future__ import annotations

import functools
import re
from urllib.parse import parse_qs, unquote

import botocore.session


class UnknownOperation(Exception):
    """No modelled operation matches the request's method and path."""


@functools.lru_cache(maxsize=1)
def service_model():
    return botocore.session.get_session().get_service_model("drs")


@functools.lru_cache(maxsize=1)
def _routes():
    routes = []
    model = service_model()
    for name in model.operation_names:
        op = model.operation_model(name)
        uri = op.http["requestUri"].split("?")[0]
        labels = re.findall(r"{([^}+]+)\+?}", uri)
        pattern = "^" + re.sub(r"{[^}]+}", "([^/]+)", re.escape(uri).replace(r"\{", "{").replace(r"\}", "}")) + "$"
        routes.append((op.http["method"], re.compile(pattern), labels, name))
    return routes


def route(method: str, raw_path: str, query_string: str = "") -> tuple[str, dict]:
    """(operation name, params from the URI labels and query string) for a raw, still-encoded path."""
    path = raw_path.split("?", 1)[0]
    for http_method, pattern, labels, name in _routes():
        if http_method != method:
            continue
        match = pattern.match(path)
        if not match:
            continue
        params = {label: unquote(value) for label, value in zip(labels, match.groups())}
        op = service_model().operation_model(name)
        if op.input_shape is not None and query_string:
            query = parse_qs(query_string, keep_blank_values=True)
            for member, shape in op.input_shape.members.items():
                if shape.serialization.get("location") == "querystring":
                    key = shape.serialization.get("name", member)
                    if key in query:
                        params[member] = query[key] if shape.type_name == "list" else query[key][0]
        return name, params
    raise UnknownOperation(f"{method} {path}")


def success_status(operation_name: str) -> int:
    return int(service_model().operation_model(operation_name).http.get("responseCode", 200))


def error_shape_names(operation_name: str) -> list[str]:
    return [s.name for s in service_model().operation_model(operation_name).error_shapes]


def _type_ok(shape, value) -> bool:
    t = shape.type_name
    if t in ("string", "timestamp", "blob"):
        return isinstance(value, str)
    if t in ("integer", "long"):
        return isinstance(value, int) and not isinstance(value, bool)
    if t in ("float", "double"):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if t == "boolean":
        return isinstance(value, bool)
    if t == "structure":
        return isinstance(value, dict)
    if t == "list":
        return isinstance(value, list)
    if t == "map":
        return isinstance(value, dict)
    return True


def _walk(shape, value, path: str, out: list, *, output: bool) -> None:
    """Collect (path, message) for every constraint ``value`` breaks."""
    if not _type_ok(shape, value):
        out.append((path, f"expected {shape.type_name}, got {type(value).__name__} {value!r:.60}"))
        return
    meta = shape.metadata
    t = shape.type_name
    if t == "string":
        enum = getattr(shape, "enum", None)
        if enum and value not in enum:
            out.append((path, f"value {value!r} is not one of {enum}"))
        if "min" in meta and len(value) < meta["min"]:
            out.append((path, f"length {len(value)} is below the minimum {meta['min']}"))
        if "max" in meta and len(value) > meta["max"]:
            out.append((path, f"length {len(value)} is above the maximum {meta['max']}"))
        pattern = meta.get("pattern")
        if pattern and value and not re.fullmatch(pattern.lstrip("^").rstrip("$"), value):
            out.append((path, f"value {value!r:.80} does not match the pattern {pattern}"))
    elif t in ("integer", "long"):
        if "min" in meta and value < meta["min"]:
            out.append((path, f"value {value} is below the minimum {meta['min']}"))
        if "max" in meta and value > meta["max"]:
            out.append((path, f"value {value} is above the maximum {meta['max']}"))
    elif t == "list":
        if "min" in meta and len(value) < meta["min"]:
            out.append((path, f"{len(value)} items, the minimum is {meta['min']}"))
        if "max" in meta and len(value) > meta["max"]:
            out.append((path, f"{len(value)} items, the maximum is {meta['max']}"))
        for i, item in enumerate(value):
            _walk(shape.member, item, f"{path}[{i}]", out, output=output)
    elif t == "map":
        if "max" in meta and len(value) > meta["max"]:
            out.append((path, f"{len(value)} entries, the maximum is {meta['max']}"))
        for key, item in value.items():
            _walk(shape.key, key, f"{path}.{{key}}", out, output=output)
            _walk(shape.value, item, f"{path}.{key}", out, output=output)
    elif t == "structure":
        members = shape.members
        for req in shape.required_members:
            if req not in value:
                out.append((f"{path}.{req}".lstrip("."), "required member is missing"))
        for key, item in value.items():
            child = f"{path}.{key}".lstrip(".")
            if key not in members:
                if output:
                    out.append((child, "member is not in the model (botocore would silently drop it)"))
                continue
            member_shape = members[key]
            if member_shape.serialization.get("location") in ("header", "headers", "statusCode"):
                continue
            _walk(member_shape, item, child, out, output=output)


def validate_input(operation_name: str, params: dict) -> list[dict]:
    """ValidationException ``fieldList`` entries for a request, as the service checks it."""
    shape = service_model().operation_model(operation_name).input_shape
    if shape is None:
        return []
    found: list = []
    _walk(shape, params, "", found, output=False)
    return [{"name": name or "body", "message": message} for name, message in found]


def validate_output(operation_name: str, body) -> list[str]:
    """Every way a response body breaks the modelled output shape (strict: unmodelled keys too)."""
    shape = service_model().operation_model(operation_name).output_shape
    if shape is None or not shape.members:
        return [] if not body else [f"{operation_name} models no output, but a body was sent"]
    found: list = []
    _walk(shape, body or {}, "", found, output=True)
    return [f"{name}: {message}" for name, message in found]


def validate_error(code: str, body: dict) -> list[str]:
    shapes = {s.name: s for s in service_model().error_shapes}
    if code not in shapes:
        return [f"{code} is not a modelled DRS error"]
    found: list = []
    _walk(shapes[code], body, "", found, output=True)
    return [f"{name}: {message}" for name, message in found]
