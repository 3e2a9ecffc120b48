"""Campaigns: the drive's window, its targets and the countdown."""
