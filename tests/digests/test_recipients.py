"""Recipients of a unit's digest: an admin's addresses and users' own subscriptions."""
import json

import pytest
import sqlalchemy as sa

from tests.digests.mail_helpers import NOW, add_recipient, store_digest
from tracker.core.errors import Forbidden, InvalidInput, NotFound
from tracker.digests import mail, recipients
from tracker.digests.models import DigestEmail, DigestRecipient, EmailStatus
from tracker.events.models import Event


def events_of(db, type_):
    return db.session.scalars(sa.select(Event).where(Event.type == type_)).all()


def with_email(db, user, address):
    user.email = address
    db.session.commit()
    return user


def test_an_admin_adds_an_address_and_the_event_names_no_one(db, tree, users):
    data = {"email": "BCD.EaKao@Daklak.example", "name": "Văn phòng BCĐ xã", "language": "vi"}

    recipient = recipients.add_recipient(tree["commune"], data, user=users["admin"])
    db.session.commit()

    assert (recipient.email, recipient.name, recipient.is_active) == ("bcd.eakao@daklak.example", "Văn phòng BCĐ xã",
                                                                     True)
    [event] = events_of(db, "digest_recipient.added")
    assert event.payload == {"unit": "66001", "recipient_id": recipient.id, "user_id": None}
    assert event.unit_id == tree["commune"].id and event.actor_id == users["admin"].id
    assert "daklak" not in json.dumps(event.payload).lower()


def test_an_address_is_added_once_per_unit(db, tree, users):
    recipients.add_recipient(tree["commune"], {"email": "a@daklak.example", "language": "vi"}, user=users["admin"])

    with pytest.raises(InvalidInput) as refused:
        recipients.add_recipient(tree["commune"], {"email": " A@daklak.example", "language": "vi"}, user=users["admin"])

    assert "email" in refused.value.fields
    # Another unit may have the same address.
    recipients.add_recipient(tree["other_commune"], {"email": "a@daklak.example", "language": "vi"},
                             user=users["admin"])


def test_adding_a_paused_address_resumes_it(db, tree, users):
    paused = add_recipient(db, tree["commune"], "a@daklak.example", is_active=False)

    again = recipients.add_recipient(tree["commune"], {"email": "a@daklak.example", "language": "en"},
                                     user=users["admin"])

    assert again.id == paused.id and again.is_active and again.language == "en"


def test_pausing_drops_the_emails_still_waiting_and_keeps_the_sent_ones(db, dummy_campaign, tree, users):
    recipient = add_recipient(db, tree["commune"], "a@daklak.example")
    today = store_digest(db, dummy_campaign, tree["commune"])
    mail.queue_digest_emails([today], now=NOW)
    sent = DigestEmail(digest=store_digest(db, dummy_campaign, tree["province"]), recipient=recipient,
                       email=recipient.email, status=EmailStatus.sent, attempts=1, sent_at=NOW)
    db.session.add(sent)

    recipients.set_recipient_active(recipient, False, user=users["admin"])
    db.session.commit()

    assert db.session.scalars(sa.select(DigestEmail.status)).all() == [EmailStatus.sent]
    assert len(events_of(db, "digest_recipient.deactivated")) == 1
    recipients.set_recipient_active(recipient, True, user=users["admin"])
    assert recipient.is_active and len(events_of(db, "digest_recipient.reactivated")) == 1


