"""Every remediation sentence the collection can emit, read from the plugin sources (AST, no import).

A remediation is the string given as ``remediation=...`` (keyword, or positionally to any plugin function whose
parameter is named ``remediation``, such as validation.check), assigned to a variable ``remediation`` or to
``x["remediation"]``, the value of a ``"remediation"`` dict key, or a value of a ``REMEDIATION`` table. Interpolated
values become placeholders: the docs may write anything there (``<server>``), the literal words must match.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _template(node) -> list[str] | None:
    """The literal fragments of a string expression, None where a value is interpolated (f-string, %, +)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return [v.value if isinstance(v, ast.Constant) else None for v in node.values]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):  # "..." % (...)
        left = _template(node.left)
        if left is None:
            return None
        out = []
        for part in left:
            pieces = re.split(r"%[-#0 +]*\d*(?:\.\d+)?[sdifr]", part) if part is not None else [None]
            for i, piece in enumerate(pieces):
                out += ([None] if i else []) + [piece]
        return out
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _template(node.left), _template(node.right)
        return (left or [None]) + (right or [None])
    return None


def display(template: list[str | None]) -> str:
    """The template as docs/troubleshooting.md quotes it: interpolated values written as <...>."""
    return re.sub(r"\s+", " ", "".join("<...>" if p is None else p for p in template)).strip()


def pattern(template: list[str | None]) -> re.Pattern:
    """Matches the template in the docs, where any <placeholder> (or other text) may stand for a value."""
    fragments = [re.sub(r"\s+", " ", p).strip() for p in template if p is not None]
    return re.compile(".{0,200}?".join(re.escape(f) for f in fragments if f), re.S)


def _positions(tree) -> dict[str, int]:
    """{function name: index of its positional parameter named remediation} (self not counted for methods)."""
    out = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            names = [a.arg for a in node.args.args if a.arg not in ("self", "cls")]
            if "remediation" in names:
                out[node.name] = names.index("remediation")
    return out


def _remediation_nodes(tree, positions):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg == "remediation":
                    yield kw.value
            index = positions.get(getattr(node.func, "id", getattr(node.func, "attr", None)))
            if index is not None and len(node.args) > index:
                yield node.args[index]
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and key.value == "remediation":
                    yield value
        elif isinstance(node, ast.Assign):
            names = [getattr(t, "id", None) for t in node.targets]
            keys = [getattr(t.slice, "value", None) for t in node.targets if isinstance(t, ast.Subscript)]
            if "remediation" in names or "remediation" in keys:
                yield node.value
            if "REMEDIATION" in names and isinstance(node.value, ast.Dict):
                yield from node.value.values


def catalog(min_literal: int = 12) -> dict[str, dict]:
    """{display template: {"pattern": regex, "where": {file:line, ...}}} for every remediation of the plugins
    with at least min_literal literal characters (a bare variable has nothing to document)."""
    found: dict[str, dict] = {}
    trees = {path: ast.parse(path.read_text(), filename=str(path)) for path in sorted((ROOT / "plugins").rglob("*.py"))}
    positions = {}
    for tree in trees.values():
        positions.update(_positions(tree))
    for path, tree in trees.items():
        for node in _remediation_nodes(tree, positions):
            candidates = [node.body, node.orelse] if isinstance(node, ast.IfExp) else [node]
            for candidate in candidates:
                template = _template(candidate)
                if not template or sum(len(p.strip()) for p in template if p) < min_literal:
                    continue
                entry = found.setdefault(display(template), {"pattern": pattern(template), "where": set()})
                entry["where"].add(f"{path.relative_to(ROOT)}:{candidate.lineno}")
    return found
