"""Accounts come from the access key (moto's mapping), so STS AssumeRole into a DR account works end to end."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from lab_helpers import TWO_ACCOUNTS, Clients
from lab_helpers import instance, launch_into, run_job

ROLE = "arn:aws:iam::222222222222:role/DrsOrchestrator"


@pytest.mark.estate(TWO_ACCOUNTS)
def test_assume_role_into_the_dr_account(lab, aws):
    sts = aws("sts")
    assert sts.get_caller_identity()["Account"] == "123456789012"
    with pytest.raises(ClientError) as err:  # the automation account has no DRS
        aws("drs").describe_source_servers(filters={})
    assert err.value.response["Error"]["Code"] == "UninitializedAccountException"

    creds = sts.assume_role(RoleArn=ROLE, RoleSessionName="dr-drill", ExternalId="ext-1234")["Credentials"]
    dr = Clients(lab, credentials={"aws_access_key_id": creds["AccessKeyId"], "aws_secret_access_key": creds["SecretAccessKey"],
                                   "aws_session_token": creds["SessionToken"]})
    assert dr("sts").get_caller_identity()["Account"] == "222222222222"
    drs, ec2 = dr("drs"), dr("ec2")
    servers = drs.describe_source_servers(filters={})["items"]
    assert len(servers) == 6
    for srv in servers:
        assert srv["arn"].split(":")[4] == "222222222222"
        assert srv["sourceCloudProperties"]["originAccountID"] == "111111111111"
        assert srv["sourceCloudProperties"]["originRegion"] == "us-east-1"

    truth = lab.truth()
    server = truth["servers"][0]
    launch_into(drs, server)
    job = run_job(lab, drs, [server["source_server_id"]], drill=True)
    assert job["participatingServers"][0]["recoveryInstanceID"] == server["target_instance_id"]
    assert instance(ec2, server["target_instance_id"])["PrivateIpAddress"] == server["target_ip"]
    # the DR account's instances are invisible from the automation account
    assert aws("ec2").describe_instances(Filters=[{"Name": "instance-id", "Values": [server["target_instance_id"]]}])["Reservations"] == []
