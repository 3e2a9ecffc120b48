"""The participants list as a spreadsheet: the people the list page shows for the same filters.

Read through the list's own query (:func:`~tracker.participants.queries.participants_for`), in
its order, as plain columns fetched in batches: never one ORM object per person.
"""
import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import aliased

from tracker.auth.access import can
from tracker.core.exports import Sheet, local_naive, stream_rows
from tracker.geo.models import Unit
from tracker.participants.models import GENDER_LABELS, Participant
from tracker.participants.queries import PARTICIPANT_ORDER, participants_for


def participants_sheet(user, *, q=None, village=None, tz_name):
    """Return the sheet of the people ``user``'s list shows for ``q`` and ``village``; times in ``tz_name``.

    The phone column is there only for roles that may read people's personal data.
    """
    with_phone = can(user, "participants.read")
    commune = aliased(Unit)
    columns = [Participant.code, Participant.full_name, Participant.birth_year, Participant.gender,
               Participant.ethnicity, Unit.code, Unit.name, commune.code, commune.name,
               Participant.phone if with_phone else sa.null(), Participant.created_at,
               Participant.card_printed_at.is_not(None)]
    stmt = (participants_for(user, q=q, village=village)
            .join(commune, commune.id == Unit.parent_id)
            .with_only_columns(*columns).order_by(*PARTICIPANT_ORDER))
    headers = [_("Code"), _("Full name"), _("Birth year"), _("Gender"), _("Ethnic group"), _("Village code"),
               _("Village"), _("Commune code"), _("Commune"), _("Phone"), _("Registered at"), _("Card printed")]
    if not with_phone:
        headers.remove(_("Phone"))
    words = {"gender": {key: str(label).capitalize() for key, label in GENDER_LABELS.items()},
             True: _("yes"), False: _("no")}
    return Sheet(_("Participants"), headers, _rows(stmt, words, tz_name, with_phone),
                 widths=[10, 28, 10, 8, 14, 12, 24, 12, 24, *([13] if with_phone else []), 17, 10])


def _rows(stmt, words, tz_name, with_phone):
    for (code, name, birth_year, gender, ethnicity, village_code, village, commune_code, commune, phone,
         created_at, has_card) in stream_rows(stmt):
        row = [code, name, birth_year, words["gender"].get(gender, gender), ethnicity, village_code, village,
               commune_code, commune, phone, local_naive(created_at, tz_name), words[bool(has_card)]]
        if not with_phone:
            del row[9]
        yield row
