# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Guards: is a fuzzy candidate a typo of the same host, or another machine? Decided on the two names alone.

In real estates one letter or one affix is a different host as often as it is a typo (hash-like ids, system ids,
instance roles, site codes, tenant prefixes, names cut at 15 characters). A candidate is vetoed (never proposed)
unless all of these hold, computed from the two token lists only (no vocabulary built from other names, so the
safety of one server never depends on the names of others):

a. the numbers are equal in order, zero padding aside (``007`` == ``7``; ``1-2`` != ``2-1``);
b. the tokens that differ are only: a typo within a word of 5+ letters on both sides (OSA distance 1, 2 when both
   have 9+ letters), a reordering, a concatenation (``web server`` / ``webserver``), a synonym of the same
   environment class (``prod`` / ``prd`` / ``production``), or a DR affix (``dr``, ``drs``) first or last on one side;
c. no one-sided or differing token is a single letter, a roman numeral, a direction word or code, a Region-like
   code, an environment or lifecycle marker (a synonym of the same class on both sides is fine), a short token
   (4 letters or fewer) or a run of hexadecimal letters (``deadbeef``, part of a hash-like id): each of these is
   another machine by itself.
"""

from __future__ import annotations

from collections import Counter

try:
    from rapidfuzz.distance import OSA
except ImportError:  # the engine raises MatchingDependencyError before any guard runs
    OSA = None

from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.pairing.normalize import DR_AFFIXES
from ansible_collections.elastic_dr.orchestrator.plugins.module_utils.pairing.shapes import Veto

# Environment classes: tokens of one class name the same environment.
ENV_CLASSES = {
    "prod": ("prod", "prd", "production", "prodn", "live"),
    "dev": ("dev", "develop", "development", "devel", "dv"),
    "test": ("test", "tst", "testing"),
    "stage": ("stg", "stage", "staging", "stag"),
    "uat": ("uat",),
    "qa": ("qa", "qas"),
    "perf": ("perf", "performance", "prf"),
    "preprod": ("preprod", "preprd", "pprod"),
    "sandbox": ("sandbox", "sbx", "sbox"),
    "nonprod": ("nonprod", "nprod", "np"),
    "demo": ("demo",),
    "training": ("training", "trn", "train"),
}
ENV_CLASS = dict((token, name) for name, members in ENV_CLASSES.items() for token in members)
LIFECYCLE = frozenset(
    (
        "old new bak bkp backup tmp temp copy clone legacy spare standby replica primary secondary pri sec blue green "
        "red black orig original archive retired decom mig migrated active passive master slave main shadow canary hot "
        "cold warm next prev previous future alt restore restored snapshot snap mirror failover recovery rep repl tgt "
        "target src source node standalone cluster witness"
    ).split()
)
DIRECTIONS = frozenset(
    ("east west north south central e w n s ne nw se sw northeast northwest southeast southwest mid middle").split()
)
# Region-like codes: the letters of use1, usw2, euw1, euc1, apse2, apne1, sae1, cac1, ... (digits are split off).
REGION_CODES = frozenset(
    (
        "us eu ap sa ca me af il mx cn gov use usw usg euw euc eun eus euwe apse apne aps ape apso sae cac caw mec mes "
        "afs ilc mxc cnn cnnw useast uswest euwest eucentral eunorth eusouth apsoutheast apnortheast apsouth apeast "
        "saeast cacentral mecentral mesouth afsouth ilcentral mxcentral"
    ).split()
)
ROMAN = frozenset("i ii iii iv v vi vii viii ix x xi xii xiii xiv xv xvi xvii xviii xix xx".split())
SHORT = 4


def number_sequence(token_list):
    """The numbers of a name in order, zero padding aside: ('007', 'a', '1') -> ('7', '1')."""
    return tuple(t.lstrip("0") or "0" for t in token_list if t.isdigit())


_HEX = frozenset("abcdef")


def special(token):
    """A Veto (code, what the token is) when ``token`` differing or one-sided makes another machine, else None."""
    if len(token) == 1:
        return Veto("single_letter", "a single letter")
    if token in ROMAN:
        return Veto("roman_numeral", "a roman numeral")
    if token in DIRECTIONS:
        return Veto("direction_code", "a direction word or code")
    if token in REGION_CODES:
        return Veto("region_code", "a Region-like code")
    if token in LIFECYCLE or token in ENV_CLASS:
        return Veto("lifecycle_marker", "an environment or lifecycle marker")
    if len(token) <= SHORT:
        return Veto("short_token", "a short token (%d letters or fewer)" % SHORT)
    if set(token) <= _HEX:
        return Veto("hash_like", "made of hexadecimal letters only (part of a hash-like id)")
    return None


def _typo(a, b):
    """True when a and b are the same word with a typo: both 5+ letters, OSA distance 1 (2 if both are 9+ long)."""
    if len(a) < 5 or len(b) < 5:
        return False
    allowed = 2 if len(a) >= 9 and len(b) >= 9 else 1
    if abs(len(a) - len(b)) > allowed:
        return False
    return OSA.distance(a, b, score_cutoff=allowed) <= allowed


def _veto_token(token, side):
    kind = special(token)
    if kind is not None:
        return Veto(kind.code, "has '%s' on the %s side only, %s: another machine" % (token, side, kind.text))
    return None


def veto(source_tokens, target_tokens):
    """None when the two token lists may name the same host with a typo-like difference, else a :class:`Veto`."""
    numbers_s, numbers_t = number_sequence(source_tokens), number_sequence(target_tokens)
    if numbers_s != numbers_t:
        return Veto(
            "numbers_differ",
            "carries other numbers in order (%s vs %s)"
            % (" ".join(numbers_t) or "none", " ".join(numbers_s) or "none"),
        )
    letters_s = [t for t in source_tokens if not t.isdigit()]
    letters_t = [t for t in target_tokens if not t.isdigit()]
    if letters_s == letters_t:
        return None
    count_s, count_t = Counter(letters_s), Counter(letters_t)
    only_s = count_s - count_t
    only_t = count_t - count_s
    # A DR affix, first or last on its side.
    for only, full in ((only_s, source_tokens), (only_t, target_tokens)):
        for affix in DR_AFFIXES:
            if only.get(affix) and (full[0] == affix or full[-1] == affix):
                only[affix] -= 1
    only_s, only_t = +only_s, +only_t
    # Synonyms of one environment class, one on each side.
    for token in sorted(only_s):
        cls = ENV_CLASS.get(token)
        if cls is None:
            continue
        for other in sorted(only_t):
            if only_t[other] and ENV_CLASS.get(other) == cls and only_s[token]:
                only_s[token] -= 1
                only_t[other] -= 1
        only_s, only_t = +only_s, +only_t
    if not only_s and not only_t:
        return None
    rest_s = [t for t in letters_s if only_s.get(t)]
    rest_t = [t for t in letters_t if only_t.get(t)]
    rest_s = _take(rest_s, only_s)
    rest_t = _take(rest_t, only_t)
    # b. a concatenation difference: the differing tokens spell the same letters in the same order (short pieces
    # such as 'web' in 'web server' / 'webserver' are fine, the other kinds of c. still veto).
    concatenation = "".join(rest_s) == "".join(rest_t)
    # c. tokens that are a different machine by themselves, whatever explains them.
    for tokens_, side in ((rest_t, "target"), (rest_s, "source")):
        for token in tokens_:
            found = _veto_token(token, side)
            if found is not None and not (concatenation and found.code == "short_token"):
                return found
    if concatenation:
        return None
    if len(rest_s) != len(rest_t):
        extra = rest_t if len(rest_t) > len(rest_s) else rest_s
        side = "target" if len(rest_t) > len(rest_s) else "source"
        return Veto("extra_token", "has the extra word '%s' on the %s side: another machine" % (" ".join(extra), side))
    for a, b in zip(rest_s, rest_t):
        if not _typo(a, b):
            return Veto(
                "word_differs", "has '%s' where the source has '%s', which is not a typo of a long word" % (b, a)
            )
    return None


def _take(ordered, counts):
    """The tokens of ``ordered`` kept by ``counts`` (a multiset), in their order."""
    left = Counter(counts)
    kept = []
    for token in ordered:
        if left.get(token):
            left[token] -= 1
            kept.append(token)
    return kept
