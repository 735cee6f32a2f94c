"""Password sign-in and sign-out on an organisation's host, and isolation between organisations."""

import pytest
from django.conf import settings
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM
from accounts.models import User
from accounts.services import user_create, user_deactivate
from tests.conftest import PASSWORD, host_client

pytestmark = pytest.mark.django_db


def sign_in(client, email: str, password: str = PASSWORD):
    return client.post("/login", {"username": email, "password": password})


def test_admin_signs_in_and_sees_home(acme_client, alice):
    response = sign_in(acme_client, "alice@acme.test")
    assert response.status_code == 302
    assert response["Location"] == "/"
    home = acme_client.get("/")
    assert home.status_code == 200
    assert home.context["user"].pk == alice.pk
    assert b'data-testid="org-name">Acme<' in home.content


def test_email_is_case_insensitive(acme_client, alice):
    assert sign_in(acme_client, "ALICE@Acme.Test").status_code == 302


def test_wrong_password_is_refused_with_a_clear_message(acme_client, alice):
    response = sign_in(acme_client, "alice@acme.test", "wrong password")
    assert response.status_code == 200
    assert b"don&#x27;t match an active account here" in response.content
    assert "_auth_user_id" not in acme_client.session


def test_sign_in_cycles_the_session_key(acme_client, alice):
    acme_client.get("/login")
    acme_client.session.save()
    before = acme_client.session.session_key
    sign_in(acme_client, "alice@acme.test")
    assert acme_client.session.session_key != before


def test_sign_out_ends_the_session(acme_client, alice):
    sign_in(acme_client, "alice@acme.test")
    response = acme_client.post("/logout")
    assert response.status_code == 302
    assert acme_client.get("/").status_code == 302


def test_user_of_acme_cannot_sign_in_on_globex(globex_client, alice):
    response = sign_in(globex_client, "alice@acme.test")
    assert response.status_code == 200
    assert "_auth_user_id" not in globex_client.session


def test_same_email_in_two_organisations_is_two_accounts(acme, globex):
    with schema_context("acme"):
        in_acme = user_create(
            actor=SYSTEM,
            user_name="sam@example.com",
            email="sam@example.com",
            password="acme pw 123!",
        )
    with schema_context("globex"):
        in_globex = user_create(
            actor=SYSTEM,
            user_name="sam@example.com",
            email="sam@example.com",
            password="globex pw 456!",
        )
    assert in_acme.pk != in_globex.pk
    acme_client, globex_client = host_client("acme"), host_client("globex")
    assert sign_in(acme_client, "sam@example.com", "acme pw 123!").status_code == 302
    assert sign_in(globex_client, "sam@example.com", "acme pw 123!").status_code == 200
    assert sign_in(globex_client, "sam@example.com", "globex pw 456!").status_code == 302
    with schema_context("acme"):
        assert User.objects.filter(user_name="sam@example.com").count() == 1


def test_session_cookie_of_acme_is_not_accepted_on_globex(acme_client, alice):
    sign_in(acme_client, "alice@acme.test")
    cookie = acme_client.cookies[settings.SESSION_COOKIE_NAME].value
    assert acme_client.get("/").status_code == 200
    intruder = host_client("globex")
    intruder.cookies[settings.SESSION_COOKIE_NAME] = cookie
    response = intruder.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login")


def test_deactivation_ends_sessions_and_blocks_sign_in(acme_client, acme):
    with schema_context("acme"):
        bob = user_create(
            actor=SYSTEM, user_name="bob@acme.test", email="bob@acme.test", password=PASSWORD
        )
    sign_in(acme_client, "bob@acme.test")
    assert acme_client.get("/").status_code == 200
    with schema_context("acme"):
        user_deactivate(user=bob, actor=SYSTEM)
    assert acme_client.get("/").status_code == 302
    assert sign_in(acme_client, "bob@acme.test").status_code == 200
