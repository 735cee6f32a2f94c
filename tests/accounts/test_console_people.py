"""People: list, search, paging, a person's page, and the admin actions with their audit."""
# ruff: noqa: F811  (pytest fixtures imported from console_support are parameters here)

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM
from accounts.models import AuditEntry, Group, Membership, User
from accounts.services import user_create
from tests.accounts.console_support import (  # noqa: F401
    bob,
    bob_client,
    scott,
    signed_in,
    sql_statements,
)
from tests.conftest import PASSWORD, host_client

pytestmark = pytest.mark.django_db
GOOD = "a fine long pass phrase"


def listed(response) -> list[str]:
    return [person.user_name for person in response.context["page"].object_list]


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def audit_of(user: User) -> list[tuple[str, str, dict]]:
    """The entries about `user`, but the fixtures' creation by the system."""
    with schema_context("acme"):
        return list(
            AuditEntry.objects.filter(target=str(user.pk))
            .exclude(action="user.create", actor_label="system")
            .order_by("at", "id")
            .values_list("actor_label", "action", "detail")
        )


# --- list ---


def test_list_shows_everyone_alive_with_status_source_and_role(alice_client, bob, scott):
    with schema_context("acme"):
        gone = user_create(actor=SYSTEM, user_name="gone@acme.test", email="gone@acme.test")
        User.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
        User.objects.filter(pk=bob.pk).update(active=False)
    response = alice_client.get("/people")
    assert response.status_code == 200
    assert listed(response) == ["alice@acme.test", "bob@acme.test", "scott@acme.test"]
    rows = response.content.decode().split("<tbody>")[1].split("</tbody>")[0]
    assert rows.count("<tr>") == 3
    assert "Bob Builder" in rows and "Deactivated" in rows
    assert "Scott Provisioned" in rows and ">SCIM<" in rows and ">Console<" in rows
    assert ">Admin<" in rows and ">Member<" in rows
    assert "gone@acme.test" not in rows


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("bob", ["bob@acme.test"]),
        ("BUILDER", ["bob@acme.test"]),
        ("acme.test", ["alice@acme.test", "bob@acme.test", "scott@acme.test"]),
        ("nobody-here", []),
        ("%", []),  # LIKE wildcards are matched literally
    ],
)
def test_search(alice_client, bob, scott, query, expected):
    response = alice_client.get("/people", {"q": query})
    assert response.status_code == 200
    assert listed(response) == expected
    if not expected:
        assert "Nobody matches" in response.content.decode()


def test_list_is_paged_in_sql(alice_client, sql_statements):
    with schema_context("acme"):
        User.objects.bulk_create(
            [User(user_name=f"p{i:03}@acme.test", email=f"p{i:03}@acme.test") for i in range(60)]
        )
    first = alice_client.get("/people")
    assert len(listed(first)) == 25 and listed(first)[0] == "alice@acme.test"
    assert "1–25 of 61" in first.content.decode()
    assert 'href="?page=2"' in first.content.decode()
    last = alice_client.get("/people", {"page": 3})
    assert listed(last) == [f"p{i:03}@acme.test" for i in range(49, 60)]
    assert listed(alice_client.get("/people", {"page": "999"})) == listed(last)
    assert listed(alice_client.get("/people", {"page": "x"})) == listed(first)
    with sql_statements(5):  # routing, session, user, count, page: never one per row
        alice_client.get("/people", {"page": 2})


def test_search_keeps_the_query_in_page_links(alice_client):
    with schema_context("acme"):
        User.objects.bulk_create(
            [User(user_name=f"x{i:02}@acme.test", email=f"x{i:02}@acme.test") for i in range(30)]
        )
    body = alice_client.get("/people", {"q": "x"}).content.decode()
    assert 'href="?q=x&amp;page=2"' in body


# --- a person's page ---


