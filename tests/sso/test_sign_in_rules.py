"""Who a Microsoft identity signs in as: linking rules, (tid, oid) afterwards, refusals, JIT."""

import pytest
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM
from accounts.models import AuditEntry, User
from accounts.services import user_deactivate, user_delete, user_reactivate
from sso.oidc import MicrosoftIdentity
from sso.refusals import SignInRefused
from sso.services import microsoft_sign_in
from tests.sso.conftest import new_flow, new_oid, organisation_update, person, reload
from tests.sso.fake_entra import CONTOSO, FABRIKAM

pytestmark = pytest.mark.django_db


def sign_in(organisation, **claims) -> User:
    identity = MicrosoftIdentity(**{"tid": CONTOSO, "oid": new_oid(), **claims})
    with schema_context(organisation.schema_name):
        return microsoft_sign_in(organisation=organisation, identity=identity)


def refused(organisation, **claims) -> str:
    with pytest.raises(SignInRefused) as caught:
        sign_in(organisation, **claims)
    return caught.value.refusal.value


def linked_count(slug: str = "acme") -> int:
    with schema_context(slug):
        return User.objects.filter(entra_oid__isnull=False).count()


# --- the first sign-in links by one rule ---


def test_links_by_external_id_equal_to_oid(acme_microsoft):
    oid = new_oid()
    scott = person("acme", "scott@acme.test", external_id=oid)
    user = sign_in(acme_microsoft, oid=oid, preferred_username="someone.else@contoso.test")
    assert user.pk == scott.pk
    scott = reload("acme", scott)
    assert (scott.entra_tid, scott.entra_oid) == (CONTOSO, oid)


def test_links_by_user_name_case_insensitively(acme_microsoft):
    scott = person("acme", "Scott.Tiger@acme.test")
    user = sign_in(acme_microsoft, preferred_username="scott.tiger@ACME.TEST")
    assert user.pk == scott.pk
    assert reload("acme", scott).entra_tid == CONTOSO


def test_links_by_email_only_when_the_domain_is_verified(acme_microsoft):
    scott = person("acme", "stiger", email="scott@acme.test")
    assert (
        refused(acme_microsoft, email="scott@acme.test", email_domain_verified=False)
        == "unknown_user"
    )
    assert reload("acme", scott).entra_oid is None

    user = sign_in(acme_microsoft, email="SCOTT@acme.test", email_domain_verified=True)
    assert user.pk == scott.pk


def test_external_id_wins_over_user_name(acme_microsoft):
    oid = new_oid()
    by_external_id = person("acme", "s.tiger@acme.test", external_id=oid)
    person("acme", "scott@acme.test")
    user = sign_in(acme_microsoft, oid=oid, preferred_username="scott@acme.test")
    assert user.pk == by_external_id.pk


def test_two_accounts_with_one_verified_email_are_refused_as_ambiguous(acme_microsoft):
    person("acme", "scott1", email="scott@acme.test")
    person("acme", "scott2", email="scott@acme.test")
    reason = refused(acme_microsoft, email="scott@acme.test", email_domain_verified=True)
    assert reason == "ambiguous"
    assert linked_count() == 0


# --- afterwards only (tid, oid) counts ---


def test_after_linking_only_tid_and_oid_identify_the_user(acme_microsoft):
    scott = person("acme", "scott@acme.test")
    oid = new_oid()
    sign_in(acme_microsoft, oid=oid, preferred_username="scott@acme.test")
    with schema_context("acme"):
        User.objects.filter(pk=scott.pk).update(user_name="renamed@acme.test")

    # Same (tid, oid), whatever the other claims say:
    assert sign_in(acme_microsoft, oid=oid, preferred_username="x@y.test").pk == scott.pk
    # Another oid claiming scott's old or new name does not get his account:
    assert refused(acme_microsoft, preferred_username="renamed@acme.test") == "unknown_user"
    assert reload("acme", scott).entra_oid == oid


# --- refusals ---


