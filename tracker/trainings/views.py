"""HTML pages."""
from flask import Blueprint

bp = Blueprint("trainings", __name__)
