"""User, login and token input and output."""
import marshmallow as ma
from flask_babel import gettext as _

from tracker.auth.models import Role
from tracker.core.text import Line
from tracker.geo.schemas import UnitField

USERNAME = ma.validate.Regexp(r"^[a-z0-9][a-z0-9._-]{2,79}$",
                              error="3–80 lower-case letters, digits, dot, dash or underscore.")
#: Every password a person chooses: the same rule at creation, change and reset.
PASSWORD = ma.validate.Length(min=8, max=200)


class UserSchema(ma.Schema):
    id = ma.fields.Integer()
    username = ma.fields.String()
    full_name = ma.fields.String(allow_none=True)
    email = ma.fields.String(allow_none=True)
    role = ma.fields.Enum(Role, by_value=True)
    unit = UnitField()
    is_active = ma.fields.Boolean()


class UserCreateSchema(ma.Schema):
    username = ma.fields.String(required=True, validate=USERNAME)
    password = ma.fields.String(required=True, load_only=True, validate=PASSWORD)
    role = ma.fields.Enum(Role, by_value=True, required=True)
    unit = UnitField(required=True)
    full_name = Line(load_default=None, allow_none=True, validate=ma.validate.Length(max=200))
    email = ma.fields.Email(load_default=None, allow_none=True)
    #: The creator chose the password: the person must choose their own at first sign-in.
    must_change_password = ma.fields.Boolean(load_default=False)

    @ma.pre_load
    def normalise(self, data, **kwargs):
        """Lower-case the username and read blank optional fields as empty."""
        data = dict(data)
        if isinstance(data.get("username"), str):
            data["username"] = data["username"].strip().lower()
        for key in ("full_name", "email"):
            if isinstance(data.get(key), str) and not data[key].strip():
                data[key] = None
        return data


class UserUpdateSchema(ma.Schema):
    """An account's edit form: every editable field is sent (blank name or e-mail: none)."""

    full_name = Line(required=True, allow_none=True, validate=ma.validate.Length(max=200))
    email = ma.fields.Email(required=True, allow_none=True)
    role = ma.fields.Enum(Role, by_value=True, required=True)
    unit = UnitField(required=True)

    @ma.pre_load
    def normalise(self, data, **kwargs):
        """Read blank name and e-mail as none, and trim them."""
        data = dict(data)
        for key in ("full_name", "email"):
            if isinstance(data.get(key), str):
                data[key] = data[key].strip() or None
        return data


class NewPasswordSchema(ma.Schema):
    """A new password, typed twice."""

    new_password = ma.fields.String(required=True, load_only=True, validate=PASSWORD)
    new_password_confirm = ma.fields.String(required=True, load_only=True)

    @ma.validates_schema
    def validate_confirm(self, data, **kwargs):
        """The two must be the same."""
        if "new_password" in data and data.get("new_password_confirm") != data["new_password"]:
            raise ma.ValidationError(_("The two passwords are not the same."), "new_password_confirm")


class PasswordChangeSchema(NewPasswordSchema):
    current_password = ma.fields.String(required=True, load_only=True, validate=ma.validate.Length(min=1, max=200))


class LoginSchema(ma.Schema):
    username = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=80))
    password = ma.fields.String(required=True, load_only=True, validate=ma.validate.Length(min=1, max=200))
    next = ma.fields.String(load_default=None)

    @ma.post_load
    def lower_username(self, data, **kwargs):
        data["username"] = data["username"].strip().lower()
        return data


class UserActiveFormSchema(ma.Schema):
    is_active = ma.fields.Boolean(required=True)


class TokenCreateSchema(LoginSchema):
    class Meta:
        exclude = ("next",)


class TokenSchema(ma.Schema):
    token = ma.fields.String()
    expires_at = ma.fields.AwareDateTime()


def password_error():
    return _("Wrong username or password.")
