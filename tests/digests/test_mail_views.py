"""The recipients page, the subscribe button and the admins' e-mail log."""
import pytest
import sqlalchemy as sa

from tests.digests.mail_helpers import (
    NOW,
    add_recipient,
    store_digest,
)
from tracker.digests import mail
from tracker.digests.models import DigestEmail, DigestRecipient, EmailStatus


def in_vietnamese(client):
    with client.session_transaction() as session:
        session["lang"] = "vi"
    return client


def recipients_of(db, unit):
    return db.session.scalars(
        sa.select(DigestRecipient.email).where(DigestRecipient.unit_id == unit.id, DigestRecipient.is_active)
        .order_by(DigestRecipient.email)
    ).all()


@pytest.fixture
def failed_email(db, app, dummy_campaign, tree, smtp_server, monkeypatch):
    """An e-mail refused by the server on its only attempt."""
    monkeypatch.setitem(app.config, "TRACKER_MAIL_MAX_ATTEMPTS", 1)
    add_recipient(db, tree["commune"], "nobody@daklak.example")
    mail.queue_digest_emails([store_digest(db, dummy_campaign, tree["commune"])], now=NOW)
    smtp_server.refuse_rcpt = "550 5.1.1 Mailbox unavailable"
    mail.send_due_emails(now=NOW)
    db.session.commit()
    return db.session.scalar(sa.select(DigestEmail))


def test_the_province_admin_manages_a_communes_recipients_in_vietnamese(db, client, login, tree, users):
    login(users["admin"])
    in_vietnamese(client)

    response = client.post("/digests/recipients/66001", data={"email": " BCD@Daklak.example ", "name": "Văn phòng",
                                                                "language": "vi"})
    assert response.status_code == 302 and response.location.endswith("/digests/recipients/66001")
    assert recipients_of(db, tree["commune"]) == ["bcd@daklak.example"]

    page = client.get("/digests/recipients/66001").get_data(as_text=True)
    assert "Người nhận bản tin" in page and "bcd@daklak.example" in page and "Văn phòng" in page
    assert "Thư điện tử chưa được cấu hình" in page  # no SMTP host in the tests
    assert "Xã Ea Kao" in page and "Phường Tân An" in page  # the unit picker


def test_an_invalid_address_is_refused_on_its_field(db, client, login, tree, users):
    login(users["admin"])

    response = client.post("/digests/recipients/66001", data={"email": "not-an-address", "language": "vi"})

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="f-email" name="email" type="email" value="not-an-address"' in page
    assert 'aria-invalid="true"' in page and "Not a valid email address." in page
    assert recipients_of(db, tree["commune"]) == []


def test_an_unknown_language_is_refused(db, client, login, users):
    login(users["admin"])

    response = client.post("/digests/recipients/66001", data={"email": "a@daklak.example", "language": "fr"})

    assert response.status_code == 422 and "Unknown language." in response.get_data(as_text=True)


def test_a_duplicate_address_is_refused_on_its_field(db, client, login, tree, users):
    add_recipient(db, tree["commune"], "a@daklak.example")
    login(users["admin"])

    response = client.post("/digests/recipients/66001", data={"email": "a@daklak.example", "language": "vi"})

    assert response.status_code == 422
    assert "This address already receives the digest of this unit." in response.get_data(as_text=True)


def test_pausing_and_removing_from_the_page(db, client, login, tree, users):
    recipient_id = add_recipient(db, tree["commune"], "a@daklak.example").id
    login(users["admin"])

    response = client.post(f"/digests/recipients/66001/{recipient_id}/active", data={"is_active": "false"})
    assert response.status_code == 302 and recipients_of(db, tree["commune"]) == []
    assert "paused" in client.get("/digests/recipients/66001").get_data(as_text=True)

    assert client.post(f"/digests/recipients/66001/{recipient_id}/remove").status_code == 302
    db.session.expire_all()
    assert db.session.get(DigestRecipient, recipient_id) is None


@pytest.mark.parametrize("role", ["committee", "coordinator", "volunteer"])
def test_only_admins_see_the_recipients_and_the_email_log(db, client, login, tree, create_user, role):
    login(create_user(role, tree["commune"]))

    assert client.get("/digests/recipients/66001").status_code == 403
    assert client.post("/digests/recipients/66001", data={"email": "a@daklak.example"}).status_code == 403
    assert client.get("/digests/emails").status_code == 403


