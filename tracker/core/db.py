"""The declarative base, the UTC datetime type and connection settings."""
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.ext.compiler
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase

from tracker.core.time import day_bounds, epoch_day, fixed_utc_offset

#: Stable constraint names, so that migrations can drop what they created on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


#: The dialects' own INSERT, which has ``on_conflict_do_nothing`` / ``on_conflict_do_update``.
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def dialect_insert(executor, target):
    """Return an ``INSERT`` of ``target`` (a model or table) in the dialect of ``executor``'s database.

    ``executor``: a session or a connection.
    """
    dialect = executor.get_bind().dialect if hasattr(executor, "get_bind") else executor.dialect
    return _INSERTS[dialect.name](target)


class UTCDateTime(sa.types.TypeDecorator):
    """An aware instant, stored as UTC and returned aware on every database."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware instant is required")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Base of every model."""

    registry = sa.orm.registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


def str_enum(enum_cls, name):
    """Store a ``StrEnum`` as a short string with a CHECK constraint (no native enum type)."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda cls: [member.value for member in cls],
        validate_strings=True,
    )


@sa.event.listens_for(sa.engine.Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record):
    """Turn on WAL, foreign keys and a busy timeout for every SQLite connection."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


@sa.event.listens_for(sa.engine.Engine, "savepoint")
def _begin_before_sqlite_savepoint(connection, name):
    """Open SQLite's transaction before a savepoint when no write has opened it yet.

    The sqlite3 module sends its implicit BEGIN only before INSERT, UPDATE and DELETE. A SAVEPOINT
    sent first would start the transaction itself, and its RELEASE would then commit everything
    up to that point at once, before the caller's commit (a half-done change made durable).
    """
    dbapi_connection = connection.connection.dbapi_connection
    if type(dbapi_connection).__module__.startswith("sqlite3") and not dbapi_connection.in_transaction:
        dbapi_connection.execute("BEGIN")


def include_in_schema(obj, dialect_name):
    """Tell whether a schema object is built on ``dialect_name`` (see ``Index.ddl_if``).

    Alembic's comparison ignores ``ddl_if``; migrations and the schema check filter with this.
    """
    condition = getattr(obj, "_ddl_if", None)
    if condition is None or condition.dialect is None:
        return True
    return dialect_name in ((condition.dialect,) if isinstance(condition.dialect, str) else condition.dialect)


class epoch_seconds(sa.sql.expression.FunctionElement):
    """Whole seconds since 1970-01-01 UTC of a ``UTCDateTime`` column, as an integer, on every database."""

    type = sa.BigInteger()
    inherit_cache = True


@sa.ext.compiler.compiles(epoch_seconds, "sqlite")
def _epoch_seconds_sqlite(element, compiler, **kw):
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@sa.ext.compiler.compiles(epoch_seconds, "postgresql")
def _epoch_seconds_postgresql(element, compiler, **kw):
    return f"CAST(floor(extract(epoch FROM {compiler.process(element.clauses, **kw)})) AS BIGINT)"


def local_day_number(column, tz_name, first, last):
    """Return SQL for the local calendar day of instants in ``column``, as days since 1970-01-01.

    With a fixed UTC offset over ``first``…``last`` this is integer arithmetic on epoch seconds;
    otherwise each day's UTC bounds are compared (exact, slower). Instants outside the range map
    to the nearest end.
    """
    offset = fixed_utc_offset(tz_name, first, last)
    if offset is not None:
        number = (epoch_seconds(column) + offset) // 86400
        return sa.case((number < epoch_day(first), epoch_day(first)), (number > epoch_day(last), epoch_day(last)),
                       else_=number)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return sa.case(*[(column < day_bounds(day, tz_name)[1], epoch_day(day)) for day in days[:-1]],
                   else_=epoch_day(last))
