"""HTML pages of the digest: the day's page, its PDF and chat text, and the history."""
from flask import Blueprint

bp = Blueprint("digests", __name__)
