"""Fixtures of the webhook tests: a real HTTP receiver on loopback, subscribing it, emitting events."""
from tests.events.webhook_receiver import emit, receiver, subscribe  # noqa: F401
