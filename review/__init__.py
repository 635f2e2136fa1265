"""Reviewing attempts: verdicts, notes, dismissed evidence, the needs-review queue.

`models` holds reviewers' work (tables kept from when it lived in the proctoring app),
`services` writes (each write with its audit record, in one transaction), `selectors` reads
(the queue, the review columns of a list, one attempt's review), `forms` validates what a
reviewer sends, and `permissions.may_give_verdict` says who may give a verdict; every other
access check is access.permissions, as for every page. The review pages are dashboard's.
"""
