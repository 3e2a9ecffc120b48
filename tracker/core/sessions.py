"""The session cookie, and the pages that must not vary by it.

A page anyone may cache (the public progress page) reads nothing of the session, but Flask-Login
looks at it after every request, which would make Flask send ``Vary: Cookie`` and keep proxies from
sharing the page. Such views call ``mark_shared()``; their responses then carry no ``Vary: Cookie``
and never a cookie.
"""
from flask import g
from flask.sessions import SecureCookieSessionInterface

_SHARED = "tracker_shared_response"


def mark_shared():
    """Say that this request's answer is the same for everyone: no session cookie, no ``Vary: Cookie``."""
    g.setdefault(_SHARED, True)


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, except for responses marked shared."""

    def save_session(self, app, session, response):
        if g.get(_SHARED):
            return
        super().save_session(app, session, response)
