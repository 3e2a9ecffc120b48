"""Scheduled housekeeping for authentication."""
from tracker.auth import operations


def purge_expired_tokens():
    """Delete API tokens past their expiry."""
    return operations.purge_expired_tokens()
