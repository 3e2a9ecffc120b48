"""Scheduled jobs of the digest: compile every campaign's digests at its digest time, catch up."""
