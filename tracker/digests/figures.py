"""The figures of the digest (SPEC §6), computed in SQL. See docs/digest.md for the payload."""


def build_payload(campaign, unit, day):
    """Return the digest payload of ``unit`` for ``day`` (as of 00:00 local on ``day``)."""
    raise NotImplementedError
