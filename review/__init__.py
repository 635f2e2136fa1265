"""Reviewing attempts: verdicts, notes, dismissed evidence, the needs-review queue.

`services` writes (each write with its audit record, in one transaction), `queries` reads
(the queue, the review columns of a list, one attempt's review), `forms` validates what a
reviewer sends. Who may do what is decided in access.permissions, as for every page.
"""
