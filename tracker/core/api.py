"""flask-smorest's ``Api``, with errors rendered by :mod:`tracker.core.errors`."""
import marshmallow as ma
from flask_smorest import Api as BaseApi


class ErrorDetailSchema(ma.Schema):
    """The inside of an error document (for the OpenAPI document only)."""

    code = ma.fields.String(metadata={"description": "Machine-readable error code"})
    message = ma.fields.String(metadata={"description": "Human-readable message"})
    fields = ma.fields.Dict(metadata={"description": "Messages by input field"})


class ErrorSchema(ma.Schema):
    """``{"error": {"code", "message", "fields"}}`` (for the OpenAPI document only)."""

    error = ma.fields.Nested(ErrorDetailSchema)


class Api(BaseApi):
    """The API registry; error handlers are the app's own, registered in ``create_app``."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):
        """Leave error rendering to :func:`tracker.core.errors.register_error_handlers`."""