def test_person_page_shows_attributes_groups_manager_and_microsoft_link(alice_client, bob, alice):
    with schema_context("acme"):
        group = Group.objects.create(display_name="Builders")
        Membership.objects.create(group=group, user=bob)
        User.objects.filter(pk=bob.pk).update(
            manager=alice, title="Site lead", entra_tid="t" * 36, entra_oid="o" * 36
        )
    response = alice_client.get(f"/people/{bob.pk}")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>Bob Builder</h1>" in body
    assert "Site lead" in body
    assert f'<a href="/groups/{group.pk}">Builders</a>' in body
    assert f'<a href="/people/{alice.pk}">alice@acme.test</a>' in body
    assert 'data-testid="microsoft-link"><span class="badge badge-ok">Linked</span>' in body
    assert "o" * 36 not in body  # identifiers of the Microsoft account are not shown
    assert "pbkdf2" not in body  # nor the password hash


def test_person_not_linked_to_microsoft(alice_client, bob):
    body = alice_client.get(f"/people/{bob.pk}").content.decode()
    assert 'data-testid="microsoft-link"><span class="badge">Not linked</span>' in body


def test_scim_person_is_read_only_and_says_why(alice_client, scott):
    body = alice_client.get(f"/people/{scott.pk}").content.decode()
    assert 'data-testid="scim-managed"' in body
    assert "attributes are read-only here" in body
    assert f"/people/{scott.pk}/edit" not in body
    assert "Deactivate" not in body
    assert "Change role" in body  # the role is a Looop setting, not a SCIM attribute
    response = alice_client.get(f"/people/{scott.pk}/edit")
    assert response.status_code == 403


def test_unknown_person_is_404(alice_client):
    assert alice_client.get("/people/00000000-0000-0000-0000-000000000000").status_code == 404


# --- create ---


def test_admin_creates_a_console_user_who_can_sign_in(alice_client, alice):
    response = alice_client.post(
        "/people/new",
        {
            "email": "carol@acme.test",
            "name_given": "Carol",
            "name_family": "Singer",
            "role": "member",
            "password": "a fine long pass phrase",
        },
    )
    with schema_context("acme"):
        carol = User.objects.get(user_name="carol@acme.test")
    assert response.status_code == 302
    assert response["Location"] == f"/people/{carol.pk}"
    assert (carol.email, carol.source, carol.role, carol.full_name) == (
        "carol@acme.test",
        "console",
        "member",
        "Carol Singer",
    )
    assert audit_of(carol) == [
        ("alice@acme.test", "user.create", {"user_name": "carol@acme.test", "role": "member"})
    ]
    signed = host_client("acme").post(
        "/login", {"username": "carol@acme.test", "password": "a fine long pass phrase"}
    )
    assert (signed.status_code, signed["Location"]) == (302, "/")


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"email": "not-an-email", "password": "a fine long pass phrase"}, "Enter a valid email"),
        ({"email": "ALICE@acme.test", "password": "a fine long pass phrase"}, "already exists"),
        ({"email": "dan@acme.test", "password": "short"}, "too short"),
        ({"email": "dan@acme.test", "password": "password123"}, "too common"),
        ({"email": "dan@acme.test", "password": GOOD, "role": "owner"}, "valid choice"),
        ({"email": "", "password": ""}, "This field is required"),
    ],
)  # fmt: skip
def test_create_refuses_bad_input(alice_client, data, error):
    with schema_context("acme"):
        before = User.objects.count()
    response = alice_client.post("/people/new", {"role": "member", **data})
    assert response.status_code == 400
    assert error in response.content.decode()
    with schema_context("acme"):
        assert User.objects.count() == before


# --- role ---


def test_admin_changes_a_role_and_the_person_page_shows_the_audit(alice_client, bob):
    response = alice_client.post(f"/people/{bob.pk}/role", {"role": "admin"})
    assert (response.status_code, response["Location"]) == (302, f"/people/{bob.pk}")
    assert messages_of(response) == ["bob@acme.test is now Admin."]
    with schema_context("acme"):
        assert User.objects.get(pk=bob.pk).role == "admin"
    assert audit_of(bob) == [
        (
            "alice@acme.test",
            "user.role_set",
            {"user_name": "bob@acme.test", "from": "member", "to": "admin"},
        )
    ]
    page = alice_client.get(f"/people/{bob.pk}").content.decode()
    assert "changed the role of bob@acme.test from member to admin" in page


def test_the_new_admin_can_open_account_pages(alice_client, bob, bob_client):
    assert bob_client.get("/account/provisioning").status_code == 403
    alice_client.post(f"/people/{bob.pk}/role", {"role": "admin"})
    assert bob_client.get("/account/provisioning").status_code == 200


