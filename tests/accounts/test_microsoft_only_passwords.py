"""The switch "Passwords for people linked to Microsoft": off, such people sign in with
Microsoft only: no password sign-in, no "Forgot password?" link, no admin reset."""

import pytest
from django.core.cache import cache
from django.utils.html import escape
from django_tenants.utils import schema_context

from accounts.actors import Actor
from accounts.models import AuditEntry, Organisation, User
from accounts.services.organisations import organisation_password_sign_in_set
from looop.mail.models import OutgoingEmail
from tests.accounts import console_support
from tests.accounts.console_support import signed_in
from tests.conftest import PASSWORD, host_client

bob = console_support.bob  # fixture: a member of acme with a password

REFUSED = (
    "Acme signs you in with Microsoft: choose “Sign in with Microsoft” below. "
    "Password sign-in is turned off for people linked to Microsoft."
)
WRONG = "That email and password don&#x27;t match an active account here."


@pytest.fixture(autouse=True)
def _fresh_rate_limits(db):
    cache.clear()


@pytest.fixture
def linked_bob(acme, bob) -> User:
    """Bob, linked to Microsoft, in acme with Microsoft sign-in on."""
    Organisation.objects.filter(pk=acme.pk).update(microsoft_enabled=True)
    with schema_context("acme"):
        User.objects.filter(pk=bob.pk).update(entra_tid="t" * 36, entra_oid="o" * 36)
        return User.objects.get(pk=bob.pk)


def passwords_off(slug: str = "acme") -> None:
    Organisation.objects.filter(schema_name=slug).update(linked_people_may_use_passwords=False)


def audit(slug: str = "acme") -> list[tuple[str, str, str, dict]]:
    with schema_context(slug):
        return list(
            AuditEntry.objects.filter(action="organisation.microsoft_linked_passwords")
            .order_by("at", "id")
            .values_list("actor_label", "action", "target", "detail")
        )


def queued(slug: str = "acme") -> list[tuple[str, str]]:
    with schema_context(slug):
        return list(OutgoingEmail.objects.order_by("created").values_list("kind", "to_address"))


def sign_in(username: str, password: str):
    client = host_client("acme")
    return client, client.post("/login", {"username": username, "password": password})


# --- the action ---


def test_the_action_writes_the_public_row_and_an_audit_entry(acme, alice):
    with schema_context("acme"):
        organisation_password_sign_in_set(
            organisation=acme, linked_people_may_use_passwords=False, actor=Actor.console(alice)
        )
        organisation_password_sign_in_set(  # unchanged: no second entry
            organisation=acme, linked_people_may_use_passwords=False, actor=Actor.console(alice)
        )
    assert Organisation.objects.get(pk=acme.pk).linked_people_may_use_passwords is False
    assert acme.linked_people_may_use_passwords is False
    assert audit() == [
        (
            "alice@acme.test",
            "organisation.microsoft_linked_passwords",
            "passwords off",
            {"allowed": False},
        )
    ]
    assert audit("globex") == []
    assert Organisation.objects.get(schema_name="globex").linked_people_may_use_passwords


# --- the switch on Account > Authentication ---


def test_the_switch_is_shown_and_turns_passwords_off_and_on(alice_client, acme):
    page = alice_client.get("/account/authentication").content.decode()
    assert 'aria-checked="true" aria-labelledby="linked-passwords-heading"' in page
    assert "This applies only while Microsoft Azure is on" in page
    off = alice_client.post("/account/authentication/linked-passwords", {"allowed": "0"})
    assert (off.status_code, off["Location"]) == (302, "/account/authentication")
    assert not Organisation.objects.get(pk=acme.pk).linked_people_may_use_passwords
    page = alice_client.get("/account/authentication").content.decode()
    assert 'aria-checked="false" aria-labelledby="linked-passwords-heading"' in page
    assert "People linked to Microsoft now sign in with Microsoft only." in page
    assert "sign in with Microsoft only: their password sign-in" in page
    assert "turned passwords for people linked to Microsoft off</li>" in page
    on = alice_client.post("/account/authentication/linked-passwords", {"allowed": "1"})
    assert on.status_code == 302
    assert Organisation.objects.get(pk=acme.pk).linked_people_may_use_passwords
    assert [(target, detail) for _, _, target, detail in audit()] == [
        ("passwords off", {"allowed": False}),
        ("passwords on", {"allowed": True}),
    ]


@pytest.mark.parametrize("value", [None, "", "yes", "2", "1" * 1000])
def test_the_switch_refuses_anything_but_0_or_1(alice_client, acme, value):
    data = {} if value is None else {"allowed": value}
    response = alice_client.post("/account/authentication/linked-passwords", data)
    assert (response.status_code, response.content) == (400, b"allowed must be 0 or 1.")
    assert Organisation.objects.get(pk=acme.pk).linked_people_may_use_passwords
    assert audit() == []


