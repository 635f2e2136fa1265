"""The columns the attempts table keeps an index on for the attempts list (proctoring.models).

The list walks one (column, id) index per sortable column; the nullable ones also get a partial
index on id of their rows without a value. Apart from the model so it stays readable.
"""

# The attempts list's sortable columns and the names of their (column, id) indexes.
LIST_SORT_COLUMNS = {
    "started_at": "started",
    "submitted_at": "submitted",
    "trust_score": "trust",
    "candidate_name": "name",
    "candidate_email": "email",
    "lookup_key": "lookup_key",
    "evidence_status": "evidence",
}
# The nullable ones, with the name of the partial index on id of their rows without a value.
LIST_NULL_COLUMNS = {
    "started_at": "dash_attempt_unstarted_id",
    "submitted_at": "dash_attempt_unsubmitted_id",
    "trust_score": "dash_attempt_unscored_id",
}
# The columns with a (lookup_key, column, id) index, by its name: a list limited to a few tests
# reads each test's rows in the column's order from it (dashboard.pagination), and the tests
# index reads a test's first and last attempt and its scores (analytics.tallied_figures). A
# test's rows without a value come from the (lookup_key, id) index.
KEY_SORT_INDEXES = {
    "started_at": "attempt_key_started",
    "submitted_at": "attempt_key_submitted",
    "trust_score": "attempt_key_trust",
}
