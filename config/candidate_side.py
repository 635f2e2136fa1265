"""Settings of the candidate's side (the candidates app: response links, responses, a
candidate's copy of their data), read from the environment; config/settings.py takes them all."""

from config.env import env_bool, env_int

__all__ = [
    "CANDIDATE_LINK_DAYS",
    "CANDIDATE_LINK_SHOWS_VERDICT",
    "CANDIDATE_LINK_ON_VIOLATION",
    "CANDIDATE_RESPONSE_MAX_CHARS",
    "CANDIDATE_LINK_REQUESTS_PER_MINUTE",
    "CANDIDATE_EXPORT_REVIEWER_NAMES",
]

# A response link lets a candidate see one attempt's record and answer it, without an account.
CANDIDATE_LINK_DAYS = env_int("CANDIDATE_LINK_DAYS", 14, minimum=1)
# Whether the page behind the link shows the verdict (its label, never the reviewer's reason).
CANDIDATE_LINK_SHOWS_VERDICT = env_bool("CANDIDATE_LINK_SHOWS_VERDICT", default=True)
# Every attempt given "Violation confirmed" gets a link, emailed to the candidate (needs email
# and SITE_URL; without them the reviewer creates the link on the report).
CANDIDATE_LINK_ON_VIOLATION = env_bool("CANDIDATE_LINK_ON_VIOLATION", default=False)
CANDIDATE_RESPONSE_MAX_CHARS = env_int("CANDIDATE_RESPONSE_MAX_CHARS", 4000, minimum=100)
# Requests to the candidate pages from one address per minute, valid link or not.
CANDIDATE_LINK_REQUESTS_PER_MINUTE = env_int("CANDIDATE_LINK_REQUESTS_PER_MINUTE", 120, minimum=1)
# A candidate's copy of their data names reviewers by role ("Test admin") unless this is true.
CANDIDATE_EXPORT_REVIEWER_NAMES = env_bool("CANDIDATE_EXPORT_REVIEWER_NAMES", default=False)
