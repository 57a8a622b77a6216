"""The words of the interaction's measures, shared by forms, services, pages and PDFs.

Pure data: no Flask, no database. Stored values on the left, what people read on the right.
"""

from __future__ import annotations

# The three relationship levels of the source documents, in their order (Level 1, 2, 3):
# the relationship profile (Pyramid, Hourglass, Hexagon) is drawn from their shares.
CUSTOMER_TYPES = {
    "first_time": "First-time customer",
    "repeat": "Repeat customer",
    "advocate": "Advocate",
}
RELATIONSHIP_LEVELS = tuple(CUSTOMER_TYPES)

OUTCOMES = {
    "resolved": "Resolved",
    "escalated": "Escalated",
    "unresolved": "Unresolved",
    "sale": "Sale made",
    "referral_asked": "Referral asked",
    "information": "Information given",
}
