"""Fixtures of the participant tests."""
from tests.digests.worked_example import worked  # noqa: F401,E402  (the hand-worked campaign)
