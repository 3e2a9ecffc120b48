"""Trainings: one session in one village."""