def test_a_deactivated_user_is_refused_before_and_after_linking(acme_microsoft):
    scott = person("acme", "scott@acme.test")
    with schema_context("acme"):
        user_deactivate(user=scott, actor=SYSTEM)
    assert refused(acme_microsoft, preferred_username="scott@acme.test") == "deactivated"
    assert reload("acme", scott).entra_oid is None  # nothing linked

    oid = new_oid()
    with schema_context("acme"):
        user_reactivate(user=scott, actor=SYSTEM)
    sign_in(acme_microsoft, oid=oid, preferred_username="scott@acme.test")
    with schema_context("acme"):
        user_deactivate(user=scott, actor=SYSTEM)
    assert refused(acme_microsoft, oid=oid) == "deactivated"


def test_an_unassigned_active_attribute_counts_as_deactivated(acme_microsoft):
    scott = person("acme", "scott@acme.test")
    with schema_context("acme"):
        User.objects.filter(pk=scott.pk).update(active=None)
    assert refused(acme_microsoft, preferred_username="scott@acme.test") == "deactivated"


def test_a_deleted_user_is_refused_and_not_recreated(acme_microsoft):
    organisation_update(acme_microsoft, create_users_at_first_sign_in=True)
    scott = person("acme", "scott@acme.test")
    oid = new_oid()
    sign_in(acme_microsoft, oid=oid, preferred_username="scott@acme.test")
    with schema_context("acme"):
        user_delete(user=scott, actor=SYSTEM)
        before = User.objects.count()

    assert refused(acme_microsoft, oid=oid, preferred_username="scott@acme.test") == "deleted"
    # Never linked, but matching a removed account by userName: refused as well.
    assert refused(acme_microsoft, preferred_username="scott@acme.test") == "deleted"
    with schema_context("acme"):
        assert User.objects.count() == before


def test_a_reprovisioned_user_takes_over_the_link_of_the_removed_account(acme_microsoft):
    old = person("acme", "scott@acme.test")
    oid = new_oid()
    sign_in(acme_microsoft, oid=oid, preferred_username="scott@acme.test")
    with schema_context("acme"):
        user_delete(user=old, actor=SYSTEM)
    new = person("acme", "scott@acme.test")

    assert sign_in(acme_microsoft, oid=oid, preferred_username="scott@acme.test").pk == new.pk
    assert reload("acme", new).entra_oid == oid
    assert reload("acme", old).entra_oid is None


def test_an_unknown_user_is_refused_when_creation_is_off(acme_microsoft):
    with schema_context("acme"):
        before = User.objects.count()
    assert refused(acme_microsoft, preferred_username="new@acme.test") == "unknown_user"
    with schema_context("acme"):
        assert User.objects.count() == before


def test_microsoft_switched_off_refuses_everyone(acme_microsoft):
    organisation_update(acme_microsoft, microsoft_enabled=False)
    scott = person("acme", "scott@acme.test")
    assert refused(acme_microsoft, preferred_username="scott@acme.test") == "microsoft_off"
    assert reload("acme", scott).entra_oid is None


def test_a_token_of_another_tenant_is_refused(acme_microsoft):
    scott = person("acme", "scott@acme.test")
    reason = refused(acme_microsoft, tid=FABRIKAM, preferred_username="scott@acme.test")
    assert reason == "other_tenant"
    assert reload("acme", scott).entra_oid is None


# --- just-in-time creation ---


def test_creation_at_first_sign_in_makes_a_linked_member(acme_microsoft):
    organisation_update(acme_microsoft, create_users_at_first_sign_in=True)
    oid = new_oid()
    user = sign_in(
        acme_microsoft,
        oid=oid,
        preferred_username="nina@acme.test",
        email="nina@acme.test",
        name="Nina Simone",
        given_name="Nina",
        family_name="Simone",
    )
    with schema_context("acme"):
        created = User.objects.get(pk=user.pk)
        entry = AuditEntry.objects.get(action="user.create", target=str(user.pk))
    assert (created.user_name, created.email, created.role, created.source) == (
        "nina@acme.test",
        "nina@acme.test",
        "member",
        "sso",
    )
    assert (created.entra_tid, created.entra_oid) == (CONTOSO, oid)
    assert (created.display_name, created.name_given, created.name_family) == (
        "Nina Simone",
        "Nina",
        "Simone",
    )
    assert not created.has_usable_password()
    assert (entry.actor_label, entry.actor_id) == ("Microsoft sign-in", None)
    assert entry.detail == {"user_name": "nina@acme.test", "role": "member"}
    # The second sign-in finds the same account by (tid, oid).
    assert sign_in(acme_microsoft, oid=oid, preferred_username="nina@acme.test").pk == user.pk


