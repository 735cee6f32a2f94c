"""Edges of /scim/v2: the base URL itself, hosts that are no organisation's, and the
security headers of what unknown hosts get."""

import pytest
from django.test import Client

from accounts.services import organisation_host
from tests.conftest import host_client
from tests.scim.conftest import SCIM_JSON, ScimClient, error_body

pytestmark = pytest.mark.django_db

SECURITY_HEADERS = (
    "X-Content-Type-Options", "Referrer-Policy", "Cross-Origin-Opener-Policy",
    "X-Frame-Options", "Content-Security-Policy", "Strict-Transport-Security",
)  # fmt: skip


def base_url_detail(slug: str) -> str:
    base = f"http://{organisation_host(slug)}/scim/v2"
    return (
        f"{base} is the SCIM base URL (the Tenant URL in Microsoft Entra ID), not a resource. "
        f"The endpoints are {base}/Users, {base}/Groups, {base}/ServiceProviderConfig, "
        f"{base}/ResourceTypes, {base}/Schemas."
    )


@pytest.mark.parametrize("path", ["", "/"])
def test_the_base_url_names_the_real_endpoints(scim, path):
    response = scim.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == SCIM_JSON
    assert response.json() == error_body(404, base_url_detail("acme"))


def test_the_base_url_names_each_organisation_s_own_host(globex_scim):
    response = globex_scim.post("", {"schemas": []})
    assert response.status_code == 404
    assert response.json() == error_body(404, base_url_detail("globex"))


def test_the_base_url_still_asks_for_a_token_first(acme):
    response = ScimClient("acme", None).get("")
    assert response.status_code == 401
    assert response.json() == error_body(
        401, "Authentication required: send 'Authorization: Bearer <token>'."
    )


def test_a_path_beside_the_base_url_is_still_no_endpoint(scim):
    response = scim.get("/Userz")
    assert response.json() == error_body(404, "There is no SCIM endpoint at /scim/v2/Userz.")


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/scim/v2/Users"), ("post", "/scim/v2/Users"), ("get", "/scim/v2"),
     ("patch", "/scim/v2/Groups/1"), ("delete", "/scim/v2/Users/x")],
)  # fmt: skip
def test_an_unknown_organisation_s_scim_paths_get_a_scim_404(acme_token, method, path):
    host = organisation_host("nosuchorg")
    client = Client(HTTP_HOST=host, HTTP_AUTHORIZATION=f"Bearer {acme_token}")
    response = getattr(client, method)(path)
    assert response.status_code == 404
    assert response["Content-Type"] == SCIM_JSON
    assert response.json() == error_body(404, f"There is no organisation at {host}.")


def test_a_foreign_host_s_scim_path_gets_a_scim_400(db):
    response = Client(HTTP_HOST="evil.example.com").get("/scim/v2/Users")
    assert response.status_code == 400
    assert response["Content-Type"] == SCIM_JSON
    assert response.json() == error_body(400, "There is no organisation at this host.")


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/scim/v2"), ("get", "/scim/v2/"), ("get", "/scim/v2/Users"),
     ("post", "/scim/v2/Users"), ("get", "/scim/v2/ServiceProviderConfig")],
)  # fmt: skip
def test_the_public_host_s_scim_paths_point_to_the_organisation_s_host(
    settings, acme_token, method, path
):
    """Entra configured with the bare domain as its Tenant URL: a SCIM body naming the real
    place, and no organisation's data, whatever the token."""
    settings.PUBLIC_SCHEME, settings.PUBLIC_PORT = "https", ""
    client = Client(HTTP_HOST=settings.BASE_DOMAIN, HTTP_AUTHORIZATION=f"Bearer {acme_token}")
    response = getattr(client, method)(path)
    assert response.status_code == 404
    assert response["Content-Type"] == SCIM_JSON
    example = f"https://<organisation>.{settings.BASE_DOMAIN}/scim/v2"
    assert response.json() == error_body(
        404, f"SCIM lives on each organisation's own host, such as {example}."
    )


def test_the_public_host_s_other_paths_are_not_scim(public_client):
    response = public_client.get("/scim/v2x")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_an_unknown_organisation_s_other_paths_keep_the_html_page(db):
    response = host_client("nosuchorg").get("/scim/v2x")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert b"We can't find that organisation" in response.content


def headers_of(response) -> dict[str, str | None]:
    return {name: response.headers.get(name) for name in SECURITY_HEADERS}


@pytest.mark.parametrize("secure", [False, True])
def test_unknown_hosts_carry_the_security_headers_of_every_other_page(settings, secure):
    """Behind a TLS-terminating proxy (and with HSTS on) as in production, and without."""
    if secure:
        settings.SECURE_HSTS_SECONDS = 31536000
    extra = {"HTTP_X_FORWARDED_PROTO": "https"} if secure else {}
    known = host_client("acme").get("/login", **extra)
    assert known.status_code == 200
    expected = headers_of(known)
    assert all(expected[name] for name in SECURITY_HEADERS[:5])
    assert bool(expected["Strict-Transport-Security"]) is secure
    responses = [
        host_client("nosuchorg").get("/", **extra),
        host_client("nosuchorg").get("/scim/v2/Users", **extra),
        Client(HTTP_HOST="evil.example.com").get("/", **extra),
        Client(HTTP_HOST="evil.example.com").get("/scim/v2/Users", **extra),
        host_client(None).get("/scim/v2/Users", **extra),
    ]
    assert [r.status_code for r in responses] == [404, 404, 400, 400, 404]
    assert [headers_of(r) for r in responses] == [expected] * 5
