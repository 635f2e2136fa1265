"""Which failed log-ins lock whom out: the pair (user name, address) at LOGIN_FAILURE_LIMIT,
the address alone only at LOGIN_ADDRESS_FAILURE_LIMIT, far higher.

Counting by address alone at the low limit let one person's wrong passwords lock out every
other user at that address: a campus behind one NAT, or everyone behind a proxy whose address
is all the dashboard sees. Counting by name alone let anyone lock a known user out from
anywhere. The pair stops a guesser at one account; the high address limit stops one address
guessing across many accounts, without a single student reaching it by mistyping.

axes counts failures per lockout parameter (settings: the pair, then the address) against one
limit; this handler reads the address's count against its own limit, and a successful log-in
clears the pair's failures only, never the address's (which would let a guesser with an
account of their own reset it).
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import QuerySet, Sum


def _failures(attempts: QuerySet) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class PairThenAddressHandler(AxesDatabaseHandler):
    """axes' database handler, with the address counted against its own, higher limit."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        pair, address = self.get_user_attempts(request, credentials)
        pair_failures = _failures(pair)
        if _failures(address) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(pair_failures, settings.AXES_FAILURE_LIMIT)
        return pair_failures

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        pair = self.filter_user_attempts(request, credentials)[0]
        return pair.delete()[0]
