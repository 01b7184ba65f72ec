# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one-line progress of the waits over instances (pure): reverse replication and re-protection (caught up or not),
the drill clean-up's reset (put back or not). The modules return it as ``summary``; the action plugins print it after
each round, computed over the entries of every round so far."""

from collections import Counter


def mmss(seconds):
    whole = int(seconds)
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}" if whole >= 3600 else f"{whole // 60}:{whole % 60:02d}"


def replication(entries, label, max_lag_seconds):
    """Counts and a one-line ``progress`` message: caught up, failed, and the entries still ``waiting`` by state."""
    failed = [e for e in entries if e.get("error")]
    waiting = [e for e in entries if e.get("waiting") and not e.get("error")]
    caught = len(entries) - len(failed) - len(waiting)
    progress = f"{label}: {caught}/{len(entries)} caught up (CONTINUOUS, lag under {max_lag_seconds} s)"
    if failed:
        progress += f", {len(failed)} failed"
    if waiting:
        states = Counter(e.get("replication_state") or "not yet reported" for e in waiting)
        lags = [e["lag_seconds"] for e in waiting if e.get("lag_seconds") is not None]
        progress += f", {len(waiting)} still replicating (" + ", ".join(f"{n} {state}" for state, n in sorted(states.items())) + ")"
        if lags:
            progress += f", highest lag {mmss(max(lags))}"
    return {"total": len(entries), "caught_up": caught, "failed": len(failed), "waiting": len(waiting), "progress": progress}


def reset(entries, label):
    """Counts and a one-line ``progress`` message of a drill clean-up's reset: put back, failed, still to go."""
    failed = [e for e in entries if e.get("error")]
    waiting = [e for e in entries if e.get("waiting") and not e.get("error")]
    back = len(entries) - len(failed) - len(waiting)
    progress = f"{label}: {back}/{len(entries)} put back" + (f", {len(failed)} failed" if failed else "") + (
        f", {len(waiting)} to go" if waiting else "")
    return {"total": len(entries), "put_back": back, "failed": len(failed), "waiting": len(waiting), "progress": progress}
