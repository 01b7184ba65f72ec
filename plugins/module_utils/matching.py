# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pair DRS source servers with pre-provisioned target instances 1:1 (the public facade of ``pairing/``).

Pure and AWS-free. Launching into the wrong instance overwrites its disks, so an automatic pair needs names that
agree; a fuzzy candidate is only a *proposal* that a human reviews, and only typo-like differences in long words
qualify. Everything else is reported with a reason, a ``reason_code`` and a remediation naming the nearest candidate
and the exact fix (an override ``{source_server_id: s-..., target_instance_id: i-...}``, a rename ``Name=<x>``, or an
option such as ``strip_suffixes`` or ``name_sources``).

Names. :func:`normalize_name`: NFKC, casefold, invisible characters removed, whitespace collapsed, the configured
strips applied until stable. :func:`exact_key`: that, with runs of separators folded to one ``-`` (``acme_prod`` ==
``ACME-PROD``; ``db-1-2`` stays different from ``db-12``) and an FQDN cut to its first label (``db-01.corp.example.com``
== ``DB-01``; IP-like names are never cut; zero padding is kept). A source's names (``drs_tag``,
``origin_instance_tag``, ``hostname``) must give one key; if they disagree the source is refused (``names_disagree``).

Phases, in order:

1. overrides, the operator's explicit pairs (method ``override``). Rejected, with an entry in ``errors`` and the
   servers it names withheld from name matching (``override_rejected``): an unknown source or target, a source or
   target used twice, a target stored as the launch-into target of another source that has no override of its own,
   a target that is the unique exact-key target of another source with no override or stored pair of its own.
2. claims, the pairs already stored in DRS (method ``stored``): a missing target is ``stored_target_missing``, a
   target claimed by several sources is ``claim_conflict`` for all of them; a stored target whose name differs from
   the source's is paired with a warning.
3. exact keys (method ``exact``): a key shared by two or more sources or targets anywhere in the estate pairs nothing
   (``duplicates``; ``ambiguous`` with ``duplicate_source`` / ``duplicate_target``); a source whose exact target is
   taken by another's override or stored pair is ``target_taken`` and never goes to fuzzy.
4. fuzzy (``fuzzy=True``), the leftovers only: rapidfuzz scores the tokens (best of ``scorer``), the guards veto
   whatever is another machine on the two names alone (numbers in another order, a one-sided or differing single
   letter, roman numeral, direction or Region code, lifecycle marker or short token, any difference that is not a
   typo of a 5+ letter word, a reordering, a concatenation, a same-class environment synonym or a DR affix), then
   mutual best with ``margin`` on both sides (``fuzzy_near_tie``, ``fuzzy_contested_target``). The winner is a
   *proposal*; it becomes a pair (method ``fuzzy``) only when it is listed in ``accepted`` and acceptable.

``foreign`` sources (DRS source servers of another Region or account of the estate) own targets by name, stored pair
or fuzzy candidate like any source; those targets go to ``reserved`` and are never given to a local source.

Evidence policy (``pairing/evidence.py``), computed for every pair, proposal and blocked entry: contradictions are the
target's private IP being the IP of another source server of the input, and platform, architecture or boot mode known
on both sides and different; corroborations are a matching IP, equal disks and an equal instance type. An exact or
stored pair with a contradiction is ``blocked`` (``evidence_contradicts``; ``names_swapped`` when two exact targets
carry each other's source IPs, with the retag and the two overrides that fix it). An override is blocked only by a
platform, architecture or boot-mode contradiction; an IP contradiction on an override is a warning. A fuzzy proposal
is acceptable only when its IP matches and nothing contradicts it.

Reason codes. ``unmatched_sources``: ``no_name``, ``names_disagree``, ``duplicate_id``, ``override_rejected``,
``claim_conflict``, ``stored_target_missing``, ``target_taken``, ``no_exact_match`` (fuzzy off), ``no_candidate``,
``below_threshold``, or the guard that vetoed the nearest candidate (``numbers_differ``, ``single_letter``,
``roman_numeral``, ``direction_code``, ``region_code``, ``lifecycle_marker``, ``short_token``, ``hash_like``,
``extra_token``, ``word_differs``). ``ambiguous``: ``duplicate_source``, ``duplicate_target``, ``fuzzy_near_tie``,
``fuzzy_contested_target``. ``blocked``: ``evidence_contradicts``, ``names_swapped``. ``unmatched_targets``:
``no_name``, ``duplicate_id``, ``duplicate_name``, ``override_rejected``, ``claim_conflict``,
``stored_pair_superseded``, ``source_not_paired``, ``source_paired_elsewhere``, ``fuzzy_ambiguous``,
``not_proposed``, ``no_candidate`` or a guard code. ``errors`` (``code``): ``duplicate_id``, ``unknown_source``,
``unknown_target``, ``foreign_source``, ``source_used_twice``, ``target_used_twice``, ``target_claimed``,
``displaces_exact``.

Every non-foreign source ends in exactly one of ``pairs``, ``proposals``, ``blocked``, ``unmatched_sources`` or
``ambiguous``; every target in at most one of ``pairs``, ``proposals``, ``blocked`` or ``reserved``, otherwise in
``unmatched_targets``. The result does not depend on the order of the inputs, and the decision about one source
never depends on unrelated names elsewhere in the estate.
"""

from __future__ import annotations

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.pairing.assignment import (
    DEFAULT_MARGIN,
    DEFAULT_THRESHOLD,
    match_servers,
)
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.pairing.messages import OVERRIDE_TEMPLATE
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.pairing.normalize import exact_key, normalize_name
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.pairing.scoring import (
    DEFAULT_SCORER,
    HAS_RAPIDFUZZ,
    SCORERS,
    MatchingDependencyError,
)

__all__ = (
    "HAS_RAPIDFUZZ",
    "MatchingDependencyError",
    "DEFAULT_THRESHOLD",
    "DEFAULT_MARGIN",
    "DEFAULT_SCORER",
    "SCORERS",
    "OVERRIDE_TEMPLATE",
    "normalize_name",
    "exact_key",
    "match_servers",
)
