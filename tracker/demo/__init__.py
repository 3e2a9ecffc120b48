"""The demo province: seeded by ``flask --app tracker demo`` (seed.py), its names (data.py), its people
and check-ins (people.py), and the trainings kept open for trying the scanner (scan.py)."""