def test_creation_never_takes_a_user_name_linked_to_someone_else(acme_microsoft):
    organisation_update(acme_microsoft, create_users_at_first_sign_in=True)
    scott = person("acme", "scott@acme.test")
    sign_in(acme_microsoft, preferred_username="scott@acme.test")
    assert refused(acme_microsoft, preferred_username="scott@acme.test") == "user_name_taken"
    with schema_context("acme"):
        assert User.objects.filter(user_name__iexact="scott@acme.test").count() == 1
    assert reload("acme", scott).entra_oid is not None


# --- the nOAuth attack ---


def test_noauth_another_tenants_identity_with_a_users_email_does_not_sign_in_as_them(
    acme_microsoft, fake_entra, caplog
):
    """An admin of another tenant sets a user's email on their own account (nOAuth)."""
    scott = person("acme", "scott@acme.test")
    flow = new_flow("acme")
    with caplog.at_level("WARNING", logger="looop.sso"):
        response = flow.sign_in(
            fake_entra,
            tid=FABRIKAM,
            oid=new_oid(),
            preferred_username="mallory@fabrikam.test",
            email="scott@acme.test",
            xms_edov=True,
        )
    assert response.status_code == 403
    assert 'data-reason="other_tenant"' in response.content.decode()
    assert "belongs to another directory" in response.content.decode()
    with schema_context("acme"):
        assert "_auth_user_id" not in flow.org.session
    assert reload("acme", scott).entra_oid is None
    assert "other_tenant organisation=acme" in caplog.text


def test_noauth_an_unverified_email_in_the_bound_tenant_does_not_link(acme_microsoft):
    scott = person("acme", "scott@acme.test")
    reason = refused(acme_microsoft, preferred_username="mal@acme.test", email="scott@acme.test")
    assert reason == "unknown_user"
    assert reload("acme", scott).entra_oid is None


# --- through the pages ---


def test_a_deactivated_user_sees_a_clear_page(acme_microsoft, fake_entra, caplog):
    scott = person("acme", "scott@acme.test")
    with schema_context("acme"):
        user_deactivate(user=scott, actor=SYSTEM)
    flow = new_flow("acme")
    with caplog.at_level("WARNING", logger="looop.sso"):
        response = flow.sign_in(
            fake_entra, tid=CONTOSO, oid=new_oid(), preferred_username="scott@acme.test"
        )
    assert response.status_code == 403
    body = response.content.decode()
    assert "Your account is deactivated" in body
    assert 'href="/login"' in body
    with schema_context("acme"):
        assert "_auth_user_id" not in flow.org.session
    assert "Microsoft sign-in refused: deactivated organisation=acme" in caplog.text


def test_a_user_of_acme_is_unknown_at_globex(acme_microsoft, globex, fake_entra):
    """Same tenant bound to two organisations: each only knows its own people."""
    organisation_update(globex, microsoft_enabled=True, entra_tenant_id=CONTOSO)
    oid = new_oid()
    scott = person("acme", "scott@acme.test", external_id=oid)
    flow = new_flow("globex")
    response = flow.sign_in(fake_entra, tid=CONTOSO, oid=oid, preferred_username="scott@acme.test")
    assert response.status_code == 403
    assert 'data-reason="unknown_user"' in response.content.decode()
    assert reload("acme", scott).entra_oid is None
    assert linked_count("globex") == 0
