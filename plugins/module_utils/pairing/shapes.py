# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Named rows used inside the pairing engine (no positional indexing)."""

from __future__ import annotations

from typing import Any, NamedTuple, Optional, Tuple


class Veto(NamedTuple):
    """Why a fuzzy candidate is another machine: a stable code and a phrase ("carries other numbers ...")."""

    code: str
    text: str


class NameKey(NamedTuple):
    """One name of a source server: its label (drs_tag, origin_instance_tag, hostname), value and exact key."""

    label: str
    value: str
    key: str


class Source(NamedTuple):
    id: Any
    sid: str
    name: Optional[str]
    names: dict
    keys: Tuple[NameKey, ...]
    key: str
    disagree: bool
    foreign: bool
    wave: Any
    tokens: Tuple[str, ...]
    raw: dict


class Target(NamedTuple):
    id: Any
    tid: str
    name: Optional[str]
    key: str
    tokens: Tuple[str, ...]
    raw: dict


class PairArg(NamedTuple):
    """One entry of overrides, claims or accepted."""

    sid: str
    tid: str


class Hit(NamedTuple):
    """A scored candidate: the score and the index of the other side (source or target)."""

    score: float
    index: int


class Nearest(NamedTuple):
    score: float
    index: int
    veto: Optional[Veto]


class Taken(NamedTuple):
    """Who holds a target and how: override, stored, exact, fuzzy, blocked, reserved, proposal or withheld."""

    owner: Optional[str]
    how: str


class TargetNote(NamedTuple):
    """Why a target is left unmatched."""

    code: str
    reason: str
    remediation: str
    nearest: Optional[dict]


class ExactCandidate(NamedTuple):
    record: Source
    target: Target
    evidence: dict
