"""The password lifecycle: forgot, links that set a password, change, admin sends, status."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM
from accounts.models import AuditEntry, Organisation, User
from accounts.services import user_create, user_deactivate, user_delete
from looop.mail.models import OutgoingEmail
from looop.mail.rendering import email_build
from tests.accounts import console_support
from tests.accounts.console_support import signed_in
from tests.conftest import PASSWORD, host_client

NEW = "a brand new pass phrase"
bob, scott = console_support.bob, console_support.scott  # fixtures


@pytest.fixture(autouse=True)
def _fresh_rate_limits(db):
    cache.clear()


def queued(slug: str = "acme") -> list[tuple[str, str]]:
    with schema_context(slug):
        return list(OutgoingEmail.objects.order_by("created").values_list("kind", "to_address"))


def jobs_for(slug: str = "acme") -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT task_name FROM procrastinate_jobs WHERE args->>'organisation' = %s", [slug]
        )
        return [r[0] for r in cursor.fetchall()]


def link_in_last_email(slug: str = "acme") -> str:
    """The path of the link in the last queued email, as the job would render it."""
    with schema_context(slug):
        record = OutgoingEmail.objects.order_by("-created").first()
        message = email_build(record, organisation=slug)
    match = re.search(r"http://[^/\s]+(/\S+)", message.body.split("\n\n", 2)[2])
    assert match, message.body
    return match.group(1)


def audit(slug: str, person: User) -> list[tuple[str, str]]:
    """The entries about `person`, but the fixtures' creation by the system."""
    with schema_context(slug):
        return list(
            AuditEntry.objects.filter(target=str(person.pk))
            .exclude(action="user.create", actor_label="system")
            .order_by("at", "id")
            .values_list("actor_label", "action")
        )


# --- Forgot password? ---


def test_sign_in_page_links_to_forgot_password(acme_client):
    body = acme_client.get("/login").content.decode()
    assert '<a href="/password/forgot" data-testid="forgot-password">Forgot password?</a>' in body


def test_forgot_answers_the_same_for_known_and_unknown_addresses(acme_client, bob):
    known = acme_client.post("/password/forgot", {"email": "BOB@acme.test"})
    assert queued() == [("password_reset", "bob@acme.test")]
    assert jobs_for() == ["mail.send"]
    unknown = acme_client.post("/password/forgot", {"email": "nobody@acme.test"})
    assert queued() == [("password_reset", "bob@acme.test")]  # nothing more
    assert (known.status_code, known["Location"]) == (302, "/password/forgot/sent")
    assert (unknown.status_code, unknown["Location"]) == (302, "/password/forgot/sent")
    assert known.content == unknown.content
    sent = acme_client.get("/password/forgot/sent").content.decode()
    assert "If that address belongs to someone at Acme" in sent


def test_forgot_sends_nothing_to_deactivated_or_deleted_people(acme_client, bob):
    with schema_context("acme"):
        user_deactivate(user=bob, actor=SYSTEM)
        gone = user_create(
            actor=SYSTEM, user_name="gone@acme.test", email="gone@acme.test", password=PASSWORD
        )
        user_delete(user=gone, actor=SYSTEM)
    for address in ("bob@acme.test", "gone@acme.test"):
        response = acme_client.post("/password/forgot", {"email": address})
        assert (response.status_code, response["Location"]) == (302, "/password/forgot/sent")
    assert queued() == []


def test_forgot_in_another_organisation_finds_nobody(globex_client, bob):
    response = globex_client.post("/password/forgot", {"email": "bob@acme.test"})
    assert response.status_code == 302
    assert queued("acme") == [] and queued("globex") == []


def test_forgot_for_a_microsoft_person_sends_a_refusal_without_a_link(acme_client, bob, acme):
    Organisation.objects.filter(pk=acme.pk).update(
        microsoft_enabled=True, linked_people_may_use_passwords=False
    )
    with schema_context("acme"):
        User.objects.filter(pk=bob.pk).update(entra_tid="t" * 36, entra_oid="o" * 36)
    response = acme_client.post("/password/forgot", {"email": "bob@acme.test"})
    assert (response.status_code, response["Location"]) == (302, "/password/forgot/sent")
    assert queued() == [("password_reset_refused", "bob@acme.test")]
    with schema_context("acme"):
        message = email_build(OutgoingEmail.objects.get(), organisation="acme")
    assert message.subject == "Sign in to Acme with Microsoft"
    assert "Acme signs you in with Microsoft, so Looop has no password to reset" in message.body
    assert "/password/reset/" not in message.body


