# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Polling DRS state that has no botocore waiter (job completion, quota room), with a deadline."""

import time


class Deadline:
    def __init__(self, timeout, interval):
        self.end = time.monotonic() + max(0, timeout)
        self.interval = max(0.0, float(interval))

    @property
    def remaining(self):
        return max(0.0, self.end - time.monotonic())

    def expired(self):
        return time.monotonic() >= self.end

    def sleep(self):
        """Sleep one interval (never past the deadline); False when the deadline has passed."""
        if self.expired():
            return False
        time.sleep(min(self.interval, self.remaining))
        return True
