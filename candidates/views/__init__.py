"""The candidate's pages behind a response link (candidate.py) and the staff actions on links
and on a candidate's data (staff.py)."""