def test_units_out_of_scope_or_without_a_digest_are_not_found(db, client, login, tree, create_user):
    recipient = add_recipient(db, tree["other_commune"], "a@daklak.example")
    login(create_user("admin", tree["commune"]))

    for url in ("/digests/recipients/66002", "/digests/recipients/66", "/digests/recipients/6600101",
                "/digests/recipients/nope"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/digests/recipients/66002/{recipient.id}/remove").status_code == 404
    assert client.post("/digests/recipients/66002", data={"email": "b@daklak.example"}).status_code == 404
    assert client.get("/digests/recipients?unit=66002").location.endswith("/digests/recipients/66002")


def test_a_committee_member_subscribes_themselves_from_the_button(db, client, login, tree, users):
    member = users["commune_committee"]
    member.email = "hoa@daklak.example"
    db.session.commit()
    login(member)
    in_vietnamese(client)

    page = client.get("/digests/subscription").get_data(as_text=True)
    assert "Bạn chưa nhận bản tin hằng ngày của Xã Ea Kao" in page and "Đăng ký nhận" in page

    response = client.post("/digests/subscription", data={"subscribe": "true", "language": "vi"})
    assert response.status_code == 302
    assert recipients_of(db, tree["commune"]) == ["hoa@daklak.example"]
    page = client.get("/digests/subscription").get_data(as_text=True)
    assert "hoa@daklak.example" in page and "Hủy đăng ký" in page

    assert client.post("/digests/subscription", data={"subscribe": "false"}).status_code == 302
    assert recipients_of(db, tree["commune"]) == []


def test_one_subscribes_to_ones_own_unit_only(db, client, login, tree, users):
    member = users["commune_committee"]
    member.email = "hoa@daklak.example"
    users["committee"].email = "tinh@daklak.example"
    db.session.commit()
    login(member)

    assert client.post("/digests/subscription", data={"subscribe": "true", "unit": "66002"}).status_code == 404
    assert client.post("/digests/subscription", data={"subscribe": "true", "unit": "66"}).status_code == 404
    assert client.post("/digests/subscription", data={"subscribe": "true", "unit": "zz"}).status_code == 422
    assert client.post("/digests/subscription", data={"subscribe": "maybe"}).status_code == 422
    client.post("/logout")
    login(users["committee"])
    assert client.post("/digests/subscription", data={"subscribe": "true", "unit": "66001"}).status_code == 403
    assert recipients_of(db, tree["commune"]) == []


def test_subscribing_without_an_address_says_why(db, client, login, users):
    login(users["coordinator"])

    response = client.post("/digests/subscription", data={"subscribe": "true"})

    assert response.status_code == 422 and "no e-mail address" in response.get_data(as_text=True)
    assert "no e-mail address" in client.get("/digests/subscription").get_data(as_text=True)


def test_a_volunteer_cannot_subscribe(db, client, login, users):
    users["volunteer"].email = "tnv@daklak.example"
    db.session.commit()
    login(users["volunteer"])

    assert client.get("/digests/subscription").status_code == 403
    assert client.post("/digests/subscription", data={"subscribe": "true"}).status_code == 403


def test_forms_need_their_csrf_token(db, app, client, login, users, monkeypatch):
    login(users["admin"])
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)

    assert client.post("/digests/recipients/66001", data={"email": "a@daklak.example"}).status_code == 400
    assert client.post("/digests/subscription", data={"subscribe": "true"}).status_code == 400


def test_the_email_log_shows_a_failed_email_with_its_error_in_vietnamese(db, client, login, users, failed_email):
    login(users["admin"])
    in_vietnamese(client)

    page = client.get("/digests/emails?status=failed").get_data(as_text=True)

    assert "Thư bản tin" in page and "nobody@daklak.example" in page
    assert "thất bại" in page and "SMTPRecipientsRefused: 550 5.1.1 Mailbox unavailable" in page
    assert f"/digests/emails/{failed_email.id}/retry" in page
    assert "nobody@daklak.example" not in client.get("/digests/emails?status=sent").get_data(as_text=True)
    assert client.get("/digests/emails?status=lost").status_code == 422


def test_retry_now_sends_a_failed_email(db, client, login, users, failed_email, smtp_server):
    login(users["admin"])
    smtp_server.refuse_rcpt = None

    response = client.post(f"/digests/emails/{failed_email.id}/retry", follow_redirects=True)

    assert "The e-mail was sent." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(DigestEmail, failed_email.id).status == EmailStatus.sent
    assert len(smtp_server.envelopes) == 1
    assert client.post(f"/digests/emails/{failed_email.id}/retry").status_code == 409


def test_retry_now_out_of_scope_is_not_found(db, client, login, tree, create_user, failed_email):
    login(create_user("admin", tree["other_commune"]))

    assert client.post(f"/digests/emails/{failed_email.id}/retry").status_code == 404
    assert client.post("/digests/emails/999999/retry").status_code == 404
    assert "nobody@daklak.example" not in client.get("/digests/emails").get_data(as_text=True)


def test_a_name_with_line_breaks_is_kept_on_one_line(db, client, login, tree, users):
    login(users["admin"])

    client.post("/digests/recipients/66001", data={"email": "a@daklak.example", "name": "Văn phòng\r\nBcc: x@y.z",
                                                    "language": "vi"})

    assert db.session.scalar(sa.select(DigestRecipient.name)) == "Văn phòng Bcc: x@y.z"
