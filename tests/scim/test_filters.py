"""SCIM filters on Users, run as SQL against acme's schema: exactly which people match.

The people are described in filters_support.people_create.
"""

import uuid

import pytest
from django.db.models import JSONField, Value
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM
from accounts.models import User
from accounts.services import user_create
from scim.filters import filter_to_q
from tests.scim.filters_support import people_create, users_matching

A, B, J, E, P = (
    "alice@acme.test",
    "bjensen@acme.test",
    "jsmith@acme.test",
    "Émile@acme.test",
    "100%_sure@acme.test",
)
EVERYONE = [A, B, J, E, P]
CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


@pytest.fixture
def people(acme):
    return people_create()


CASES = [
    # userName: caseExact false, so every string operator ignores case.
    ('userName eq "bjensen@acme.test"', [B]),
    ('userName eq "BJENSEN@ACME.TEST"', [B]),
    ('USERNAME Eq "bjensen@acme.test"', [B]),
    (f'{CORE}:userName eq "bjensen@acme.test"', [B]),
    ('userName eq "émile@ACME.test"', [E]),
    ('userName co "SMITH"', [J]),
    ('userName sw "J"', [J]),
    ('userName ew "@ACME.TEST"', EVERYONE),
    ('userName gt "C"', [J, E]),
    ('userName lt "B"', [A, P]),
    ('userName le "bjensen@acme.test"', [A, B, P]),
    ('userName ge "BJENSEN@ACME.TEST"', [B, J, E]),
    # LIKE wildcards in values are plain characters.
    ('userName sw "100%"', [P]),
    ('userName co "%"', [P]),
    ('userName co "_"', [P]),
    ('userName co "s_re"', []),
    ("userName eq \"x' OR '1'='1\"", []),
    # externalId and id are caseExact.
    ('externalId eq "ext-jsmith"', [J]),
    ('externalId eq "EXT-JSMITH"', [P]),
    ('externalId sw "ext-"', [B, J]),
    ('externalId co "SMITH"', [P]),
    ("externalId pr", [B, J, P]),
    # Unassigned (null) and empty values: `ne` and `not` include them.
    ('title eq "tour guide"', [B]),
    ('title ne "Tour Guide"', [A, J, E, P]),
    ("title pr", [B, E, P]),
    ("not (title pr)", [A, J]),
    ("title eq null", [A, J]),
    ("title ne null", [B, E, P]),
    ('not (title co "guide")', [A, J, E]),
    ('title gt "u"', [E]),
    ('not (title gt "u")', [A, B, J, P]),
    # JSON string escapes in literals.
    (r'title eq "Tour Guide\\Lead"', [P]),
    (r'displayName eq "John \"Jack\" Smith"', [J]),
    (r'displayName co "\"JACK\""', [J]),
    (r'displayName eq "\u00c9mile Zola"', [E]),
    # name.* and the complex attribute itself.
    ('name.givenName eq "barbara"', [B]),
    ("name.familyName pr", [B]),
    ("name pr", [B]),
    ('name[givenName sw "Bar" and familyName eq "JENSEN"]', [B]),
    (f'{CORE}:name.givenName eq "Barbara"', [B]),
    ('userType eq "employee"', [B]),
    # Booleans.
    ("active eq true", [A, B, E]),
    ("active eq false", [J]),
    ("active ne true", [J, P]),
    ("active pr", [A, B, J, E]),
    ("not (active eq false)", [A, B, E, P]),
    ('active eq "False"', [J]),
    ("active eq TRUE", [A, B, E]),
    ("not (active eq False)", [A, B, E, P]),
    ("emails[primary eq True]", [A, B, J]),
    # Enterprise extension, with and without its URN.
    (f'{ENTERPRISE}:department eq "Tour Operations"', [B, J]),
    ('department eq "TOUR OPERATIONS"', [B, J]),
    (f'{ENTERPRISE}:employeeNumber eq "701984"', [B]),
    ("employeeNumber eq 701984", [B]),
    (f'{ENTERPRISE}:manager.value eq "{{bjensen}}"', [J]),
    (f'{ENTERPRISE.upper()}:manager.value eq "{{bjensen}}"', [J]),
    ('manager eq "{bjensen}"', [J]),
    ("manager pr", [J]),
    ('manager.value eq "nope"', []),
    ('manager.displayName eq "babs jensen"', [J]),
    # id: a malformed UUID matches nothing (and its negation everything).
    ('id eq "{bjensen}"', [B]),
    ('id eq "{bjensen_upper}"', [B]),
    ('id eq "not-a-uuid"', []),
    ('id ne "not-a-uuid"', EVERYONE),
    ('not (id eq "not-a-uuid")', EVERYONE),
    ('id eq "not-a-uuid" or userName sw "b"', [B]),
    ("id pr", EVERYONE),
    ('id eq "{bjensen}" or id eq "{jsmith}"', [B, J]),
    ('id sw "{bjensen_prefix}"', [B]),
    # meta.created / meta.lastModified, compared in time (bjensen: 2020-01-01 / 2020-06-01).
    ('meta.created lt "2021-01-01T00:00:00Z"', [B]),
    ('meta.created ge "2021-01-01T00:00:00Z"', [A, J, E, P]),
    ('meta.created le "2020-01-01T01:00:00+01:00"', [B]),
    ('meta.created lt "2020-01-01T01:00:00+01:00"', []),
    ('meta.lastModified eq "2020-06-01T12:00:00Z"', [B]),
    ('meta.lastModified gt "2020-06-01T12:00:00Z"', [A, J, E, P]),
    ('meta.lastModified ge "2020-06-01T12:00:00.000Z"', EVERYONE),
    ('meta.created lt "2020-06-01"', [B]),
    ("meta.created pr", EVERYONE),
    # emails: conditions in brackets hold for the same email.
    ('emails[type eq "work"].value eq "john.smith@contoso.com"', [J]),
    ('emails[type eq "work"].value eq "js@home.example"', []),
    ('emails[type eq "home"].value eq "js@home.example"', [J]),
    ('emails.value eq "JS@HOME.EXAMPLE"', [J]),
    ('emails eq "babs@jensen.org"', [B]),
    ('emails[type eq "work" and value eq "BJENSEN@EXAMPLE.COM"]', [B]),
    ('emails[type eq "home" and value eq "bjensen@example.com"]', []),
    ('emails.type eq "home" and emails.value eq "bjensen@example.com"', [B]),
    ('emails[type eq "work"]', [A, B, J, E]),
    ("emails[primary eq true]", [A, B, J]),
    ("emails[not (primary eq true)]", [B, J, E]),
    ("emails[primary eq false]", [B, J, E]),
    ("emails pr", [A, B, J, E]),
    ("not (emails pr)", [P]),
    ('emails.value eq "émile@acme.test"', [E]),
    ('emails.value ne "bjensen@example.com"', [A, B, J, E]),
    ('not (emails.value eq "bjensen@example.com")', [A, J, E, P]),
    ("emails[value eq \"x' OR '1'='1\"]", []),
    ('emails[type eq "work" or type eq "home"].value eq "babs@jensen.org"', [B]),
    ('emails[type eq "WORK"].value eq "bjensen@example.com"', [B]),
    (f'{CORE}:emails[type eq "work"].value eq "bjensen@example.com"', [B]),
    ('emails[Type eq "work"].Value eq "bjensen@example.com"', [B]),
    ("emails.display pr", []),
    ('emails[type eq "work" and not (value eq "ÉMILE@acme.test")]', [A, B, J]),
    # phoneNumbers and addresses.
    ('phoneNumbers[type eq "mobile"].value eq "+1 555 0100"', [B]),
    ('phoneNumbers[type eq "mobile"].value pr', [B, J]),
    ('phoneNumbers.value eq "555-0199"', [J]),
    ('phoneNumbers[type eq "work"].value gt "555-0"', [B]),
    ('addresses[type eq "work"].postalCode eq "91608"', [B]),
    ('addresses.postalCode eq "91608"', [B, J]),
    ('addresses[type eq "home"].postalcode eq "91608"', [J]),
    ('addresses[type eq "work" and locality eq "HOLLYWOOD"]', [B]),
    ("addresses[primary eq true]", [B]),
    ("addresses pr", [B, J]),
    # and binds tighter than or (RFC 7644 §3.4.2.2); parentheses group.
    ('userName sw "a" or userName sw "b" and title pr', [A, B]),
    ('(userName sw "a" or userName sw "b") and title pr', [B]),
    ('title pr and userName sw "b" or userName sw "a"', [A, B]),
    ('not (userName sw "a" or userName sw "b")', [J, E, P]),
    ('title pr and not (title eq "writer")', [B, P]),
    ('userName sw "j" and (active eq false or title eq "x")', [J]),
    ('not (not (userName sw "a"))', [A]),
    ('userName sw "a" OR userName sw "j" AND active eq false', [A, J]),
]


