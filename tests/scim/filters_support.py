"""Data and helpers for the SCIM filter tests: a handful of people and groups in acme."""

import datetime as dt
from dataclasses import dataclass

from django_tenants.utils import schema_context

from accounts.actors import SYSTEM
from accounts.models import Group, Membership, User
from accounts.selectors import users_live
from accounts.services import user_create
from scim.filters import filter_to_q

UTC = dt.UTC


@dataclass
class People:
    alice: User
    bjensen: User
    jsmith: User
    emile: User
    percent: User

    def ids(self) -> dict[str, str]:
        return {name: str(user.pk) for name, user in vars(self).items()}


def people_create() -> People:
    """Five acme users covering every attribute shape the filters read.

    alice:   the org admin (one work email, primary), no title.
    bjensen: RFC 7643's example user, created 2020-01-01.
    jsmith:  inactive, empty title, work email that is NOT the primary one, manager bjensen.
    emile:   non-ASCII user name and email.
    percent: LIKE wildcards in the user name, `active` unassigned, no emails.
    """
    with schema_context("acme"):
        alice = User.objects.get(user_name="alice@acme.test")
        bjensen = user_create(
            actor=SYSTEM,
            user_name="bjensen@acme.test",
            external_id="ext-Bjensen",
            display_name="Babs Jensen",
            name_given="Barbara",
            name_family="Jensen",
            title="Tour Guide",
            user_type="Employee",
            department="Tour Operations",
            employee_number="701984",
            email="bjensen@example.com",
            emails=[
                {"value": "bjensen@example.com", "type": "work", "primary": True},
                {"value": "babs@jensen.org", "type": "home"},
            ],
            phone_numbers=[
                {"value": "555-555-8377", "type": "work"},
                {"value": "+1 555 0100", "type": "mobile"},
            ],
            addresses=[
                {
                    "type": "work",
                    "streetAddress": "100 Universal City Plaza",
                    "locality": "Hollywood",
                    "postalCode": "91608",
                    "primary": True,
                }
            ],
        )
        User.objects.filter(pk=bjensen.pk).update(
            created=dt.datetime(2020, 1, 1, tzinfo=UTC),
            last_modified=dt.datetime(2020, 6, 1, 12, 0, tzinfo=UTC),
        )
        jsmith = user_create(
            actor=SYSTEM,
            user_name="jsmith@acme.test",
            external_id="ext-jsmith",
            display_name='John "Jack" Smith',
            title="",
            active=False,
            manager=bjensen,
            department="tour operations",
            email="js@home.example",
            emails=[
                {"value": "js@home.example", "type": "home", "primary": True},
                {"value": "John.Smith@Contoso.com", "type": "work"},
            ],
            phone_numbers=[{"value": "555-0199", "type": "mobile"}],
            addresses=[{"type": "home", "postalCode": "91608"}],
        )
        emile = user_create(
            actor=SYSTEM,
            user_name="Émile@acme.test",
            display_name="Émile Zola",
            title="Writer",
            email="Émile@Acme.test",
            emails=[{"value": "Émile@Acme.test", "type": "work"}],
        )
        percent = user_create(
            actor=SYSTEM,
            user_name="100%_sure@acme.test",
            external_id="EXT-JSMITH",
            title="Tour Guide\\Lead",
            active=None,
        )
    return People(alice, bjensen, jsmith, emile, percent)


def groups_create(people: People) -> dict[str, Group]:
    """Group A (alice), group b, Tour Guides (bjensen, jsmith) and Empty, in acme."""
    with schema_context("acme"):
        groups = {
            "Group A": Group.objects.create(display_name="Group A", external_id="grp-a"),
            "group b": Group.objects.create(display_name="group b", external_id="GRP-B"),
            "Tour Guides": Group.objects.create(display_name="Tour Guides"),
            "Empty": Group.objects.create(display_name="Empty"),
        }
        Membership.objects.bulk_create(
            [
                Membership(group=groups["Group A"], user=people.alice),
                Membership(group=groups["Tour Guides"], user=people.bjensen),
                Membership(group=groups["Tour Guides"], user=people.jsmith),
            ]
        )
    return groups


def users_matching(expression: str, slug: str = "acme") -> list[str]:
    """User names the filter selects, over live users as the SCIM API lists them."""
    with schema_context(slug):
        rows = users_live().filter(filter_to_q(expression, "User"))
        names = list(rows.values_list("user_name", flat=True))
    assert len(names) == len(set(names)), "a filter must not duplicate rows"
    return sorted(names)


def groups_matching(expression: str, slug: str = "acme") -> list[str]:
    with schema_context(slug):
        rows = Group.objects.filter(filter_to_q(expression, "Group"))
        names = list(rows.values_list("display_name", flat=True))
    assert len(names) == len(set(names)), "a filter must not duplicate rows"
    return sorted(names)
