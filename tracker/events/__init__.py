"""The append-only event log, its feed and (later) webhooks."""
