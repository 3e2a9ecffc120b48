"""Plumbing with no domain knowledge."""
