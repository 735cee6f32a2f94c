"""Who reaches which console page: admins, members, visitors, and other organisations."""
# ruff: noqa: F811  (pytest fixtures imported from console_support are parameters here)

import pytest
from django.conf import settings
from django_tenants.utils import schema_context

from accounts.models import Group, Organisation, User
from scim.models import ScimToken
from scim.services import token_create
from tests.accounts.console_support import bob, bob_client, gina_client, signed_in  # noqa: F401
from tests.conftest import host_client

pytestmark = pytest.mark.django_db

FORBIDDEN_PAGE = "You don't have access to this page"


@pytest.fixture
def acme_things(alice, bob):
    """A token and a group in acme, to aim management URLs at."""
    with schema_context("acme"):
        token, _ = token_create(name="Entra", actor=alice)
        group = Group.objects.create(display_name="Engineering")
    return {"token": token, "group": group, "bob": bob, "alice": alice}


def admin_get_urls(things: dict) -> list[str]:
    return [
        "/people",
        "/people/new",
        f"/people/{things['bob'].pk}/edit",
        "/groups",
        f"/groups/{things['group'].pk}",
        "/account/authentication",
        "/account/authentication/reset-token",
        "/account/provisioning",
        f"/account/provisioning/tokens/{things['token'].pk}/revoke",
        "/help/microsoft",
    ]


def admin_post_requests(things: dict) -> list[tuple[str, dict]]:
    alice, bob = things["alice"], things["bob"]
    return [
        ("/people/new", {"email": "eve@acme.test", "password": "pass phrase 9", "role": "admin"}),
        (f"/people/{alice.pk}/role", {"role": "member"}),
        (f"/people/{bob.pk}/role", {"role": "admin"}),
        (f"/people/{alice.pk}/activation", {"active": "0"}),
        (f"/people/{alice.pk}/edit", {"name_given": "Mallory"}),
        ("/account/authentication/microsoft", {"enabled": "1"}),
        ("/account/authentication/reset-token", {}),
        ("/account/provisioning/tokens", {"name": "Member token"}),
        (f"/account/provisioning/tokens/{things['token'].pk}/revoke", {}),
    ]  # fmt: skip


def acme_state() -> dict:
    with schema_context("acme"):
        return {
            "users": sorted(User.objects.values_list("user_name", "role", "active", "name_given")),
            "tokens": sorted(ScimToken.objects.values_list("name", "revoked_at")),
            "microsoft": Organisation.objects.get(schema_name="acme").microsoft_enabled,
        }


def test_admin_opens_every_console_page(alice_client, acme_things):
    for url in admin_get_urls(acme_things):
        response = alice_client.get(url)
        assert response.status_code == 200, url
        assert b'<nav class="nav" aria-label="Main">' in response.content


def test_member_gets_403_on_every_console_page(bob_client, acme_things):
    for url in admin_get_urls(acme_things):
        response = bob_client.get(url)
        assert response.status_code == 403, url
        assert FORBIDDEN_PAGE in response.content.decode(), url


def test_member_gets_403_on_every_management_action_and_nothing_changes(bob_client, acme_things):
    before = acme_state()
    for url, data in admin_post_requests(acme_things):
        response = bob_client.post(url, data)
        assert response.status_code == 403, url
        assert FORBIDDEN_PAGE in response.content.decode(), url
    assert acme_state() == before


def test_member_sees_home_and_own_profile_only(bob_client, bob, alice):
    assert bob_client.get("/").status_code == 200
    response = bob_client.get("/profile")
    assert (response.status_code, response["Location"]) == (302, f"/people/{bob.pk}")
    own = bob_client.get(f"/people/{bob.pk}")
    assert own.status_code == 200
    body = own.content.decode()
    assert "bob@acme.test" in body
    assert "manage-heading" not in body and "Change role" not in body  # no admin actions
    assert 'href="/people"' not in body  # the member's navigation has no People list
    assert bob_client.get(f"/people/{alice.pk}").status_code == 403


def test_member_navigation_shows_home_and_my_profile(bob_client):
    body = bob_client.get("/").content.decode()
    assert 'href="/profile"' in body
    assert "/account/provisioning" not in body and 'href="/groups"' not in body


def test_visitor_is_sent_to_sign_in(acme_client, acme_things):
    for url in admin_get_urls(acme_things) + ["/profile"]:
        response = acme_client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login?next="), url


def test_visitor_cannot_post_management_actions(acme_client, acme_things):
    before = acme_state()
    for url, data in admin_post_requests(acme_things):
        response = acme_client.post(url, data)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login"), url
    assert acme_state() == before


# --- across organisations ---


def test_acme_admin_session_cookie_is_worthless_on_globex(alice_client, gina):
    cookie = alice_client.cookies[settings.SESSION_COOKIE_NAME].value
    intruder = host_client("globex")
    intruder.cookies[settings.SESSION_COOKIE_NAME] = cookie
    for url in ["/people", "/account/provisioning", f"/people/{gina.pk}"]:
        response = intruder.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login"), url


def test_globex_ids_are_404_in_acme_urls(alice_client, gina):
    with schema_context("globex"):
        group = Group.objects.create(display_name="Globex sales")
        token, _ = token_create(name="Globex Entra", actor=gina)
    with schema_context("acme"):
        assert not ScimToken.objects.filter(pk=token.pk).exists()
    for url in [
        f"/people/{gina.pk}",
        f"/people/{gina.pk}/edit",
        f"/groups/{group.pk}",
        f"/account/provisioning/tokens/{token.pk}/revoke",
    ]:
        assert alice_client.get(url).status_code == 404, url
    for url, data in [
        (f"/people/{gina.pk}/role", {"role": "member"}),
        (f"/people/{gina.pk}/activation", {"active": "0"}),
        (f"/account/provisioning/tokens/{token.pk}/revoke", {}),
    ]:
        assert alice_client.post(url, data).status_code == 404, url
    with schema_context("globex"):
        gina.refresh_from_db()
        token.refresh_from_db()
    assert (gina.role, gina.active, token.revoked_at) == ("admin", True, None)


def test_acme_admin_never_sees_globex_people_or_tokens(alice_client, gina, gina_client):
    with schema_context("globex"):
        token_create(name="Globex secret token", actor=gina)
    people = alice_client.get("/people?q=globex").content.decode()
    assert "gina@globex.test" not in people
    provisioning = alice_client.get("/account/provisioning").content.decode()
    assert "Globex secret token" not in provisioning
    assert "Globex secret token" in gina_client.get("/account/provisioning").content.decode()


def test_malformed_ids_are_404(alice_client):
    for url in ["/people/not-a-uuid", "/groups/123", "/account/provisioning/tokens/abc/revoke"]:
        assert alice_client.get(url).status_code == 404, url
