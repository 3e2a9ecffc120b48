"""HTML pages about sending the digest: recipients by unit and the log of e-mails sent."""
from flask import Blueprint

bp = Blueprint("digest_mail", __name__)
