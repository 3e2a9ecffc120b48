"""Queueing and sending the digest e-mail through a real SMTP server on loopback (aiosmtpd)."""
import logging
import smtplib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.digests.mail_helpers import (
    BASE_URL,
    DAY,
    NOW,
    add_recipient,
    store_digest,
)
from tracker.digests import mail
from tracker.digests.models import DigestEmail, EmailStatus
from tracker.digests.operations import compile_digest


@pytest.fixture
def digest(db, dummy_campaign, tree):
    return store_digest(db, dummy_campaign, tree["commune"])


def emails(db):
    return db.session.scalars(sa.select(DigestEmail).order_by(DigestEmail.id)).all()


def queue_and_send(db, digests, now=NOW):
    queued = mail.queue_digest_emails(digests, now=now)
    outcome = mail.send_due_emails(now=now)
    db.session.commit()
    return queued, outcome


def test_a_queued_digest_reaches_the_smtp_server_with_both_bodies(db, digest, tree, smtp_server):
    add_recipient(db, tree["commune"], "bcd.eakao@daklak.example", name="Nguyễn Thị Hoà")

    assert queue_and_send(db, [digest]) == (1, {"sent": 1, "retrying": 0, "failed": 0})

    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == ["bcd.eakao@daklak.example"]
    assert envelope.mail_from == "noreply@daklak.example"
    [message] = smtp_server.messages()
    assert message["Subject"] == "Bản tin 100 ngày cao điểm – Xã Ea Kao – 20/08/2025: còn 67 ngày"
    assert message["To"].addresses[0].display_name == "Nguyễn Thị Hoà"
    assert message["To"].addresses[0].addr_spec == "bcd.eakao@daklak.example"
    assert message["From"].addresses[0].display_name == "Ban chỉ đạo"
    assert message.get_content_type() == "multipart/alternative"
    text_part, html_part = message.iter_parts()
    assert (text_part.get_content_type(), html_part.get_content_type()) == ("text/plain", "text/html")
    assert text_part.get_content_charset() == html_part.get_content_charset() == "utf-8"
    link = f"{BASE_URL}/campaigns/{digest.campaign_id}/digests/2025-08-20?unit=66001"
    text, html = text_part.get_content(), html_part.get_content()
    for body in (text, html):
        assert "còn 67 ngày" in body and "Xã Ea Kao" in body and "Buôn Ko Tam" in body
        assert link in body.replace("&amp;", "&")
    assert text.index("còn 67 ngày") < text.index("1.234")
    assert "Ngày 37/103" in html and "hạn 25/10/2025" in html
    # Both ends of the ranking, and the villages nobody has reached.
    assert "Buôn Ê Kênh" in html and "Thôn Hoà Bình" not in html
    assert "7/9 thôn, buôn chưa có buổi tập huấn nào: Thôn 3, Thôn 4, Thôn 5, Thôn 6, Thôn 7 và 2 nơi khác" in html
    assert "Đã tiếp cận 1.234/3.000 người" in html and "41,1%" in html
    assert "Với tốc độ này" in html or "tốc độ" in html
    [row] = emails(db)
    assert (row.status, row.attempts, row.sent_at, row.next_attempt_at, row.last_error) == (
        EmailStatus.sent, 1, NOW, None, None)


def test_the_email_speaks_the_recipients_language(db, digest, tree, smtp_server):
    add_recipient(db, tree["commune"], "it.office@daklak.example", language="en")

    queue_and_send(db, [digest])

    [message] = smtp_server.messages()
    assert message["Subject"] == "Digest 100 ngày cao điểm – Xã Ea Kao – 20/08/2025: 67 days left"
    assert "67 days left" in message.get_body(("plain",)).get_content()


def test_queueing_or_sending_twice_sends_one_message(db, digest, tree, smtp_server):
    add_recipient(db, tree["commune"], "bcd.eakao@daklak.example")

    queue_and_send(db, [digest])
    assert queue_and_send(db, [digest], now=NOW + timedelta(hours=1)) == (0, {"sent": 0, "retrying": 0, "failed": 0})

    assert len(smtp_server.envelopes) == 1
    assert len(emails(db)) == 1


