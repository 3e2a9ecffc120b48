"""The JSON API under ``/api/v1``: thin handlers over domain schemas and operations."""
