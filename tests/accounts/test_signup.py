"""Public host: "Create your organisation", the live address check, and the rate limit."""

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from django.core.cache import cache, caches
from django.db import connection
from django_tenants.utils import schema_context, schema_exists

from accounts import throttle
from accounts.models import Domain, Organisation, User
from tests.conftest import host_client

pytestmark = pytest.mark.django_db

GOOD = {
    "name": "Initech Ltd",
    "slug": "initech",
    "email": "peter@initech.test",
    "password": "tps reports on friday",
}


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()  # rate-limit counters live in the cache
    yield
    cache.clear()


def test_form_has_labelled_fields_and_an_external_script(public_client):
    response = public_client.get("/signup")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>Create your organisation</h1>" in body
    for label in ["Organisation name", "Address", "Your email", "Password"]:
        assert f">{label}</label>" in body or f">{label}:</label>" in body, label
    assert 'data-check-url="/signup/slug-available"' in body
    assert "<span>.looop.localhost</span>" in body
    assert "/static/looop/signup." in body


def test_sign_up_creates_the_organisation_and_lands_on_its_host(public_client):
    response = public_client.post("/signup", GOOD)
    assert response.status_code == 302
    assert response["Location"].startswith("http://initech.looop.localhost/welcome?ticket=")
    organisation = Organisation.objects.get(schema_name="initech")
    assert organisation.name == "Initech Ltd"
    assert Domain.objects.get(tenant=organisation).domain == "initech.looop.localhost"
    assert schema_exists("initech")
    with schema_context("initech"):
        admin = User.objects.get()
    assert (admin.user_name, admin.email, admin.role, admin.source) == (
        "peter@initech.test",
        "peter@initech.test",
        "admin",
        "console",
    )
    login = host_client("initech").post(
        "/login", {"username": "peter@initech.test", "password": GOOD["password"]}
    )
    assert (login.status_code, login["Location"]) == (302, "/")


def test_slug_is_lower_cased(public_client):
    response = public_client.post("/signup", {**GOOD, "slug": " InitTech "})
    assert response["Location"].startswith("http://inittech.looop.localhost/welcome?ticket=")


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"slug": "acme"}, "&#x27;acme&#x27; is already taken; choose another address."),
        ({"slug": "admin"}, "&#x27;admin&#x27; is reserved"),
        ({"slug": "bad_slug!"}, "is not a valid organisation slug"),
        ({"slug": "-edge"}, "is not a valid organisation slug"),
        ({"name": ""}, "This field is required."),
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"password": "short"}, "This password is too short."),
        ({"password": "password1234"}, "This password is too common."),
        ({"password": "83920174650193"}, "This password is entirely numeric."),
    ],
)
def test_bad_input_is_refused_and_creates_nothing(public_client, change, error):
    before = set(Organisation.objects.values_list("schema_name", flat=True))
    response = public_client.post("/signup", {**GOOD, **change})
    assert response.status_code == 400
    assert error in response.content.decode()
    assert set(Organisation.objects.values_list("schema_name", flat=True)) == before
    assert not schema_exists("initech")


def test_sign_up_is_only_on_the_public_host(acme_client):
    assert acme_client.get("/signup").status_code == 404
    assert acme_client.post("/signup", GOOD).status_code == 404
    assert not Organisation.objects.filter(schema_name="initech").exists()


@pytest.mark.parametrize(
    ("slug", "expected"),
    [
        (
            "initech",
            {
                "slug": "initech",
                "available": True,
                "message": "initech.looop.localhost is available.",
            },
        ),
        ("ACME", {"slug": "acme", "available": False, "message": "'acme' is already taken."}),
        (
            "www",
            {
                "slug": "www",
                "available": False,
                "message": "'www' is reserved; choose another organisation slug.",
            },
        ),
        (
            "no_way",
            {
                "slug": "no_way",
                "available": False,
                "message": "'no_way' is not a valid organisation slug: use 1-63 lowercase letters,"
                " digits or hyphens, starting and ending with a letter or digit.",
            },
        ),
    ],
)
def test_live_slug_check(public_client, slug, expected):
    response = public_client.get("/signup/slug-available", {"slug": slug})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == expected


@pytest.fixture
def mid_window(monkeypatch) -> None:
    """The rate limits count in fixed clock windows (an hour, a minute): pin the limiter's
    clock mid-window, so a test that runs across a boundary doesn't start a fresh count."""
    now = datetime.now(UTC)
    pinned = now.replace(minute=30, second=30, microsecond=0)
    monkeypatch.setattr(throttle, "timezone", SimpleNamespace(now=lambda: pinned))


def test_sign_up_is_rate_limited_per_address(public_client, settings, mid_window):
    settings.SIGNUP_PER_HOUR = 2
    for slug in ["one-org", "two-org"]:
        response = public_client.post("/signup", {**GOOD, "slug": slug}, REMOTE_ADDR="198.51.100.7")
        assert response.status_code == 302
    refused = public_client.post(
        "/signup", {**GOOD, "slug": "three-org"}, REMOTE_ADDR="198.51.100.7"
    )
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"
    assert "Too many sign-ups from your network in the last hour." in refused.content.decode()
    assert not Organisation.objects.filter(schema_name="three-org").exists()
    other = public_client.post("/signup", {**GOOD, "slug": "four-org"}, REMOTE_ADDR="198.51.100.8")
    assert other.status_code == 302


