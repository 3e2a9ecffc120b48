"""Volunteer enrolment without accounts: a coordinator's link (a QR code) makes scanner-only volunteers."""