def test_forgot_is_rate_limited_per_address(acme_client, bob, settings):
    settings.PASSWORD_RESETS_PER_HOUR = 2
    for _ in range(2):
        assert acme_client.post("/password/forgot", {"email": "bob@acme.test"}).status_code == 302
    limited = acme_client.post("/password/forgot", {"email": "bob@acme.test"})
    assert limited.status_code == 429
    assert limited["Retry-After"] == "3600"
    assert "Too many reset requests" in limited.content.decode()
    assert len(queued()) == 2


@pytest.mark.parametrize(
    ("data", "error"),
    [({"email": ""}, "This field is required"), ({"email": "x" * 255}, "at most 254")],
)
def test_forgot_refuses_bad_input(acme_client, data, error):
    response = acme_client.post("/password/forgot", data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert queued() == []


# --- the reset link ---


def test_a_reset_link_sets_the_password_once(acme_client, bob):
    acme_client.post("/password/forgot", {"email": "bob@acme.test"})
    link = link_in_last_email()
    assert link.startswith("/password/reset/")
    form = acme_client.get(link, follow=True)
    assert form.status_code == 200
    assert "Choose a new password" in form.content.decode()
    set_url = form.redirect_chain[-1][0]
    assert set_url.endswith("/set-password")  # the token left the address bar
    done = acme_client.post(set_url, {"new_password1": NEW, "new_password2": NEW})
    assert (done.status_code, done["Location"]) == (302, "/login")
    signed = host_client("acme").post("/login", {"username": "bob@acme.test", "password": NEW})
    assert (signed.status_code, signed["Location"]) == (302, "/")
    dead = host_client("acme").get(link, follow=True)
    assert dead.status_code == 200
    assert "This link no longer works" in dead.content.decode()
    assert audit("acme", bob) == [
        ("system", "user.password_reset_request"),
        ("bob@acme.test", "user.password_set"),
    ]


def test_a_reset_link_dies_when_the_person_is_deactivated(acme_client, bob):
    acme_client.post("/password/forgot", {"email": "bob@acme.test"})
    link = link_in_last_email()
    with schema_context("acme"):
        user_deactivate(user=bob, actor=SYSTEM)
    assert "This link no longer works" in acme_client.get(link, follow=True).content.decode()


def test_a_reset_link_does_not_work_on_another_organisations_host(acme_client, bob, globex):
    acme_client.post("/password/forgot", {"email": "bob@acme.test"})
    link = link_in_last_email()
    response = host_client("globex").get(link, follow=True)
    assert "This link no longer works" in response.content.decode()


# --- admin actions ---


def test_admin_sends_a_reset_and_it_is_audited(alice_client, bob):
    response = alice_client.post(f"/people/{bob.pk}/password-reset")
    assert (response.status_code, response["Location"]) == (302, f"/people/{bob.pk}")
    assert queued() == [("password_reset", "bob@acme.test")]
    assert audit("acme", bob) == [("alice@acme.test", "user.password_reset_send")]
    page = alice_client.get(f"/people/{bob.pk}").content.decode()
    assert "A password reset link is on its way to bob@acme.test." in page


def test_members_cannot_send_resets_or_invitations(bob, alice):
    member = signed_in("acme", bob)
    assert member.post(f"/people/{alice.pk}/password-reset").status_code == 403
    assert member.post(f"/people/{alice.pk}/invite").status_code == 403
    assert queued() == []


def test_an_admin_cannot_reach_another_organisations_people(alice_client, gina):
    assert alice_client.post(f"/people/{gina.pk}/password-reset").status_code == 404
    assert alice_client.post(f"/people/{gina.pk}/invite").status_code == 404
    assert queued("globex") == [] and queued("acme") == []


def test_admin_adds_a_person_with_an_invitation(alice_client):
    response = alice_client.post(
        "/people/new",
        {"email": "dora@acme.test", "name_given": "Dora", "role": "member", "password": ""},
    )
    with schema_context("acme"):
        dora = User.objects.get(user_name="dora@acme.test")
    assert (response.status_code, response["Location"]) == (302, f"/people/{dora.pk}")
    assert not dora.has_usable_password()
    assert queued() == [("invitation", "dora@acme.test")]
    assert audit("acme", dora) == [
        ("alice@acme.test", "user.create"),
        ("alice@acme.test", "user.invitation_send"),
    ]
    page = alice_client.get(f"/people/{dora.pk}").content.decode()
    assert 'data-testid="sign-in-status">Invitation pending</span>' in page
    assert "Re-send invitation" in page
    link = link_in_last_email()
    assert link.startswith("/invitation/")
    form = host_client("acme")
    set_page = form.get(link, follow=True)
    assert "Welcome to Acme" in set_page.content.decode()
    done = form.post(set_page.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302
    signed = host_client("acme").post("/login", {"username": "dora@acme.test", "password": NEW})
    assert (signed.status_code, signed["Location"]) == (302, "/")
    assert "Password set" in alice_client.get(f"/people/{dora.pk}").content.decode()


def test_a_re_sent_invitation_makes_the_earlier_links_stop_working(alice_client, scott):
    assert alice_client.post(f"/people/{scott.pk}/invite").status_code == 302
    first = link_in_last_email()
    assert alice_client.post(f"/people/{scott.pk}/invite").status_code == 302
    second = link_in_last_email()
    with schema_context("acme"):
        earlier = OutgoingEmail.objects.order_by("created").first()
        late = email_build(earlier, organisation="acme")  # its job ran only after the re-send
    late_link = re.search(r"http://[^/\s]+(/invitation/\S+)", late.body).group(1)
    assert queued() == [("invitation", "scott@acme.test")] * 2
    for dead in (first, late_link):
        page = host_client("acme").get(dead, follow=True)
        assert page.status_code == 200
        assert "This link no longer works" in page.content.decode()
    form = host_client("acme")
    set_page = form.get(second, follow=True)
    assert "Welcome to Acme" in set_page.content.decode()
    done = form.post(set_page.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert (done.status_code, done["Location"]) == (302, "/login")
    with schema_context("acme"):
        assert User.objects.get(pk=scott.pk).check_password(NEW)


def test_adding_a_person_with_a_password_sends_no_invitation(alice_client):
    response = alice_client.post(
        "/people/new", {"email": "eve@acme.test", "role": "member", "password": NEW}
    )
    assert response.status_code == 302
    assert queued() == []


def test_an_invitation_in_a_microsoft_organisation_says_to_use_microsoft(alice_client, acme, scott):
    Organisation.objects.filter(pk=acme.pk).update(microsoft_enabled=True)
    response = alice_client.post(f"/people/{scott.pk}/invite")
    assert response.status_code == 302
    with schema_context("acme"):
        message = email_build(OutgoingEmail.objects.get(), organisation="acme")
    assert message.subject == "Sign in to Acme with Microsoft"
    assert 'choose "Sign in with Microsoft"' in message.body
    assert "/invitation/" not in message.body


def test_someone_with_a_password_gets_no_invitation(alice_client, bob):
    alice_client.post(f"/people/{bob.pk}/invite")
    assert queued() == []
    page = alice_client.get(f"/people/{bob.pk}").content.decode()
    assert "already has a password: send a password reset instead." in page


def test_an_expired_invitation_shows_and_can_be_resent(alice_client, scott, settings):
    alice_client.post(f"/people/{scott.pk}/invite")
    with schema_context("acme"):
        OutgoingEmail.objects.update(created=timezone.now() - timezone.timedelta(days=8))
    page = alice_client.get(f"/people/{scott.pk}").content.decode()
    assert 'data-testid="sign-in-status">Invitation expired</span>' in page
    assert "Re-send invitation" in page


def test_a_provisioned_person_without_a_password_cannot_sign_in_yet(alice_client, scott):
    page = alice_client.get(f"/people/{scott.pk}").content.decode()
    assert 'data-testid="sign-in-status">Cannot sign in yet</span>' in page
    assert "Send invitation" in page


# --- change password ---


def test_change_password_needs_the_current_one_and_ends_other_sessions(bob):
    here, elsewhere = signed_in("acme", bob), signed_in("acme", bob)
    wrong = here.post(
        "/profile/password",
        {"old_password": "wrong", "new_password1": NEW, "new_password2": NEW},
    )
    assert wrong.status_code == 200
    assert "Your old password was entered incorrectly" in wrong.content.decode()
    done = here.post(
        "/profile/password",
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert (done.status_code, done["Location"]) == (302, "/profile")
    assert here.get("/").status_code == 200  # this session goes on
    assert elsewhere.get("/")["Location"].startswith("/login")  # the other one ended
    with schema_context("acme"):
        assert User.objects.get(pk=bob.pk).check_password(NEW)
    assert audit("acme", bob) == [("bob@acme.test", "user.password_set")]


def test_change_password_without_a_password_explains(scott):
    page = signed_in("acme", scott).get("/profile/password")
    assert page.status_code == 200
    assert "You don't sign in with a password here." in page.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/password/reset/bm90LWEtdXVpZA/abc-def",
        "/password/reset/!!!/abc",
        "/invitation/MTIz/" + "x" * 500,
        "/password/reset/set-password/set-password",
    ],
)
def test_malformed_links_say_they_no_longer_work(acme_client, path):
    response = acme_client.get(path, follow=True)
    assert response.status_code == 200
    assert "This link no longer works" in response.content.decode()


def test_my_profile_offers_change_password(bob):
    page = signed_in("acme", bob).get("/profile", follow=True).content.decode()
    assert "You sign in with your email and password." in page
    assert '<a class="btn" href="/profile/password" data-testid="change-password">' in page
    assert "send-reset" not in page and "send-invitation" not in page
