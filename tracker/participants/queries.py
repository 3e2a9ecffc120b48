"""Reads of participants, always scoped by the home village and the reader's unit."""
import sqlalchemy as sa
from flask_babel import gettext as _

from tracker.auth.access import can_see, ensure_can, ensure_visible, scope_filter
from tracker.auth.models import User
from tracker.cards.tokens import normalise_code
from tracker.core.errors import NotFound
from tracker.core.pagination import paginate
from tracker.extensions import db
from tracker.geo.models import Unit
from tracker.participants.models import Participant
from tracker.participants.names import clean_name, fold_name

#: Chunk size for ``IN`` lists: well under every database's limit on bound parameters.
CHUNK = 500


def get_participant_for(user, participant_id, *, capability="participants.read"):
    """Return the participant living in ``user``'s scope; 404 outside it, 403 without ``capability``."""
    participant = db.session.get(Participant, participant_id)
    if participant is None or not can_see(user, participant.village):
        raise NotFound(_("Participant not found."))
    ensure_can(user, capability)
    return participant


def get_participant_by_code(code):
    """Return the participant with card ``code`` (any spelling a person may type), or None."""
    code = normalise_code(code)
    return db.session.scalar(sa.select(Participant).where(Participant.code == code)) if code else None


def existing_codes(codes):
    """Return the card codes among ``codes`` that participants already have."""
    codes, found = list(codes), set()
    for start in range(0, len(codes), CHUNK):
        found.update(db.session.scalars(sa.select(Participant.code).where(Participant.code.in_(codes[start:start + CHUNK]))))
    return found


def find_possible_duplicates(search_name, birth_year, village, exclude_id=None):
    """Return participants with the same folded name and birth year in ``village``, oldest first."""
    stmt = sa.select(Participant).where(
        Participant.village_id == village.id,
        Participant.search_name == search_name,
        Participant.birth_year == birth_year,
        Participant.merged_into_id.is_(None),
        Participant.consent_withdrawn_at.is_(None),
    )
    if exclude_id is not None:
        stmt = stmt.where(Participant.id != exclude_id)
    return db.session.scalars(stmt.order_by(Participant.id)).all()


def likely_same_people(user, data):
    """Return the stored people with the same folded name and birth year as a registration's ``data``.

    Only in a village of ``user``'s area: the registration refuses any other, and nothing is said
    about who lives there.
    """
    if not can_see(user, data["village"]):
        return []
    return find_possible_duplicates(fold_name(clean_name(data["full_name"])), data["birth_year"], data["village"])


def find_matching_people(keys):
    """Return ``{(search_name, birth_year, village_id): participant}`` for the stored ones among ``keys``."""
    keys = list(keys)
    found = {}
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start:start + CHUNK]
        stmt = sa.select(Participant).where(
            Participant.village_id.in_({key[2] for key in chunk}),
            Participant.search_name.in_({key[0] for key in chunk}),
        ).order_by(Participant.id)
        for person in db.session.scalars(stmt):
            found.setdefault((person.search_name, person.birth_year, person.village_id), person)
    return found


def name_condition(query):
    """Return a SQL condition matching every word of ``query`` at the start of a word of the name.

    The name and the query are both folded ("Nguyễn Thị Hoa" is stored as "nguyen thi hoa"), so
    "nguyen thi", "NGUYỄN thị", "hoa" and "nguyen hoa" all find her. A card code matches too.
    """
    words = fold_name(query).split()
    if not words:
        return None
    spaced = sa.literal_column("' '") + Participant.search_name
    # The first LIKE can use the trigram index (PostgreSQL); the second keeps word starts only.
    by_name = sa.and_(*(sa.and_(Participant.search_name.contains(word, autoescape=True),
                                spaced.contains(" " + word, autoescape=True)) for word in words))
    code = normalise_code(query)
    return sa.or_(by_name, Participant.code == code) if code else by_name


def participants_for(user, *, q=None, village=None):
    """Return a select of the participants ``user`` may see, joined to their village (``Unit``), filtered.

    The list page, the API and the spreadsheet export all read through here, in ``PARTICIPANT_ORDER``.
    """
    ensure_can(user, "participants.read")
    # A record merged into another is not a person of its own any more (its page says where it went).
    stmt = sa.select(Participant).join(Participant.village).where(scope_filter(user, Unit),
                                                                   Participant.merged_into_id.is_(None))
    if village is not None:
        ensure_visible(user, village)
        stmt = stmt.where(Unit.path.startswith(village.path, autoescape=True))
    condition = name_condition(q or "")
    return stmt.where(condition) if condition is not None else stmt


#: The order of the participants list (by folded name), its pages and its export.
PARTICIPANT_ORDER = (Participant.search_name, Participant.id)


def search_participants(user, *, q=None, village=None, cursor=None, limit=50):
    """Return ``(participants, next_cursor)`` that ``user`` may see, by folded name."""
    stmt = participants_for(user, q=q, village=village).options(
        sa.orm.contains_eager(Participant.village).selectinload(Unit.parent))
    return paginate(stmt, list(PARTICIPANT_ORDER), cursor=cursor, limit=limit)


def registrar_of(participant):
    """Return the user who registered ``participant``, or None."""
    return db.session.get(User, participant.registered_by_id) if participant.registered_by_id else None