def test_unknown_role_is_refused(alice_client, bob):
    response = alice_client.post(f"/people/{bob.pk}/role", {"role": "owner"})
    assert messages_of(response) == ["Choose a role: admin or member."]
    with schema_context("acme"):
        assert User.objects.get(pk=bob.pk).role == "member"
    assert audit_of(bob) == []


def test_the_last_active_admin_cannot_be_demoted(alice_client, alice):
    response = alice_client.post(f"/people/{alice.pk}/role", {"role": "member"})
    assert messages_of(response) == [
        "alice@acme.test is the only active admin of this organisation, so Looop will not "
        "make them a member: the organisation would have no admin left. Make someone else "
        "an admin in Looop first."
    ]
    with schema_context("acme"):
        assert User.objects.get(pk=alice.pk).role == "admin"


def test_an_admin_can_step_down_when_another_admin_exists(alice_client, alice, bob):
    alice_client.post(f"/people/{bob.pk}/role", {"role": "admin"})
    response = alice_client.post(f"/people/{alice.pk}/role", {"role": "member"})
    assert response.status_code == 302
    with schema_context("acme"):
        assert User.objects.get(pk=alice.pk).role == "member"
    assert alice_client.get("/people").status_code == 403  # effective at once


# --- activation ---


def test_deactivation_ends_sessions_and_reactivation_restores_sign_in(alice_client, bob):
    bob_session = signed_in("acme", bob)
    assert bob_session.get("/").status_code == 200
    response = alice_client.post(f"/people/{bob.pk}/activation", {"active": "0"})
    assert response.status_code == 302
    assert messages_of(response) == ["bob@acme.test is deactivated; their sessions have ended."]
    assert bob_session.get("/").status_code == 302  # signed out at once
    with schema_context("acme"):
        assert User.objects.get(pk=bob.pk).active is False
    refused = host_client("acme").post(
        "/login", {"username": "bob@acme.test", "password": PASSWORD}
    )
    assert refused.status_code == 200
    alice_client.post(f"/people/{bob.pk}/activation", {"active": "1"})
    with schema_context("acme"):
        assert User.objects.get(pk=bob.pk).active is True
    assert [action for _, action, _ in audit_of(bob)] == ["user.deactivate", "user.reactivate"]


def test_scim_person_cannot_be_deactivated_in_the_console(alice_client, scott):
    response = alice_client.post(f"/people/{scott.pk}/activation", {"active": "0"})
    assert messages_of(response) == [
        "This person is provisioned by SCIM: deactivate them in Microsoft Entra ID."
    ]
    with schema_context("acme"):
        assert User.objects.get(pk=scott.pk).active is True


def test_admin_cannot_deactivate_themselves(alice_client, alice):
    response = alice_client.post(f"/people/{alice.pk}/activation", {"active": "0"})
    assert messages_of(response) == ["You can't deactivate yourself."]
    assert alice_client.get("/").status_code == 200


def test_activation_needs_post(alice_client, bob):
    assert alice_client.get(f"/people/{bob.pk}/activation").status_code == 405


# --- edit ---


def test_admin_edits_a_console_user(alice_client, bob):
    response = alice_client.post(
        f"/people/{bob.pk}/edit",
        {"name_given": "Robert", "name_family": "Builder", "title": "Foreman", "department": ""},
    )
    assert (response.status_code, response["Location"]) == (302, f"/people/{bob.pk}")
    with schema_context("acme"):
        bob = User.objects.get(pk=bob.pk)
    assert (bob.name_given, bob.title, bob.department, bob.version) == (
        "Robert",
        "Foreman",
        None,
        2,
    )
    assert audit_of(bob)[-1] == (
        "alice@acme.test",
        "user.update",
        {"user_name": "bob@acme.test", "changed": ["name_given", "title"]},
    )


def test_scim_person_cannot_be_edited(alice_client, scott):
    response = alice_client.post(f"/people/{scott.pk}/edit", {"name_given": "Changed"})
    assert response.status_code == 403
    with schema_context("acme"):
        assert User.objects.get(pk=scott.pk).name_given == "Scott"
