"""A person's History: every audited action about them, whoever acted, newest first, paged."""
# ruff: noqa: F811  (pytest fixtures imported from console_support are parameters here)

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM, Actor
from accounts.models import AuditEntry, User
from accounts.services import user_deactivate, user_reactivate, user_role_set
from tests.accounts.console_support import bob, bob_client, scott, signed_in  # noqa: F401

pytestmark = pytest.mark.django_db


def history(response) -> list[str]:
    """The History entries as shown, tags dropped and spaces folded."""
    body = response.content.decode()
    if 'data-testid="audit"' not in body:
        return []
    items = body.split('data-testid="audit">')[1].split("</ul>")[0]
    return [
        " ".join(re.sub(r"<[^>]+>", "", item).split())
        for item in re.findall(r"<li>(.*?)</li>", items, re.S)
    ]


def without_time(lines: list[str]) -> list[str]:
    return [line.split(" · ", 1)[1] for line in lines]


def test_every_actor_is_named_newest_first(alice_client, alice, bob, scott):
    with schema_context("acme"):
        user_role_set(user=bob, role=User.Role.ADMIN, actor=Actor.console(alice))
        user_deactivate(user=scott, actor=Actor.scim("Entra production"))
        user_role_set(user=scott, role=User.Role.ADMIN, actor=Actor.console(alice))
        user_reactivate(user=scott, actor=SYSTEM)
        user_role_set(user=scott, role=User.Role.MEMBER, actor=Actor.microsoft())
    response = alice_client.get(f"/people/{scott.pk}")
    assert response.status_code == 200
    assert without_time(history(response)) == [
        "Microsoft sign-in changed the role of scott@acme.test from admin to member",
        "system reactivated scott@acme.test",
        "alice@acme.test changed the role of scott@acme.test from member to admin",
        "SCIM token “Entra production” deactivated scott@acme.test",
        "system created scott@acme.test as member",
    ]
    assert re.match(r"^\d{1,2} \w{3} \d{4}, \d{2}:\d{2} UTC · ", history(response)[0])


def test_nothing_yet(alice_client, bob):
    with schema_context("acme"):  # someone created before every action was audited
        AuditEntry.objects.filter(target=str(bob.pk)).delete()
    body = alice_client.get(f"/people/{bob.pk}").content.decode()
    assert "Nothing yet." in body
    assert 'data-testid="history-pages"' not in body


def add_entries(person: User, count: int) -> None:
    """`count` role changes about `person`, a minute apart, numbered oldest first (and
    nothing else about them)."""
    start = timezone.now() - timedelta(hours=1)
    with schema_context("acme"):
        AuditEntry.objects.filter(target=str(person.pk)).delete()
        for i in range(count):
            entry = AuditEntry.objects.create(
                actor_label="system",
                action="user.role_set",
                target=str(person.pk),
                detail={"user_name": f"step{i:02d}", "from": "member", "to": "admin"},
            )
            AuditEntry.objects.filter(pk=entry.pk).update(at=start + timedelta(minutes=i))


def steps(response) -> list[str]:
    return [re.search(r"role of (step\d\d)", line).group(1) for line in history(response)]


def test_history_is_paged_25_at_a_time_by_history_page(alice_client, bob):
    add_entries(bob, 30)
    first = alice_client.get(f"/people/{bob.pk}")
    assert steps(first) == [f"step{i:02d}" for i in range(29, 4, -1)]
    assert "Page 1 of 2" in first.content.decode()
    assert "?history_page=2#audit-heading" in first.content.decode()
    second = alice_client.get(f"/people/{bob.pk}", {"history_page": "2"})
    assert second.status_code == 200
    assert steps(second) == ["step04", "step03", "step02", "step01", "step00"]
    assert "Page 2 of 2" in second.content.decode()


@pytest.mark.parametrize(("asked", "shown"), [("99", "step04"), ("x", "step29"), ("-1", "step04")])
def test_bad_history_pages_fall_back_to_a_real_page(alice_client, bob, asked, shown):
    add_entries(bob, 30)
    response = alice_client.get(f"/people/{bob.pk}", {"history_page": asked})
    assert response.status_code == 200
    assert steps(response)[0] == shown


def test_groups_paging_leaves_history_paging_alone(alice_client, bob):
    add_entries(bob, 30)
    response = alice_client.get(f"/people/{bob.pk}", {"history_page": "2", "page": "1"})
    assert steps(response)[0] == "step04"


def test_entries_about_others_are_not_shown(alice_client, alice, bob, scott):
    with schema_context("acme"):
        user_role_set(user=scott, role=User.Role.ADMIN, actor=Actor.console(alice))
    assert without_time(history(alice_client.get(f"/people/{bob.pk}"))) == [
        "system created bob@acme.test as member"
    ]


def test_a_member_cannot_see_another_persons_history(bob_client, bob, alice, scott):
    with schema_context("acme"):
        user_deactivate(user=scott, actor=Actor.scim("Entra"))
    response = bob_client.get(f"/people/{scott.pk}", {"history_page": "1"})
    assert response.status_code == 403
    assert "Entra" not in response.content.decode()
    own = bob_client.get(f"/people/{bob.pk}")  # their own page has no History either
    assert own.status_code == 200
    assert 'id="audit-heading"' not in own.content.decode()


def test_another_organisations_person_is_404(alice_client, gina):
    with schema_context("globex"):
        AuditEntry.objects.create(
            actor_label="system", action="user.deactivate", target=str(gina.pk), detail={}
        )
    response = alice_client.get(f"/people/{gina.pk}", {"history_page": "1"})
    assert response.status_code == 404
    assert "gina" not in response.content.decode()