@pytest.mark.parametrize(("expression", "expected"), CASES)
def test_user_filter(people, expression, expected):
    ids = people.ids()
    ids["bjensen_upper"] = ids["bjensen"].upper()
    ids["bjensen_prefix"] = ids["bjensen"][:8]
    assert users_matching(expression.format(**ids)) == sorted(expected)


def test_many_alternatives_are_not_too_deep(people):
    """A long `or` list is one level of nesting, however many terms it has."""
    names = [f"nobody{n}@acme.test" for n in range(98)] + [J, B]  # 100: the most allowed
    assert users_matching(" or ".join(f'userName eq "{name}"' for name in names)) == [B, J]


def test_list_columns_that_are_not_lists_have_no_values(people):
    """JSON null or an object where a list belongs (older rows, other writers): no error."""
    with schema_context("acme"):
        User.objects.filter(pk=people.percent.pk).update(
            phone_numbers=Value(None, JSONField()),
            addresses={"type": "work", "postalCode": "91608"},
        )
        assert User.objects.get(pk=people.percent.pk).phone_numbers is None
    assert users_matching("phoneNumbers pr") == [B, J]
    assert users_matching('not (phoneNumbers.value eq "555-0199")') == sorted([A, B, E, P])
    assert users_matching('addresses[type eq "work"]') == [B]
    assert users_matching("addresses pr") == [B, J]


