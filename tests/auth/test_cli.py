import sqlalchemy as sa

from tracker.auth.models import User
from tracker.events.models import Event


def test_create_user_with_password_from_stdin(runner, tree, db):
    result = runner.invoke(args=["users", "create", "Eakao.DieuPhoi", "--role", "coordinator", "--unit", "66001",
                                 "--password-stdin"], input="mật-khẩu-dài-2025\n")
    assert result.exit_code == 0, result.output
    assert "eakao.dieuphoi" in result.output and "Xã Ea Kao" in result.output
    user = db.session.scalar(sa.select(User))
    assert (user.username, user.role.value, user.unit.code) == ("eakao.dieuphoi", "coordinator", "66001")
    assert user.password_hash != "mật-khẩu-dài-2025" and user.check_password("mật-khẩu-dài-2025")
    event = db.session.scalar(sa.select(Event))
    assert (event.type, event.actor_id, event.unit.code) == ("user.created", None, "66001")


def test_create_user_with_password_prompt(runner, tree, db):
    result = runner.invoke(args=["users", "create", "admin", "--role", "admin", "--unit", "66"],
                           input="long-password-1\nlong-password-1\n")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(User)).check_password("long-password-1")


def test_create_user_refuses_bad_input(runner, tree, db):
    short = runner.invoke(args=["users", "create", "bob", "--role", "admin", "--unit", "66", "--password-stdin"],
                          input="short\n")
    assert short.exit_code == 1 and "password" in short.output
    unknown = runner.invoke(args=["users", "create", "bob", "--role", "admin", "--unit", "99", "--password-stdin"],
                            input="long-password-1\n")
    assert unknown.exit_code == 1 and "Unknown unit: 99." in unknown.output
    role = runner.invoke(args=["users", "create", "bob", "--role", "king", "--unit", "66", "--password-stdin"],
                         input="long-password-1\n")
    assert role.exit_code == 2
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_usernames_are_unique(runner, tree, db):
    args = ["users", "create", "admin", "--role", "admin", "--unit", "66", "--password-stdin"]
    assert runner.invoke(args=args, input="long-password-1\n").exit_code == 0
    again = runner.invoke(args=args, input="long-password-2\n")
    assert again.exit_code == 1 and "The username admin is taken." in again.output
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 1
