"""The action layer (accounts.services): one set of rules whoever calls, and the hook."""
# ruff: noqa: F811  (pytest fixtures imported from console_support are parameters here)

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from accounts import hooks
from accounts.actors import SYSTEM, Actor
from accounts.models import AuditEntry, Group, User
from accounts.services import (
    Refused,
    group_create,
    group_delete,
    user_create,
    user_deactivate,
    user_identity_link,
    user_identity_unlink,
)
from tests.accounts.console_support import signed_in
from tests.conftest import PASSWORD
from tests.scim.conftest import PATCH_OP, ScimClient, token_for

pytestmark = pytest.mark.django_db

DEACTIVATE = {
    "schemas": [PATCH_OP],
    "Operations": [{"op": "Replace", "path": "active", "value": "False"}],
}


def _member(user_name: str) -> User:
    with schema_context("acme"):
        return user_create(actor=SYSTEM, user_name=user_name, email=user_name, password=PASSWORD)


def _stored(user: User) -> User:
    with schema_context("acme"):
        return User.objects.get(pk=user.pk)


def _entry(user: User) -> AuditEntry:
    """The one entry about `user` after their creation's."""
    with schema_context("acme"):
        return AuditEntry.objects.exclude(action="user.create").get(target=str(user.pk))


@pytest.fixture
def recorded() -> list[tuple[hooks.Change, bool]]:
    """What subscribers hear, and whether they heard it inside a transaction."""
    heard: list[tuple[hooks.Change, bool]] = []

    def subscriber(change: hooks.Change) -> None:
        if not isinstance(change, hooks.AttributesChanged):  # tests/campaigns/test_hooks.py
            heard.append((change, connection.in_atomic_block))

    hooks.subscribe(subscriber)
    yield heard
    hooks.unsubscribe(subscriber)


def test_console_and_scim_deactivations_leave_the_same_trail_and_end_the_same_sessions(
    alice_client, acme, recorded
):
    bob, carol = _member("bob@acme.test"), _member("carol@acme.test")
    bob_browser, carol_browser = signed_in("acme", bob), signed_in("acme", carol)
    assert bob_browser.get("/profile").status_code == 302  # signed in: to their own page
    assert carol_browser.get("/profile").status_code == 302
    scim = ScimClient("acme", token_for("acme", name="Entra"))

    response = alice_client.post(f"/people/{bob.pk}/activation", {"active": "0"})
    assert response.status_code == 302
    assert scim.patch(f"/Users/{carol.pk}", DEACTIVATE).status_code == 200

    by_console, by_scim = _entry(bob), _entry(carol)
    assert (by_console.action, by_console.detail, by_console.actor_label) == (
        "user.deactivate",
        {"user_name": "bob@acme.test"},
        "alice@acme.test",
    )
    assert (by_scim.action, by_scim.detail, by_scim.actor_label) == (
        "user.deactivate",
        {"user_name": "carol@acme.test"},
        "SCIM token “Entra”",
    )
    assert by_scim.actor_id is None and by_console.actor_id is not None
    for before, after in ((bob, _stored(bob)), (carol, _stored(carol))):
        assert (after.active, after.session_epoch, after.version) == (
            False,
            before.session_epoch + 1,
            before.version + 1,
        )
    for browser in (bob_browser, carol_browser):  # both sessions are over
        assert browser.get("/profile")["Location"].startswith("/login")
    assert [(c.change, c.user_id, inside) for c, inside in recorded] == [
        ("deactivated", bob.pk, True),
        ("deactivated", carol.pk, True),
    ]


def test_a_subscriber_that_fails_undoes_the_change(acme):
    bob = _member("bob@acme.test")

    def refuse(change: hooks.Change) -> None:
        raise RuntimeError("the learning app said no")

    hooks.subscribe(refuse)
    try:
        with schema_context("acme"), pytest.raises(RuntimeError):
            user_deactivate(user=bob, actor=SYSTEM)
    finally:
        hooks.unsubscribe(refuse)
    stored = _stored(bob)
    assert (stored.active, stored.version, stored.session_epoch) == (True, 1, 0)
    with schema_context("acme"):
        entries = AuditEntry.objects.filter(target=str(bob.pk)).values_list("action", flat=True)
        assert list(entries) == ["user.create"]