@pytest.mark.parametrize(
    "expression", ['emails[type eq "work"].value eq "a@b.test"', 'title gt "x"', "addresses pr"]
)
def test_same_filter_gives_equal_hashable_q(expression):
    assert filter_to_q(expression, "User") == filter_to_q(expression, "User")
    assert hash(filter_to_q(expression, "User")) == hash(filter_to_q(expression, "User"))


class TestEntraFilters:
    """The exact filters Microsoft Entra ID sends in its provisioning cycles."""

    @pytest.fixture
    def contoso_user(self, people):
        with schema_context("acme"):
            return user_create(
                actor=SYSTEM,
                user_name="Test.User@contoso.com",
                external_id="0a3b6a36-9b5a-4f2a-8a3c-5e3f1b1e2d4c",
                emails=[{"primary": True, "type": "work", "value": "Test.User@contoso.com"}],
            )

    def test_user_name(self, contoso_user):
        assert users_matching('userName eq "test.user@contoso.com"') == ["Test.User@contoso.com"]

    def test_external_id(self, contoso_user):
        expression = 'externalId eq "0a3b6a36-9b5a-4f2a-8a3c-5e3f1b1e2d4c"'
        assert users_matching(expression) == ["Test.User@contoso.com"]

    def test_work_email(self, contoso_user):
        expression = 'emails[type eq "work"].value eq "test.user@contoso.com"'
        assert users_matching(expression) == ["Test.User@contoso.com"]

    def test_test_connection_finds_nobody(self, contoso_user):
        assert users_matching(f'userName eq "{uuid.uuid4()}"') == []


class TestOtherOrganisations:
    """A person of globex never matches in acme's schema, and the other way round."""

    @pytest.fixture
    def twin(self, people, globex):
        with schema_context("globex"):
            return user_create(
                actor=SYSTEM,
                user_name="twin@globex.test",
                external_id="ext-Bjensen",
                title="Tour Guide",
                emails=[{"value": "bjensen@example.com", "type": "work", "primary": True}],
            )

    def test_external_id(self, twin):
        assert users_matching('externalId eq "ext-Bjensen"') == [B]
        assert users_matching('externalId eq "ext-Bjensen"', slug="globex") == [twin.user_name]

    def test_user_name(self, twin):
        assert users_matching('userName eq "twin@globex.test"') == []
        assert users_matching('userName eq "bjensen@acme.test"', slug="globex") == []

    def test_work_email(self, twin):
        expression = 'emails[type eq "work"].value eq "bjensen@example.com"'
        assert users_matching(expression) == [B]
        assert users_matching(expression, slug="globex") == [twin.user_name]

    def test_id(self, twin, people):
        assert users_matching(f'id eq "{twin.pk}"') == []
        assert users_matching(f'id eq "{people.bjensen.pk}"', slug="globex") == []

    def test_negation_stays_in_the_organisation(self, twin):
        assert users_matching('not (title eq "nobody")', slug="globex") == [
            "gina@globex.test",
            "twin@globex.test",
        ]