def test_removing_forgets_the_address_and_its_history(db, dummy_campaign, tree, users):
    recipient = add_recipient(db, tree["commune"], "a@daklak.example")
    mail.queue_digest_emails([store_digest(db, dummy_campaign, tree["commune"])], now=NOW)
    recipient_id = recipient.id

    recipients.remove_recipient(recipient, user=users["admin"])
    db.session.commit()

    assert db.session.scalar(sa.select(sa.func.count(DigestRecipient.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(DigestEmail.id))) == 0
    [event] = events_of(db, "digest_recipient.removed")
    assert event.payload == {"unit": "66001", "recipient_id": recipient_id, "user_id": None}


@pytest.mark.parametrize("role", ["committee", "coordinator", "volunteer"])
def test_only_admins_manage_addresses(db, tree, create_user, role):
    user = create_user(role, tree["commune"])

    with pytest.raises(Forbidden):
        recipients.add_recipient(tree["commune"], {"email": "a@daklak.example", "language": "vi"}, user=user)


def test_an_admin_manages_only_units_in_their_area(db, tree, create_user):
    commune_admin = create_user("admin", tree["commune"])

    with pytest.raises(NotFound):
        recipients.add_recipient(tree["other_commune"], {"email": "a@daklak.example", "language": "vi"},
                                 user=commune_admin)
    with pytest.raises(NotFound):
        recipients.get_recipient_unit_for(commune_admin, "66")
    with pytest.raises(NotFound):
        recipients.get_recipient_unit_for(commune_admin, "6600101")  # a village gets no digest
    assert recipients.get_recipient_unit_for(commune_admin, "66001") == tree["commune"]


def test_a_committee_member_subscribes_and_unsubscribes_themselves(db, tree, users):
    member = with_email(db, users["commune_committee"], "Hoa.Nguyen@daklak.example")

    recipient = recipients.subscribe(member, tree["commune"], language="en")
    db.session.commit()

    assert (recipient.user_id, recipient.email, recipient.language, recipient.unit) == (
        member.id, "hoa.nguyen@daklak.example", "en", tree["commune"])
    assert recipients.subscribe(member, tree["commune"], language="en").id == recipient.id  # twice: one row
    [event] = events_of(db, "digest_recipient.subscribed")
    assert event.payload == {"unit": "66001", "recipient_id": recipient.id, "user_id": member.id}

    recipients.unsubscribe(member, tree["commune"])
    db.session.commit()
    assert not recipient.is_active and len(events_of(db, "digest_recipient.unsubscribed")) == 1
    assert recipients.active_recipients([tree["commune"].id]) == []


def test_subscribing_joins_the_address_an_admin_added(db, tree, users):
    member = with_email(db, users["commune_committee"], "hoa@daklak.example")
    added = add_recipient(db, tree["commune"], "hoa@daklak.example")

    assert recipients.subscribe(member, tree["commune"], language="vi").id == added.id
    assert db.session.scalar(sa.select(sa.func.count(DigestRecipient.id))) == 1


def test_subscribing_needs_an_address_and_ones_own_unit(db, tree, users):
    member = users["commune_committee"]
    with pytest.raises(InvalidInput, match="no e-mail address"):
        recipients.subscribe(member, tree["commune"], language="vi")

    with_email(db, member, "hoa@daklak.example")
    with pytest.raises(NotFound):
        recipients.subscribe(member, tree["other_commune"], language="vi")
    with pytest.raises(NotFound):
        recipients.subscribe(member, tree["province"], language="vi")
    province_member = with_email(db, users["committee"], "tinh@daklak.example")
    with pytest.raises(Forbidden):
        recipients.subscribe(province_member, tree["commune"], language="vi")
    volunteer = with_email(db, users["volunteer"], "tnv@daklak.example")
    with pytest.raises(Forbidden):
        recipients.subscribe(volunteer, tree["commune"], language="vi")


def test_a_subscription_follows_the_accounts_address(db, tree, users):
    member = with_email(db, users["commune_committee"], "old@daklak.example")
    recipient = recipients.subscribe(member, tree["commune"], language="vi")

    with_email(db, member, "new@daklak.example")
    assert recipients.active_recipients([tree["commune"].id]) == [(recipient, "new@daklak.example")]
    member.is_active = False
    assert recipients.active_recipients([tree["commune"].id]) == []


def test_the_unit_list_counts_active_recipients(db, tree, users):
    add_recipient(db, tree["commune"], "a@daklak.example")
    add_recipient(db, tree["commune"], "b@daklak.example", is_active=False)

    counts = {unit.code: count for unit, count in recipients.recipient_units(users["admin"])}

    assert counts == {"66": 0, "66001": 1, "66002": 0}
