"""Fixtures of the digest tests: the hand-worked ten-day campaign (see worked_example.py)."""
from tests.digests.worked_example import worked  # noqa: F401
