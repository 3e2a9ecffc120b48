"""Flask-Login wiring: loading the signed-in user for pages."""
from flask_babel import lazy_gettext as _l

from tracker.auth.models import User
from tracker.extensions import db, login_manager


@login_manager.user_loader
def load_user(user_id):
    """Return the active user stored in the session, or None."""
    user = db.session.get(User, int(user_id)) if str(user_id).isdigit() else None
    return user if user is not None and user.is_active else None


def init_login(app):
    """Bind Flask-Login to ``app``."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    # "basic": a volunteer whose phone changes network must not be signed out mid-training.
    login_manager.session_protection = "basic"
