"""繁简分流: which track a new case takes, from what is known at filing.

Defaults drawn from DOMAIN.md: small claims (under 50,000 yuan) and preserved-property cases under
100,000 go to the fast track (速执); large claims (5,000,000 and over) and cases against state organs
to the special track (特执); the rest are ordinary (普执).
"""

from __future__ import annotations

from enforcement.cases import Case, DebtorType, Track

FAST_BELOW_YUAN = 50_000
FAST_PRESERVED_BELOW_YUAN = 100_000
SPECIAL_FROM_YUAN = 5_000_000


def triage(case: Case) -> Track:
    if case.amount >= SPECIAL_FROM_YUAN or case.debtor_type == DebtorType.SPECIAL_LEGAL_PERSON:
        return Track.SPECIAL
    if case.amount < FAST_BELOW_YUAN or (case.preserved and case.amount < FAST_PRESERVED_BELOW_YUAN):
        return Track.FAST
    return Track.ORDINARY
