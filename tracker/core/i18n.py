"""Languages: Vietnamese by default, English selectable; dates and numbers the local way."""
from flask import current_app, request, session

from tracker.extensions import babel

LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}


def select_locale():
    """Pages: the language chosen in the session. API: the client's Accept-Language. The public page:
    ``?lang=``. Else Vietnamese."""
    languages = current_app.config["TRACKER_LANGUAGES"]
    if not request:
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if request.path.startswith("/api/"):
        lang = request.accept_languages.best_match(languages)
    elif request.path.startswith("/public/"):
        lang = request.args.get("lang")  # in the URL, so that caches keep one page per language
    else:
        lang = session.get("lang")
    return lang if lang in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def init_i18n(app):
    """Bind Flask-Babel with the catalogues shipped in the package."""
    babel.init_app(app, locale_selector=select_locale, default_translation_directories="translations")
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
