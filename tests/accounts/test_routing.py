"""Host routing: the public host, organisation hosts and unknown hosts."""

import pytest
from django.core.cache import caches

from accounts.models import Domain
from looop.middleware import routing_cache_key
from tests.conftest import host_client

pytestmark = pytest.mark.django_db


def test_public_host_serves_landing_page(public_client):
    response = public_client.get("/")
    assert response.status_code == 200
    assert b"Find your organisation" in response.content


def test_org_host_sends_anonymous_visitors_to_its_sign_in(acme_client):
    response = acme_client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/login?next=/"
    page = acme_client.get("/login")
    assert page.status_code == 200
    assert b"Sign in to Acme" in page.content


def test_unknown_subdomain_gets_friendly_404(db):
    response = host_client("nosuchorg").get("/")
    assert response.status_code == 404
    assert b"We can't find that organisation" in response.content
    assert b"Traceback" not in response.content


def test_foreign_host_is_refused(db):
    from django.test import Client

    response = Client(HTTP_HOST="evil.example.com").get("/")
    assert response.status_code == 400


def test_org_urls_do_not_exist_on_public_host(public_client):
    assert public_client.get("/login").status_code == 404


def test_routing_is_cached_and_adds_no_query(acme_client, django_assert_num_queries):
    caches["routing"].clear()
    acme_client.get("/login")  # warms the cache
    with django_assert_num_queries(0):
        response = acme_client.get("/login")
    assert response.status_code == 200


def test_domain_change_invalidates_cache(acme, acme_client):
    caches["routing"].clear()
    acme_client.get("/login")
    assert caches["routing"].get(routing_cache_key("acme.looop.localhost")) is not None
    Domain.objects.create(domain="learn.acme.test", tenant=acme, is_primary=False)
    domain = Domain.objects.get(domain="acme.looop.localhost")
    domain.delete()
    assert caches["routing"].get(routing_cache_key("acme.looop.localhost")) is None
    assert host_client("acme").get("/login").status_code == 404


def test_find_your_organisation_sends_you_to_its_sign_in(public_client):
    response = public_client.post("/find", {"slug": "Acme "})
    assert response.status_code == 302
    assert response["Location"] == "http://acme.looop.localhost/login"


def test_find_your_organisation_explains_unknown_and_invalid_names(public_client):
    unknown = public_client.post("/find", {"slug": "nosuchorg"})
    assert unknown.status_code == 404
    assert (
        b"We couldn&#x27;t find an organisation at that address or called &#x27;nosuchorg&#x27;"
        in unknown.content
    )
    invalid = public_client.post("/find", {"slug": "not valid!"})
    assert invalid.status_code == 404
    assert b"called &#x27;not valid!&#x27;" in invalid.content