def test_only_completed_sign_ups_count(public_client, settings, mid_window):
    """Someone correcting typos is not locked out: refused submissions give their hit back."""
    settings.SIGNUP_PER_HOUR = 1
    for change in [{"slug": "acme"}, {"password": "short"}, {"name": "Evil\u202eCorp"}]:
        assert public_client.post("/signup", {**GOOD, **change}).status_code == 400
    assert public_client.post("/signup", GOOD).status_code == 302
    refused = public_client.post("/signup", {**GOOD, "slug": "second-org"})
    assert refused.status_code == 429
    assert not Organisation.objects.filter(schema_name="second-org").exists()


def test_counters_live_in_the_shared_database_cache(public_client, mid_window):
    """Not in process memory: every server process that shares the database sees them."""
    assert public_client.post("/signup", GOOD, REMOTE_ADDR="198.51.100.9").status_code == 302
    assert type(caches["default"]).__name__ == "CounterDatabaseCache"
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM public.looop_cache")
        keys = [row[0] for row in cursor.fetchall()]
    window = int(datetime.now(UTC).replace(minute=30, second=30).timestamp()) // 3600
    # django_tenants.cache.make_key: "<schema>:<prefix>:<version>:<key>", the public host
    assert keys == [f"public::1:ratelimit:signup:198.51.100.9:{window}"]
    assert cache.get(f"ratelimit:signup:198.51.100.9:{window}") == 1


def test_slug_check_is_rate_limited(public_client, settings, mid_window):
    settings.SLUG_CHECKS_PER_MINUTE = 3
    for _ in range(3):
        assert public_client.get("/signup/slug-available", {"slug": "x"}).status_code == 200
    refused = public_client.get("/signup/slug-available", {"slug": "x"})
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    assert refused.json() == {
        "slug": "x",
        "available": None,
        "message": "Too many checks; wait a minute.",
    }


# --- the live address check and the form agree ---

LONG = "a" * 64
SLUG_RULE = (
    "is not a valid organisation slug: use 1-63 lowercase letters, digits or hyphens, "
    "starting and ending with a letter or digit."
)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (LONG, f"'{LONG}' {SLUG_RULE}"),
        ("a" * 63 + "-", f"'{'a' * 63}-' {SLUG_RULE}"),
        ("xn--80ak6aa92e", "'xn--80ak6aa92e' is reserved: addresses with '--' as their third"),
        ("ab--cd", "'ab--cd' is reserved: addresses with '--' as their third"),
        ("mta-sts", "'mta-sts' is reserved; choose another organisation slug."),
        ("autodiscover", "'autodiscover' is reserved; choose another organisation slug."),
        ("autoconfig", "'autoconfig' is reserved; choose another organisation slug."),
        ("WPAD", "'wpad' is reserved; choose another organisation slug."),
        ("acme", "'acme' is already taken"),
    ],
)
def test_check_and_form_refuse_the_same_input_with_the_same_words(public_client, typed, message):
    check = public_client.get("/signup/slug-available", {"slug": typed})
    assert check.status_code == 200
    body = check.json()
    assert (body["slug"], body["available"]) == (typed.lower(), False)
    assert body["message"].startswith(message)
    form = public_client.post("/signup", {**GOOD, "slug": typed})
    assert form.status_code == 400
    html = form.content.decode().replace("&#x27;", "'")
    assert message in html
    assert (
        not Organisation.objects.filter(schema_name__startswith=typed.lower()[:10])
        .exclude(schema_name="acme")
        .exists()
    )


def test_a_63_character_address_is_available_in_both(public_client):
    slug = "a" * 63
    check = public_client.get("/signup/slug-available", {"slug": f"  {slug.upper()} "})
    assert check.json() == {
        "slug": slug,
        "available": True,
        "message": f"{slug}.looop.localhost is available.",
    }
    assert public_client.post("/signup", {**GOOD, "slug": slug}).status_code == 302
    assert Organisation.objects.filter(schema_name=slug).exists()


def test_a_name_with_letters_of_any_script_is_kept_as_typed(public_client):
    name = "  שלום Ünïcødé 株式会社 — R&D  "
    assert public_client.post("/signup", {**GOOD, "name": name}).status_code == 302
    assert Organisation.objects.get(schema_name="initech").name == name.strip()


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Acme\u202egnp.exe", "U+202E"),  # right-to-left override
        ("\u2067Acme\u2069", "U+2067"),  # right-to-left isolate
        ("Ac\u200bme", "U+200B"),  # zero-width space
        ("Ac\u200dme", "U+200D"),  # zero-width joiner
        ("\ufeffAcme", "U+FEFF"),  # zero-width no-break space
        ("Acme\u0007", "U+0007"),  # bell
        ("Acme\nLtd", "U+000A"),
        ("Acme\u2028Ltd", "U+2028"),  # line separator
    ],
)
def test_names_with_invisible_or_control_characters_are_refused(public_client, name, code):
    response = public_client.post("/signup", {**GOOD, "name": name})
    assert response.status_code == 400
    assert (
        "The organisation name contains an invisible or control character "
        f"({code}); type the name without it."
    ) in response.content.decode()
    assert not Organisation.objects.filter(schema_name="initech").exists()


def test_the_service_refuses_those_names_too(db):
    from accounts.org_names import InvalidOrganisationName
    from accounts.services import organisation_create

    with pytest.raises(InvalidOrganisationName, match=r"\(U\+202E\)"):
        organisation_create(
            slug="initech", name="Acme\u202e", admin_email="a@b.test", admin_password=None
        )
    with pytest.raises(InvalidOrganisationName, match="at most 200 characters"):
        organisation_create(
            slug="initech", name="x" * 201, admin_email="a@b.test", admin_password=None
        )
    assert not schema_exists("initech")
