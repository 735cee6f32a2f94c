"""Provisioning never grants console access: admins are never linked automatically, and
only the admin whose browser holds the binding intent can seed the tenant binding."""

import pytest
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM, Actor
from accounts.models import AuditEntry, Organisation, User
from accounts.seed_intent import COOKIE
from accounts.services import user_create, user_role_set
from tests.sso.conftest import (
    new_flow,
    new_oid,
    organisation_update,
    reload,
    session_user_id,
    signed_in_flow,
)
from tests.sso.fake_entra import CONTOSO, FABRIKAM
from tests.sso.test_seed_flow import seed_flow

pytestmark = pytest.mark.django_db


def scim_writes_external_id(user: User, oid: str) -> None:
    """What a SCIM token holder can do to anyone: set their externalId."""
    with schema_context("acme"):
        User.objects.filter(pk=user.pk).update(external_id=oid)


@pytest.fixture
def acme_bound(acme, fake_entra) -> Organisation:
    return organisation_update(acme, microsoft_enabled=True, entra_tenant_id=CONTOSO)


@pytest.fixture
def acme_unbound(acme, fake_entra) -> Organisation:
    return organisation_update(acme, microsoft_enabled=True, entra_tenant_id="")


def test_an_unlinked_admin_is_told_to_link_and_not_linked(acme_bound, alice, fake_entra):
    flow = new_flow("acme")
    response = flow.sign_in(
        fake_entra, tid=CONTOSO, oid=new_oid(), preferred_username="alice@acme.test"
    )
    assert response.status_code == 403
    body = response.content.decode()
    assert 'data-reason="admin_not_linked"' in body and "Link my Microsoft account" in body
    assert reload("acme", alice).entra_oid is None
    assert session_user_id(flow.org, "acme") is None


def test_scim_external_id_does_not_hand_an_admin_to_an_insider(acme_bound, alice, fake_entra):
    """A member of the bound tenant whose oid SCIM wrote into the admin's externalId."""
    insider = new_oid()
    scim_writes_external_id(alice, insider)
    flow = new_flow("acme")
    response = flow.sign_in(
        fake_entra, tid=CONTOSO, oid=insider, preferred_username="mallory@contoso.test"
    )
    assert 'data-reason="admin_not_linked"' in response.content.decode()
    assert reload("acme", alice).entra_oid is None
    assert session_user_id(flow.org, "acme") is None


def test_a_member_made_admin_keeps_the_link_they_made_as_a_member(acme_bound, alice, fake_entra):
    with schema_context("acme"):
        bob = user_create(actor=SYSTEM, user_name="bob@acme.test", source="scim")
    oid = new_oid()
    first = new_flow("acme").sign_in(
        fake_entra, tid=CONTOSO, oid=oid, preferred_username="bob@acme.test"
    )
    assert first.status_code == 302
    with schema_context("acme"):
        user_role_set(user=bob, role="admin", actor=Actor.console(alice))
    again = new_flow("acme").sign_in(
        fake_entra, tid=CONTOSO, oid=oid, preferred_username="bob@acme.test"
    )
    assert again.status_code == 302
    with schema_context("acme"):
        entry = AuditEntry.objects.get(action="user.identity_link", target=str(bob.pk))
    assert (entry.actor_label, entry.detail) == (
        "Microsoft sign-in",
        {"user_name": "bob@acme.test", "tenant": CONTOSO},
    )


def test_link_my_microsoft_account_links_the_signed_in_admin(acme_bound, alice, fake_entra):
    flow = signed_in_flow("acme", alice)
    panel = flow.org.get("/account/authentication").content.decode()
    assert 'data-testid="microsoft-link-me"' in panel
    oid = new_oid()
    flow.start("/sso/microsoft/connect", method="post")
    fake_entra.id_token = fake_entra.sign(
        fake_entra.claims(
            tid=CONTOSO,
            oid=oid,
            nonce=flow.authorize["nonce"],
            preferred_username="al@contoso.test",
        )
    )
    response = flow.complete(flow.callback())
    assert (response.status_code, response["Location"]) == (302, "/account/authentication")
    alice = reload("acme", alice)
    assert (alice.entra_tid, alice.entra_oid) == (CONTOSO, oid)
    assert (
        'data-testid="microsoft-me-linked"'
        in flow.org.get("/account/authentication").content.decode()
    )
    # From now on, Sign in with Microsoft is alice.
    later = new_flow("acme")
    assert later.sign_in(fake_entra, tid=CONTOSO, oid=oid).status_code == 302
    assert session_user_id(later.org, "acme") == str(alice.pk)


# --- the seed flow needs the admin's binding intent -----------------------------------------


def bound() -> str:
    return Organisation.objects.get(schema_name="acme").entra_tenant_id


def test_without_the_intent_not_even_the_admin_binds(acme_unbound, alice, fake_entra):
    response = new_flow("acme").sign_in(
        fake_entra, tid=CONTOSO, oid=new_oid(), preferred_username="alice@acme.test"
    )
    assert 'data-reason="not_connected"' in response.content.decode()
    assert bound() == ""
    assert reload("acme", alice).entra_oid is None


def test_an_intent_does_not_bind_for_an_identity_matched_by_external_id(
    acme_unbound, alice, fake_entra
):
    """externalId is SCIM's to write, so it never identifies an admin for the seed flow."""
    flow = seed_flow(alice)
    stranger = new_oid()
    scim_writes_external_id(alice, stranger)
    response = flow.sign_in(
        fake_entra, tid=FABRIKAM, oid=stranger, preferred_username="mallory@fabrikam.test"
    )
    assert 'data-reason="not_connected"' in response.content.decode()
    assert bound() == ""
    assert reload("acme", alice).entra_oid is None


def test_an_intent_is_for_its_admin_only(acme_unbound, alice, fake_entra):
    with schema_context("acme"):
        user_create(actor=SYSTEM, user_name="bob@acme.test", source="scim")
    flow = seed_flow(alice)
    response = flow.sign_in(
        fake_entra, tid=CONTOSO, oid=new_oid(), preferred_username="bob@acme.test"
    )
    assert 'data-reason="not_connected"' in response.content.decode()
    assert bound() == ""


def test_a_forged_intent_is_ignored(acme_unbound, alice, fake_entra):
    flow = new_flow("acme")
    flow.org.cookies[COOKIE] = "forged:value"
    response = flow.sign_in(
        fake_entra, tid=CONTOSO, oid=new_oid(), preferred_username="alice@acme.test"
    )
    assert 'data-reason="not_connected"' in response.content.decode()
    assert bound() == ""


def test_switching_microsoft_on_in_a_bound_organisation_sets_no_intent(acme_bound, alice):
    flow = signed_in_flow("acme", alice)
    organisation_update(acme_bound, microsoft_enabled=False)
    response = flow.org.post("/account/authentication/microsoft", {"enabled": "1"})
    assert response.status_code == 302 and COOKIE not in response.cookies
