"""SCIM filters on Groups, and on a user's groups, run as SQL in acme's schema."""

import pytest
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM
from accounts.models import Group, Membership
from accounts.services import user_create
from tests.scim.filters_support import groups_create, groups_matching, people_create, users_matching

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


@pytest.fixture
def people(acme):
    return people_create()


@pytest.fixture
def groups(people):
    return groups_create(people)


def ids(people, groups) -> dict[str, str]:
    return {
        **people.ids(),
        **{name.replace(" ", "_").lower(): str(group.pk) for name, group in groups.items()},
    }


CASES = [
    # What Entra sends before creating a group, and variations.
    ('displayName eq "Group A"', ["Group A"]),
    ('displayName eq "GROUP A"', ["Group A"]),
    (f'{GROUP}:displayName eq "Empty"', ["Empty"]),
    ('displayName sw "group"', ["Group A", "group b"]),
    ('displayName ne "group a"', ["Empty", "Tour Guides", "group b"]),
    ('externalId eq "grp-a"', ["Group A"]),
    ('externalId eq "GRP-A"', []),
    ("externalId pr", ["Group A", "group b"]),
    ('id eq "{tour_guides}"', ["Tour Guides"]),
    ('id eq "Group A"', []),
    ('meta.created ge "2000-01-01T00:00:00Z"', ["Empty", "Group A", "Tour Guides", "group b"]),
    # members: EXISTS over memberships.
    ('members[value eq "{bjensen}"]', ["Tour Guides"]),
    ('members.value eq "{alice}"', ["Group A"]),
    ('members eq "{jsmith}"', ["Tour Guides"]),
    ('members[value eq "not-a-uuid"]', []),
    ("members pr", ["Group A", "Tour Guides"]),
    ("not (members pr)", ["Empty", "group b"]),
    ('members.display eq "babs jensen"', ["Tour Guides"]),
    ('members[value eq "{bjensen}" and display co "BABS"]', ["Tour Guides"]),
    ('members[value eq "{alice}" and display co "babs"]', []),
    ('members[value eq "{alice}"] or displayName eq "Empty"', ["Empty", "Group A"]),
    ('not (members[value eq "{alice}"])', ["Empty", "Tour Guides", "group b"]),
    ('members.value co "-"', ["Group A", "Tour Guides"]),
]


@pytest.mark.parametrize(("expression", "expected"), CASES)
def test_group_filter(people, groups, expression, expected):
    assert groups_matching(expression.format(**ids(people, groups))) == sorted(expected)


USER_CASES = [
    ('groups.value eq "{tour_guides}"', ["bjensen@acme.test", "jsmith@acme.test"]),
    ('groups[display eq "group a"]', ["alice@acme.test"]),
    ("groups pr", ["alice@acme.test", "bjensen@acme.test", "jsmith@acme.test"]),
    ("not (groups pr)", ["100%_sure@acme.test", "Émile@acme.test"]),
]


@pytest.mark.parametrize(("expression", "expected"), USER_CASES)
def test_user_groups_filter(people, groups, expression, expected):
    assert users_matching(expression.format(**ids(people, groups))) == sorted(expected)


def test_member_filter_is_one_exists_subquery(people, groups):
    """No join to the membership table: a group with many matching members is one row."""
    with schema_context("acme"):
        for n in range(20):
            user = user_create(actor=SYSTEM, user_name=f"member{n}@acme.test")
            Membership.objects.create(group=groups["Empty"], user=user)
        from scim.filters import filter_to_q

        query = Group.objects.filter(filter_to_q('members.value co "-"', "Group"))
        names = sorted(query.values_list("display_name", flat=True))
        sql = str(query.query)
    assert names == ["Empty", "Group A", "Tour Guides"]
    assert "EXISTS(SELECT" in sql.replace(" (", "(").upper()
    assert " JOIN " not in sql.upper()


class TestOtherOrganisations:
    @pytest.fixture
    def globex_group(self, groups, globex, gina):
        with schema_context("globex"):
            group = Group.objects.create(display_name="Group A", external_id="grp-a")
            Membership.objects.create(group=group, user=gina)
        return group

    def test_display_name(self, globex_group, groups):
        with schema_context("acme"):
            from scim.filters import filter_to_q

            found = list(Group.objects.filter(filter_to_q('displayName eq "Group A"', "Group")))
        assert [g.pk for g in found] == [groups["Group A"].pk]
        assert groups_matching('externalId eq "grp-a"', slug="globex") == ["Group A"]

    def test_members(self, globex_group, gina, people):
        assert groups_matching(f'members.value eq "{gina.pk}"') == []
        assert groups_matching(f'members.value eq "{gina.pk}"', slug="globex") == ["Group A"]
        assert groups_matching(f'members.value eq "{people.alice.pk}"', slug="globex") == []

    def test_id(self, globex_group, groups):
        assert groups_matching(f'id eq "{globex_group.pk}"') == []
        assert groups_matching(f'id eq "{groups["Group A"].pk}"', slug="globex") == []