def test_members_and_strangers_cannot_use_the_switch(acme, bob, gina):
    member = signed_in("acme", bob).post(
        "/account/authentication/linked-passwords", {"allowed": "0"}
    )
    assert member.status_code == 403
    anonymous = host_client("acme").post("/account/authentication/linked-passwords")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login")
    # Globex's admin turns it off for Globex only.
    theirs = signed_in("globex", gina).post(
        "/account/authentication/linked-passwords", {"allowed": "0"}
    )
    assert theirs.status_code == 302
    assert Organisation.objects.get(pk=acme.pk).linked_people_may_use_passwords
    assert not Organisation.objects.get(schema_name="globex").linked_people_may_use_passwords
    assert audit() == [] and len(audit("globex")) == 1


# --- password sign-in ---


def test_a_linked_person_is_refused_password_sign_in_with_a_pointer_to_microsoft(linked_bob):
    passwords_off()
    client, response = sign_in("bob@acme.test", PASSWORD)
    assert response.status_code == 200
    assert f'<p class="error" role="alert">{escape(REFUSED)}</p>' in response.content.decode()
    assert client.get("/")["Location"].startswith("/login")  # not signed in


def test_a_wrong_password_says_nothing_about_microsoft(linked_bob):
    passwords_off()
    _, response = sign_in("bob@acme.test", "not the password")
    body = response.content.decode()
    assert response.status_code == 200
    assert f'<p class="error" role="alert">{WRONG}</p>' in body
    assert "Microsoft only" not in body and "turned off" not in body


@pytest.mark.parametrize(
    "case", ["passwords allowed", "microsoft sign-in off", "not linked"], ids=str
)
def test_password_sign_in_still_works_where_the_rule_does_not_apply(acme, linked_bob, case):
    if case == "microsoft sign-in off":
        passwords_off()
        Organisation.objects.filter(pk=acme.pk).update(microsoft_enabled=False)
    elif case == "not linked":
        passwords_off()
        with schema_context("acme"):
            User.objects.filter(pk=linked_bob.pk).update(entra_tid=None, entra_oid=None)
    client, response = sign_in("bob@acme.test", PASSWORD)
    assert (response.status_code, response["Location"]) == (302, "/")
    assert client.get("/").status_code == 200


# --- Forgot password? and admin resets ---


def test_forgot_sends_a_linked_person_a_refusal_and_the_page_looks_the_same(
    acme_client, linked_bob
):
    passwords_off()
    known = acme_client.post("/password/forgot", {"email": "bob@acme.test"})
    unknown = acme_client.post("/password/forgot", {"email": "nobody@acme.test"})
    assert (known.status_code, known["Location"]) == (302, "/password/forgot/sent")
    assert (unknown.status_code, unknown["Location"]) == (302, "/password/forgot/sent")
    assert known.content == unknown.content
    assert queued() == [("password_reset_refused", "bob@acme.test")]
    sent = acme_client.get("/password/forgot/sent").content.decode()
    assert "who are linked to a Microsoft account can't reset a password here" in sent


def test_forgot_sends_a_linked_person_a_link_while_passwords_are_allowed(acme_client, linked_bob):
    response = acme_client.post("/password/forgot", {"email": "bob@acme.test"})
    assert response.status_code == 302
    assert queued() == [("password_reset", "bob@acme.test")]
    sent = acme_client.get("/password/forgot/sent").content.decode()
    assert "reset-microsoft-only" not in sent


def test_an_admin_cannot_send_a_linked_person_a_reset_when_passwords_are_off(
    alice_client, linked_bob
):
    passwords_off()
    response = alice_client.post(f"/people/{linked_bob.pk}/password-reset", follow=True)
    body = response.content.decode()
    assert "bob@acme.test signs in with Microsoft: their password is reset there." in body
    assert queued() == []


# --- the person page ---


def test_the_person_page_says_how_a_linked_person_signs_in(alice_client, linked_bob):
    url = f"/people/{linked_bob.pk}"
    page = alice_client.get(url).content.decode()
    assert "Signs in with Microsoft, or with their email and password." in page
    assert 'data-testid="send-reset"' in page
    passwords_off()
    page = alice_client.get(url).content.decode()
    assert 'data-testid="sign-in-status">Microsoft linked</span>' in page
    assert (
        "Signs in with Microsoft only: password sign-in and password resets are off for people"
        " linked to Microsoft (Account › Authentication)."
    ) in page
    assert 'data-testid="send-reset"' not in page
