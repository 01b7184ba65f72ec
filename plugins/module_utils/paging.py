# -*- coding: utf-8 -*-

# Copyright: Contributors to the elastic_dr.orchestrator project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Paginated reads that retry each page, not the whole listing.

A retry around botocore's ``build_full_result`` starts again from page 1: with 20 pages at 50 % throttling almost
every attempt meets a throttled page, so the listing takes many times longer or never completes. Here each page
is one call through the client's retry layer (``aws_retry=True``, retry.py) and the next page continues from the
token of the last good one, the way the paginator itself continues.
"""

# (input token, output token) per service's pagination convention; the same for every operation we page through.
TOKENS = {"drs": ("nextToken", "nextToken"), "ec2": ("NextToken", "NextToken")}


def all_items(client, operation, result_key, **params):
    """Every ``result_key`` item of a paginated ``operation``, page by page, each page retried on its own."""
    service = client.meta.service_model.service_name
    token_in, token_out = TOKENS[service]
    call = getattr(client, operation)
    items, token, seen = [], None, set()
    while True:
        page = call(aws_retry=True, **params, **({token_in: token} if token else {}))
        items.extend(page.get(result_key) or [])
        token = page.get(token_out)
        if not token:
            return items
        if token in seen:  # what botocore's paginator refuses too ("The same next token was received twice")
            raise RuntimeError(f"{operation} returned the same next token twice; the listing would never end.")
        seen.add(token)
