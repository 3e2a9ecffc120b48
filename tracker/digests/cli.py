"""``flask --app tracker digest …``"""
from flask.cli import AppGroup

digest_cli = AppGroup("digest", help="The daily countdown digest.")