def test_scim_member_changes_reach_subscribers_once_per_request(acme, recorded):
    bob, carol = _member("bob@acme.test"), _member("carol@acme.test")
    scim = ScimClient("acme", token_for("acme", name="Entra"))
    created = scim.post("/Groups", {"displayName": "Team"}).json()
    members = [{"value": str(bob.pk)}, {"value": str(carol.pk)}]
    add = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "Add", "path": "members", "value": members}],
    }
    assert scim.patch(f"/Groups/{created['id']}", add).status_code == 204
    remove = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "Remove", "path": f'members[value eq "{bob.pk}"]'}],
    }
    assert scim.patch(f"/Groups/{created['id']}", remove).status_code == 204
    put = {"displayName": "Team", "members": [{"value": str(bob.pk)}]}
    assert scim.put(f"/Groups/{created['id']}", put).status_code == 200
    assert scim.delete(f"/Groups/{created['id']}").status_code == 204

    heard = [(c.added, c.removed, c.actor.label, inside) for c, inside in recorded]
    token = "SCIM token “Entra”"
    assert heard == [
        ((bob.pk, carol.pk), (), token, True),  # one round trip: lock, add, bump
        ((), (bob.pk,), token, True),  # the general PATCH path
        ((bob.pk,), (carol.pk,), token, True),  # PUT replaces the set
        ((), (bob.pk,), token, True),  # a deleted group's members are removed
    ]


def test_group_actions_without_subscribers_write_the_same_rows(acme):
    bob = _member("bob@acme.test")
    with schema_context("acme"):
        group = group_create(display_name="Ops", members=[str(bob.pk)], actor=SYSTEM)
        assert list(group.members.values_list("pk", flat=True)) == [bob.pk]
        group_delete(group=group, actor=SYSTEM)
        assert not Group.objects.filter(pk=group.pk).exists()


def test_an_admins_identity_is_linked_only_by_that_admin(alice, acme):
    bob = _member("bob@acme.test")
    tid, oid = "0c6a1f5e-7d52-4b8e-9a55-3f7a2b1c4d01", "5f0e3b1a-0000-4000-8000-00000000a11c"
    with schema_context("acme"):
        for someone_else in (SYSTEM, Actor.microsoft(), Actor.console(bob), Actor.scim("Entra")):
            with pytest.raises(Refused, match="linked only by that admin"):
                user_identity_link(user=alice, tid=tid, oid=oid, actor=someone_else)
        assert User.objects.get(pk=alice.pk).entra_oid is None
        linked = user_identity_link(user=alice, tid=tid, oid=oid, actor=Actor.console(alice))
        assert (linked.entra_tid, linked.entra_oid, linked.version) == (tid, oid, 2)
        user_identity_unlink(user=linked, actor=Actor.console(alice))
        actions = AuditEntry.objects.filter(target=str(alice.pk)).order_by("at", "id")
        assert [(e.action, e.actor_label, e.detail) for e in actions] == [
            ("user.create", "system", {"user_name": "alice@acme.test", "role": "admin"}),
            (
                "user.identity_link",
                "alice@acme.test",
                {"user_name": "alice@acme.test", "tenant": tid},
            ),
            (
                "user.identity_unlink",
                "alice@acme.test",
                {"user_name": "alice@acme.test", "tenant": tid},
            ),
        ]


def test_only_the_console_and_the_system_create_admins(acme):
    with schema_context("acme"):
        for actor in (Actor.scim("Entra"), Actor.microsoft()):
            with pytest.raises(Refused, match="Only an admin in the console"):
                user_create(actor=actor, user_name="root@acme.test", role=User.Role.ADMIN)
        assert not User.objects.filter(user_name="root@acme.test").exists()
