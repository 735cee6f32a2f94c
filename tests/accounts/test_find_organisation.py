"""Find your organisation: by its address, or by its name when no other has that name."""

import pytest

from accounts.models import Organisation

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "typed",
    ["acme", " ACME ", "acme.looop.localhost", "https://acme.looop.localhost/login", "Acme"],
)
def test_an_address_or_the_unique_name_leads_to_the_sign_in(public_client, typed):
    response = public_client.post("/find", {"slug": typed})
    assert response.status_code == 302
    assert response["Location"] == "http://acme.looop.localhost/login"


def test_a_name_with_spaces_and_capitals(public_client, acme):
    Organisation.objects.filter(pk=acme.pk).update(name="Acme Widgets Ltd")
    response = public_client.post("/find", {"slug": "acme widgets ltd"})
    assert response.status_code == 302
    assert response["Location"] == "http://acme.looop.localhost/login"


def test_a_name_two_organisations_share_asks_for_the_address(public_client, acme, globex):
    Organisation.objects.filter(pk__in=[acme.pk, globex.pk]).update(name="Initech")
    response = public_client.post("/find", {"slug": "initech"})
    assert response.status_code == 400
    assert b"Several organisations are called &#x27;initech&#x27;" in response.content


def test_unknown_and_overlong_input(public_client):
    unknown = public_client.post("/find", {"slug": "Nobody Ltd"})
    assert unknown.status_code == 404
    assert b"at that address or called &#x27;Nobody Ltd&#x27;" in unknown.content
    long = public_client.post("/find", {"slug": "x" * 201})
    assert long.status_code == 400
    assert b"longer than 200 characters" in long.content


def test_the_field_is_labelled_address(public_client):
    body = public_client.get("/find").content.decode()
    assert '<label for="slug">Address</label>' in body
    assert "Organisation name" not in body