def test_each_active_recipient_of_the_digests_unit_gets_one_row(db, dummy_campaign, digest, tree, create_user):
    province_digest = store_digest(db, dummy_campaign, tree["province"])
    add_recipient(db, tree["commune"], "a@daklak.example")
    add_recipient(db, tree["commune"], "paused@daklak.example", is_active=False)
    add_recipient(db, tree["province"], "tinh@daklak.example")
    add_recipient(db, tree["other_commune"], "tanan@daklak.example")
    member = create_user("committee", tree["commune"])
    member.email = "Member@Daklak.example"
    gone = create_user("committee", tree["commune"])
    gone.email, gone.is_active = "gone@daklak.example", False
    add_recipient(db, tree["commune"], "old@daklak.example", user=member)
    add_recipient(db, tree["commune"], "gone@daklak.example", user=gone)

    assert mail.queue_digest_emails([digest, province_digest], now=NOW) == 3

    pairs = {(row.digest_id, row.email) for row in emails(db)}
    # A subscribed account's mail goes to the account's current address.
    assert pairs == {(digest.id, "a@daklak.example"), (digest.id, "member@daklak.example"),
                     (province_digest.id, "tinh@daklak.example")}
    assert {row.next_attempt_at for row in emails(db)} == {NOW}


def test_digests_of_past_days_are_not_mailed(db, dummy_campaign, tree):
    old = store_digest(db, dummy_campaign, tree["commune"], day=DAY - timedelta(days=3))
    add_recipient(db, tree["commune"], "a@daklak.example")

    assert mail.queue_digest_emails([old], now=NOW) == 0
    assert emails(db) == []


def test_a_refused_recipient_is_retried_with_back_off_then_failed(db, app, digest, tree, smtp_server, monkeypatch):
    monkeypatch.setitem(app.config, "TRACKER_MAIL_MAX_ATTEMPTS", 3)
    add_recipient(db, tree["commune"], "nobody@daklak.example")
    smtp_server.refuse_rcpt = "550 5.1.1 Mailbox unavailable"

    assert queue_and_send(db, [digest]) == (1, {"sent": 0, "retrying": 1, "failed": 0})
    [row] = emails(db)
    assert (row.status, row.attempts) == (EmailStatus.queued, 1)
    assert row.last_error == "SMTPRecipientsRefused: 550 5.1.1 Mailbox unavailable"
    assert NOW + timedelta(seconds=54) <= row.next_attempt_at <= NOW + timedelta(seconds=66)

    # Not due yet: nothing is tried.
    assert mail.send_due_emails(now=NOW + timedelta(seconds=30))["retrying"] == 0
    second = row.next_attempt_at
    mail.send_due_emails(now=second)
    db.session.commit()
    assert row.attempts == 2
    assert second + timedelta(seconds=270) <= row.next_attempt_at <= second + timedelta(seconds=330)

    assert mail.send_due_emails(now=row.next_attempt_at) == {"sent": 0, "retrying": 0, "failed": 1}
    db.session.commit()
    assert (row.status, row.attempts, row.next_attempt_at) == (EmailStatus.failed, 3, None)
    assert "550" in row.last_error
    assert smtp_server.envelopes == []
    # Given up: later runs leave it alone.
    assert mail.send_due_emails(now=NOW + timedelta(days=2))["failed"] == 0


def test_a_refused_message_keeps_the_servers_reply(db, digest, tree, smtp_server):
    add_recipient(db, tree["commune"], "a@daklak.example")
    smtp_server.refuse_data = "554 5.7.1 Rejected as spam"

    queue_and_send(db, [digest])

    [row] = emails(db)
    assert (row.status, row.attempts) == (EmailStatus.queued, 1)
    assert row.last_error == "SMTPDataError: 554 5.7.1 Rejected as spam"


def test_a_server_that_is_down_delays_every_email_of_the_batch(db, digest, tree, smtp_down):
    add_recipient(db, tree["commune"], "a@daklak.example")
    add_recipient(db, tree["commune"], "b@daklak.example")

    assert queue_and_send(db, [digest])[1] == {"sent": 0, "retrying": 2, "failed": 0}

    for row in emails(db):
        assert row.attempts == 1 and row.status == EmailStatus.queued
        assert row.last_error.startswith("ConnectionRefusedError")
        assert row.next_attempt_at > NOW


