# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Scoring with rapidfuzz (C++): ``process.cdist`` in memory-bounded row chunks, ``process.extract`` without numpy."""

from __future__ import annotations

import traceback

try:
    from rapidfuzz import fuzz, process

    HAS_RAPIDFUZZ = True
    RAPIDFUZZ_IMPORT_ERROR = None
except ImportError:
    fuzz = process = None
    HAS_RAPIDFUZZ = False
    RAPIDFUZZ_IMPORT_ERROR = traceback.format_exc()

DEFAULT_SCORER = "ratio+token_sort_ratio"
SCORERS = ("ratio", "token_sort_ratio", "token_set_ratio", "partial_ratio", "WRatio")

# Memory bound for one rapidfuzz.process.cdist call (float32 cells): ~16 MiB per chunk of rows.
_MAX_CELLS = 4000000
# Below this many cells a single thread is faster than starting a worker pool.
_PARALLEL_MIN_CELLS = 40000
# cdist needs numpy; without it, process.extract (also C++) is used. None = not probed yet.
_BACKEND = {"cdist": None}


class MatchingDependencyError(RuntimeError):
    """Fuzzy matching was requested but rapidfuzz is not importable."""


def scorer_names(scorer):
    """A scorer name, several names joined by '+' (the best of them scores), or a list of names."""
    names = scorer.split("+") if isinstance(scorer, str) else list(scorer or ())
    names = tuple(name.strip() for name in names if name and name.strip())
    unknown = [name for name in names if name not in SCORERS]
    if not names or unknown:
        raise ValueError("scorer must be one of %s (or several joined by '+'), got %r" % (", ".join(SCORERS), scorer))
    return names


def scorer_function(scorer):
    if scorer not in SCORERS:
        raise ValueError("scorer must be one of %s, got %r" % (", ".join(SCORERS), scorer))
    if not HAS_RAPIDFUZZ:
        raise MatchingDependencyError(
            "Fuzzy name matching requires the Python library rapidfuzz (pip install 'rapidfuzz>=3.6') on the host "
            "that runs the module; install it or run with fuzzy matching disabled. Import error: %s"
            % ((RAPIDFUZZ_IMPORT_ERROR or "").strip().splitlines() or ["unknown"])[-1]
        )
    return getattr(fuzz, scorer)


def _score(value):
    # Two decimals: identical decisions from cdist (float32) and extract (float64).
    return round(float(value), 2)


def _cdist_hits(queries, choices, scorer_fn, cutoff):
    hits = []
    width = len(choices)
    rows_per_chunk = max(1, _MAX_CELLS // width)
    for start in range(0, len(queries), rows_per_chunk):
        chunk = queries[start : start + rows_per_chunk]
        workers = -1 if len(chunk) * width >= _PARALLEL_MIN_CELLS else 1
        matrix = process.cdist(chunk, choices, scorer=scorer_fn, processor=None, score_cutoff=cutoff, workers=workers)
        rows, cols = matrix.nonzero()
        values = matrix[rows, cols].tolist()
        for row, col, value in zip(rows.tolist(), cols.tolist(), values):
            hits.append((start + row, col, _score(value)))
    return hits


def _extract_hits(queries, choices, scorer_fn, cutoff):
    hits = []
    for row, query in enumerate(queries):
        for _choice, value, col in process.extract(
            query, choices, scorer=scorer_fn, processor=None, limit=None, score_cutoff=cutoff
        ):
            if value > 0:
                hits.append((row, col, _score(value)))
    return hits


def score_hits(queries, choices, scorer_fn, cutoff):
    """All ``(query_index, choice_index, score)`` with ``score >= cutoff`` (and > 0), computed by rapidfuzz.

    Uses ``process.cdist(workers=-1, score_cutoff=cutoff)`` in row chunks of bounded memory; cdist needs numpy,
    and when numpy is missing ``process.extract`` (also C++) gives the same hits.
    """
    if not queries or not choices:
        return []
    if _BACKEND["cdist"] is not False:
        try:
            hits = _cdist_hits(queries, choices, scorer_fn, cutoff)
            _BACKEND["cdist"] = True
            return hits
        except ImportError:
            _BACKEND["cdist"] = False
    return _extract_hits(queries, choices, scorer_fn, cutoff)


def best_scores(queries, choices, scorers, cutoff):
    """{(query_index, choice_index): best score over ``scorers``} for the scores >= cutoff."""
    scores = {}
    for name in scorers:
        for i, j, score in score_hits(queries, choices, scorer_function(name), cutoff):
            if score > scores.get((i, j), 0.0):
                scores[(i, j)] = score
    return scores
