# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Name normalization: the normalized name, the exact key and the fuzzy tokens of a server name.

``normalize_name``: NFKC, casefold, invisible characters removed, whitespace collapsed, the configured prefixes,
suffixes and patterns stripped until nothing changes (idempotent).

``exact_key``: the normalized name with every run of separators (space ``- _ . : / \\ | , ;``) folded to one ``-``
(folded, not removed: ``db-1-2`` stays different from ``db-12``), leading and trailing separators dropped, and an
FQDN cut to its first label (``db-01.corp.example.com`` -> ``db-01``). A name is FQDN-like when its normalized text
has two or more dots, every label after the first contains a letter and the last label is all letters, so IP-like
names (``10.0.1.25``) are never cut. Zero padding is kept (``sql-007`` is not ``sql-7`` for the exact phase).

``tokens``: the exact key split at separators and at letter/digit boundaries (``payroll01a`` -> ``payroll 01 a``),
what the fuzzy scorers and the guards compare.
"""

from __future__ import annotations

import re
import unicodedata

_WS_RE = re.compile(r"\s+")
# Invisible format characters that survive NFKC (soft hyphen, zero-width space/joiners, bidi marks, BOM).
_INVISIBLE_RE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_SEP_RE = re.compile(r"[\s\-_.:/\\|,;]+")
_TOKEN_RE = re.compile(r"[^\W\d_]+|\d+")
_LETTER_RE = re.compile(r"[^\W\d_]")


def _basic(text):
    """NFKC, casefold, drop invisible format characters, collapse whitespace runs to one space, strip."""
    if text.isascii():
        text = text.lower()
    else:
        text = unicodedata.normalize("NFKC", text)
        text = unicodedata.normalize("NFKC", text.casefold())
        text = _INVISIBLE_RE.sub("", text)
    return _WS_RE.sub(" ", text).strip()


def _as_tuple(value):
    if value is None:
        return ()
    if isinstance(value, (str, bytes)) or hasattr(value, "pattern"):
        return (value,)
    return tuple(value)


class Normalizer(object):
    """normalize_name and exact_key with their configuration compiled once (used for every server of a run)."""

    def __init__(self, strip_prefixes=(), strip_suffixes=(), strip_patterns=()):
        self.prefixes = tuple(t for t in (_basic(str(p)) for p in _as_tuple(strip_prefixes)) if t)
        self.suffixes = tuple(t for t in (_basic(str(s)) for s in _as_tuple(strip_suffixes)) if t)
        patterns = []
        for pattern in _as_tuple(strip_patterns):
            if hasattr(pattern, "pattern"):
                patterns.append(re.compile(pattern.pattern, pattern.flags | re.IGNORECASE))
            else:
                try:
                    patterns.append(re.compile(str(pattern), re.IGNORECASE))
                except re.error as exc:
                    raise ValueError("strip_patterns: invalid regular expression %r: %s" % (pattern, exc))
        self.patterns = tuple(patterns)
        self.strips = bool(self.prefixes or self.suffixes or self.patterns)

    def _step(self, text):
        text = _basic(text)
        # A strip never empties a name: "dr-" stays "dr-" rather than becoming an unnamed server.
        for prefix in self.prefixes:
            if text.startswith(prefix) and len(text) > len(prefix):
                text = text[len(prefix) :]
                break
        for suffix in self.suffixes:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)]
                break
        for pattern in self.patterns:
            stripped = pattern.sub("", text)
            if stripped.strip():
                text = stripped
        return _WS_RE.sub(" ", text).strip()

    def normalize(self, name):
        if name is None:
            return ""
        text = name if isinstance(name, str) else str(name)
        if not self.strips and text.isascii():
            return _WS_RE.sub(" ", text.lower()).strip()  # one pass is already the fixpoint
        # Apply the step until it is a fixpoint, so normalize(normalize(x)) == normalize(x) by construction
        # ("dr-dr-web" -> "web"). Every productive step after the first shortens the text; the bound is a guard.
        for _attempt in range(len(text) + 8):
            stripped = self._step(text)
            if stripped == text:
                break
            text = stripped
        return text

    def exact_key(self, name):
        return fold(self.normalize(name))


def fold(normalized):
    """The exact key of an already normalized name (see the module docstring)."""
    labels = normalized.rstrip(".").split(".")
    if len(labels) >= 3 and labels[-1].isalpha() and all(_LETTER_RE.search(label) for label in labels[1:]):
        normalized = labels[0]
    return _SEP_RE.sub("-", normalized).strip("-")


def tokens(key):
    """The tokens of an exact key: letter runs and digit runs (separators and other characters split them)."""
    return tuple(_TOKEN_RE.findall(key))


DR_AFFIXES = frozenset(("dr", "drs"))


def fuzzy_key(key):
    """The string the fuzzy scorers compare: the tokens of an exact key joined by single spaces, numbers by value.

    A DR affix (``dr``, ``drs``) first or last is left out, so ``ledger-01-dr`` scores like ``ledger-01``.
    """
    found = [(t.lstrip("0") or "0") if t.isdigit() else t for t in _TOKEN_RE.findall(key)]
    if len(found) > 1 and found[-1] in DR_AFFIXES:
        found.pop()
    if len(found) > 1 and found[0] in DR_AFFIXES:
        found.pop(0)
    return " ".join(found)


def normalize_name(name, strip_prefixes=(), strip_suffixes=(), strip_patterns=()):
    """Canonical form of a server name.

    Unicode NFKC (full-width ``ｗｅｂ`` -> ``web``), casefold, invisible characters removed, surrounding
    whitespace stripped and internal whitespace runs collapsed to one space. Then, compared after the same
    normalization, the first matching ``strip_prefixes`` token, the first matching ``strip_suffixes`` token
    and every ``strip_patterns`` regex (case-insensitive) are removed, repeatedly until nothing changes, so
    the function is idempotent. A strip that would leave an empty name is not applied. ``None``/"" -> "".
    """
    return Normalizer(strip_prefixes, strip_suffixes, strip_patterns).normalize(name)


def exact_key(name, strip_prefixes=(), strip_suffixes=(), strip_patterns=()):
    """The key the exact phase compares: :func:`normalize_name`, separators folded, an FQDN cut to its first label."""
    return Normalizer(strip_prefixes, strip_suffixes, strip_patterns).exact_key(name)
