"""The seed flow: Microsoft is on, the organisation is not bound; only an admin's sign-in binds."""

import pytest
from django_tenants.utils import schema_context

from accounts.models import AuditEntry, Organisation, User
from accounts.seed_intent import COOKIE
from tests.sso.conftest import Flow, new_flow, new_oid, organisation_update, person, reload
from tests.sso.fake_entra import CONTOSO, FABRIKAM

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme_unbound(acme, fake_entra) -> Organisation:
    return organisation_update(acme, microsoft_enabled=True, entra_tenant_id="")


def bound_tenant() -> str:
    return Organisation.objects.get(schema_name="acme").entra_tenant_id


def seed_flow(admin: User) -> Flow:
    """A browser in which `admin` switched Microsoft on, then signed out: it holds the
    binding intent for `admin` (accounts/seed_intent.py)."""
    flow = new_flow("acme")
    with schema_context("acme"):
        flow.org.force_login(admin)
    switched = flow.org.post("/account/authentication/microsoft", {"enabled": "1"})
    assert switched.status_code == 302 and switched.cookies[COOKIE].value
    assert flow.org.post("/logout").status_code == 302
    with schema_context("acme"):
        assert "_auth_user_id" not in flow.org.session
    return flow


def test_an_admins_first_sign_in_binds_the_tenant(acme_unbound, alice, fake_entra):
    flow = seed_flow(alice)
    oid = new_oid()

    response = flow.sign_in(fake_entra, tid=CONTOSO, oid=oid, preferred_username="alice@acme.test")

    assert response.status_code == 302
    assert response["Location"] == "/"
    acme = Organisation.objects.get(schema_name="acme")
    assert (acme.entra_tenant_id, acme.entra_connected_by) == (CONTOSO, "alice@acme.test")
    assert acme.entra_connected_at is not None
    alice = reload("acme", alice)
    assert (alice.entra_tid, alice.entra_oid) == (CONTOSO, oid)
    with schema_context("acme"):
        assert flow.org.session["_auth_user_id"] == str(alice.pk)
        entry = AuditEntry.objects.get(action="organisation.microsoft_connect")
    assert (entry.actor_label, entry.target) == ("alice@acme.test", CONTOSO)
    assert entry.detail == {"tenant": CONTOSO, "via": "admin sign-in"}


def test_a_members_sign_in_binds_nothing(acme_unbound, fake_entra, caplog):
    bob = person("acme", "bob@acme.test")
    flow = new_flow("acme")
    with caplog.at_level("WARNING", logger="looop.sso"):
        response = flow.sign_in(
            fake_entra, tid=CONTOSO, oid=new_oid(), preferred_username="bob@acme.test"
        )
    assert response.status_code == 403
    body = response.content.decode()
    assert 'data-reason="not_connected"' in body
    assert "isn&#x27;t connected to Microsoft yet" in body
    assert bound_tenant() == ""
    assert reload("acme", bob).entra_oid is None
    with schema_context("acme"):
        assert "_auth_user_id" not in flow.org.session
        assert not AuditEntry.objects.filter(action="organisation.microsoft_connect").exists()
    assert "not_connected organisation=acme" in caplog.text


def test_an_unknown_identity_is_neither_created_nor_binds_even_with_creation_on(
    acme_unbound, fake_entra
):
    organisation_update(acme_unbound, create_users_at_first_sign_in=True)
    with schema_context("acme"):
        before = User.objects.count()
    flow = new_flow("acme")
    response = flow.sign_in(
        fake_entra, tid=CONTOSO, oid=new_oid(), preferred_username="newcomer@acme.test"
    )
    assert response.status_code == 403
    assert 'data-reason="not_connected"' in response.content.decode()
    assert bound_tenant() == ""
    with schema_context("acme"):
        assert User.objects.count() == before


def test_an_admin_found_by_verified_email_binds(acme_unbound, alice, fake_entra):
    flow = seed_flow(alice)
    response = flow.sign_in(
        fake_entra,
        tid=CONTOSO,
        oid=new_oid(),
        preferred_username="alice.smith@contoso.test",
        email="alice@acme.test",
        xms_edov=True,
    )
    assert response.status_code == 302
    assert bound_tenant() == CONTOSO


def test_noauth_an_unverified_email_of_an_admin_binds_nothing(acme_unbound, alice, fake_entra):
    """Another tenant's account carrying the admin's email, without xms_edov, is nobody here."""
    flow = new_flow("acme")
    response = flow.sign_in(
        fake_entra,
        tid=FABRIKAM,
        oid=new_oid(),
        preferred_username="mallory@fabrikam.test",
        email="alice@acme.test",
    )
    assert response.status_code == 403
    assert 'data-reason="not_connected"' in response.content.decode()
    assert bound_tenant() == ""
    assert reload("acme", alice).entra_oid is None


def test_a_deactivated_admin_binds_nothing(acme_unbound, alice, fake_entra):
    flow = seed_flow(alice)
    with schema_context("acme"):
        # The only admin, deactivated behind the actions' back (they refuse to).
        User.objects.filter(pk=alice.pk).update(active=False)
    response = flow.sign_in(
        fake_entra, tid=CONTOSO, oid=new_oid(), preferred_username="alice@acme.test"
    )
    assert response.status_code == 403
    assert 'data-reason="deactivated"' in response.content.decode()
    assert bound_tenant() == ""


def test_once_bound_other_tenants_are_refused(acme_unbound, alice, fake_entra):
    seed_flow(alice).sign_in(
        fake_entra, tid=CONTOSO, oid=new_oid(), preferred_username="alice@acme.test"
    )
    person("acme", "bob@acme.test")
    response = new_flow("acme").sign_in(
        fake_entra, tid=FABRIKAM, oid=new_oid(), preferred_username="bob@acme.test"
    )
    assert response.status_code == 403
    assert 'data-reason="other_tenant"' in response.content.decode()
    assert bound_tenant() == CONTOSO
