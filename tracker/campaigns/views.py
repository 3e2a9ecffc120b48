"""HTML pages."""
from flask import Blueprint

bp = Blueprint("campaigns", __name__)