def test_a_failed_email_sent_by_retry_now(db, app, digest, tree, users, smtp_server, monkeypatch):
    monkeypatch.setitem(app.config, "TRACKER_MAIL_MAX_ATTEMPTS", 1)
    add_recipient(db, tree["commune"], "a@daklak.example")
    smtp_server.refuse_rcpt = "450 4.2.0 Mailbox busy"
    queue_and_send(db, [digest])
    [row] = emails(db)
    assert row.status == EmailStatus.failed

    smtp_server.refuse_rcpt = None
    mail.retry_email(row, user=users["admin"], now=NOW + timedelta(hours=1))
    db.session.commit()

    assert (row.status, row.attempts, row.sent_at) == (EmailStatus.sent, 2, NOW + timedelta(hours=1))
    assert len(smtp_server.envelopes) == 1


def test_without_an_smtp_host_emails_wait_in_the_queue(db, app, digest, tree, monkeypatch):
    monkeypatch.setitem(app.config, "TRACKER_SMTP_HOST", None)
    add_recipient(db, tree["commune"], "a@daklak.example")

    assert queue_and_send(db, [digest]) == (1, {"sent": 0, "retrying": 0, "failed": 0})

    [row] = emails(db)
    assert (row.status, row.attempts, row.next_attempt_at) == (EmailStatus.queued, 0, NOW)


def test_a_batch_sends_at_most_its_limit(db, digest, tree, smtp_server):
    for n in range(3):
        add_recipient(db, tree["commune"], f"r{n}@daklak.example")
    mail.queue_digest_emails([digest], now=NOW)

    assert mail.send_due_emails(now=NOW, limit=2)["sent"] == 2
    assert mail.send_due_emails(now=NOW, limit=2)["sent"] == 1
    assert len(smtp_server.envelopes) == 3


def test_a_compiled_digest_is_mailed_with_its_own_figures(db, dummy_campaign, tree, smtp_server):
    add_recipient(db, tree["commune"], "a@daklak.example")
    digest = compile_digest(dummy_campaign, tree["commune"], DAY, now=NOW)

    queue_and_send(db, [digest])

    [message] = smtp_server.messages()
    left = digest.payload["days_left"]
    assert message["Subject"].endswith(f"còn {left} ngày")
    assert "Xã Ea Kao" in message.get_body(("html",)).get_content()


@pytest.mark.parametrize(("attempts", "seconds"), [(1, 60), (2, 300), (3, 1800), (4, 7200), (5, 21600), (9, 21600)])
def test_back_off_grows_with_jitter(attempts, seconds):
    delays = {mail.retry_delay(attempts).total_seconds() for _ in range(20)}
    assert all(0.9 * seconds <= delay <= 1.1 * seconds for delay in delays)
    assert len(delays) > 1


def test_log_lines_and_errors_carry_no_address(db, digest, tree, smtp_server, caplog):
    add_recipient(db, tree["commune"], "secret.person@daklak.example")
    smtp_server.refuse_rcpt = "550 5.1.1 <secret.person@daklak.example>: no such user"
    caplog.set_level(logging.INFO, logger="tracker.digests.mail")

    queue_and_send(db, [digest])

    assert caplog.records and all("secret.person" not in record.getMessage() for record in caplog.records)
    error = smtplib.SMTPRecipientsRefused({"secret.person@daklak.example": (550, b"no such user")})
    assert mail.describe_error(error) == "SMTPRecipientsRefused: 550 no such user"


@pytest.mark.postgresql_only
def test_two_senders_never_take_the_same_email(db, digest, tree, smtp_server):
    for address in ("a@daklak.example", "b@daklak.example"):
        add_recipient(db, tree["commune"], address)
    mail.queue_digest_emails([digest], now=NOW)
    db.session.commit()
    first = emails(db)[0]
    db.session.commit()

    # Another sender holds the first e-mail (its transaction is still open): this one skips it.
    with db.engine.connect() as other:
        other.execute(sa.select(DigestEmail.id).where(DigestEmail.id == first.id).with_for_update())
        assert mail.send_due_emails(now=NOW)["sent"] == 1
        db.session.commit()
        other.rollback()

    assert [envelope.rcpt_tos for envelope in smtp_server.envelopes] == [["b@daklak.example"]]
    db.session.refresh(first)
    assert first.status == EmailStatus.queued and first.attempts == 0


def test_a_recipient_name_with_a_line_break_cannot_add_headers(db, digest, tree, smtp_server):
    add_recipient(db, tree["commune"], "a@daklak.example", name="Hoa\r\nBcc: spy@example.org")

    queue_and_send(db, [digest])

    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == ["a@daklak.example"]
    [message] = smtp_server.messages()
    assert message["Bcc"] is None and message["To"].addresses[0].display_name == "Hoa Bcc: spy@example.org"
