# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Where a failed-over server runs now, from what DRS and EC2 show on both sides (pure: no AWS call).

Used by drs_failback_state_info, so that a failback (and above all a resumed one) judges each server by AWS, not by
its own record: a server already back in its original is not failed back twice, a server that runs nowhere is the
worst outcome and is said so, with the way back.
"""

# Where the server runs (the ``state`` of a server).
RECOVERED = "recovered"        # its recovery instance runs in the recovery Region; no reverse replication yet
REVERSING = "reversing"        # reverse replication into the origin Region exists; the original does not run it yet
FAILED_BACK = "failed_back"    # the original instance runs the server again (failback launched into it)
NOWHERE = "nowhere"            # neither the original nor the DR instance is running
UNKNOWN = "unknown"            # DRS and EC2 disagree in a way nothing here explains

UP = ("pending", "running")


def instance_state(instance):
    """The EC2 state name of a DescribeInstances item, or None."""
    return ((instance or {}).get("State") or {}).get("Name")


def classify(forward, recovery_instance, dr_instance, original, reversed_server, failback_instance, origin_region, recovery_region):
    """``(state, message, remediation)`` for one forward source server.

    ``forward``: the FAILOVER-direction source server (recovery Region); ``recovery_instance``: its non-drill DRS
    recovery instance or None (a failback clean-up deletes it); ``dr_instance``: the EC2 instance that recovery instance
    is, or the launch-into target of the server's launch configuration; ``original``: the origin EC2 instance the server
    replicated from; ``reversed_server``: a FAILBACK-direction source server in the origin Region replicating from
    ``dr_instance``, or None; ``failback_instance``: an origin-Region DRS recovery instance whose EC2 instance is the
    original, or None.
    """
    dr_id = (dr_instance or {}).get("InstanceId")
    original_id = (original or {}).get("InstanceId")
    dr_up, original_up = instance_state(dr_instance) in UP, instance_state(original) in UP
    if original_up and (failback_instance or (recovery_instance is None and not dr_up)):
        return FAILED_BACK, f"Runs in its original instance {original_id} in {origin_region}.", None
    if not original_up and not dr_up:
        where = []
        if dr_id:
            where.append(f"DR instance {dr_id} in {recovery_region} is {instance_state(dr_instance)}")
        else:
            where.append(f"no DR instance is known in {recovery_region}")
        where.append(f"original {original_id} in {origin_region} is {instance_state(original)}" if original_id
                     else f"the original instance is not found in {origin_region}")
        if recovery_instance is None and original_id:  # the failback finished into the original (its records are cleaned up)
            way_back = (f"Start {original_id} in {origin_region} (aws ec2 start-instances --region {origin_region} --instance-ids "
                        f"{original_id}): the failback launched into it, so it holds the server's latest data")
        elif dr_id:
            way_back = (f"Start {dr_id} in {recovery_region} (aws ec2 start-instances --region {recovery_region} --instance-ids {dr_id}): "
                        "it holds the failed-over server's data")
        else:
            way_back = "Recover the server again from DRS (a new failover of it)"
        return (NOWHERE, "Runs nowhere: " + "; ".join(where) + ".",
                way_back + ". Then run the failback again with the same dr_run_id.")
    if reversed_server is not None:
        reverse_state = (reversed_server.get('dataReplicationInfo') or {}).get('dataReplicationState')
        return REVERSING, f"Reverse replication from {dr_id} into {origin_region} exists ({reverse_state}).", None
    if recovery_instance is not None:
        return RECOVERED, f"Recovered in DR instance {dr_id} in {recovery_region} ({instance_state(dr_instance) or 'not found'}).", None
    return (UNKNOWN, f"DRS shows {'no' if recovery_instance is None else 'a'} recovery instance for {(forward or {}).get('sourceServerID')}; "
                     f"DR instance {dr_id or '-'} is {instance_state(dr_instance) or 'unknown'}, "
                     f"original {original_id or '-'} is {instance_state(original) or 'unknown'}.",
            "Find out what happened to the server since the failover before failing it back (see the DRS console, "
            "Recovery instances and Source servers, in both Regions).")
