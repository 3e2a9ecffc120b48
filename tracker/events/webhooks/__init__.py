"""Webhooks after the Standard Webhooks specification: subscriptions, signed deliveries, retries."""
