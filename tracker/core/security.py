"""Response headers that keep browsers strict: every asset is our own, nothing frames us."""

#: No inline scripts or styles, no other origin: the app serves everything it uses.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(self), geolocation=(), microphone=()",
}


def add_security_headers(response):
    """Add the headers to every response that does not set its own."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_security(app):
    """Install the headers on ``app``."""
    app.after_request(add_security_headers)
