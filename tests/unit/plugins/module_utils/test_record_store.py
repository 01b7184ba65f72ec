# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""plugins/module_utils/record_store.py: where a run's files live in the record bucket."""

import pytest

from plugins.module_utils import record_store


@pytest.mark.parametrize("prefix, expected", [("dr-runs", "dr-runs/r-1/"), ("/dr-runs/", "dr-runs/r-1/"), ("", "r-1/"),
                                              ("a/b", "a/b/r-1/")])
def test_one_slash_between_parts_and_none_in_front(prefix, expected):
    assert record_store.run_prefix(prefix, "r-1") == expected
    assert record_store.location("bkt", prefix, "r-1") == "s3://bkt/" + expected
