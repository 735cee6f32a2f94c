"""Discovery and signing keys are cached; an unknown key id triggers one refetch of the JWKS."""

import pytest

from sso.metadata import jwks_cache
from tests.sso.conftest import new_flow, new_oid, person
from tests.sso.fake_entra import CONTOSO, SigningKey

pytestmark = pytest.mark.django_db

DISCOVERY = "/organizations/v2.0/.well-known/openid-configuration"
JWKS = "/organizations/discovery/v2.0/keys"


def _sign_in(fake, *, key: SigningKey | None = None, user_name: str = "scott@acme.test"):
    flow = new_flow("acme")
    flow.start()
    claims = fake.claims(
        tid=CONTOSO, oid=new_oid(), nonce=flow.authorize["nonce"], preferred_username=user_name
    )
    fake.id_token = fake.sign(claims, key=key)
    return flow.callback()


def test_discovery_and_keys_are_fetched_once_for_many_sign_ins(acme_microsoft, fake_entra):
    for n in range(3):
        person("acme", f"user{n}@acme.test")
        assert _sign_in(fake_entra, user_name=f"user{n}@acme.test").status_code == 302
    assert fake_entra.hits[DISCOVERY] == 1
    assert fake_entra.hits[JWKS] == 1
    assert jwks_cache.fetches == 1


def test_a_rotated_key_is_picked_up_by_refetching_the_jwks(acme_microsoft, fake_entra, monkeypatch):
    person("acme", "scott@acme.test")
    person("acme", "sara@acme.test")
    assert _sign_in(fake_entra).status_code == 302
    monkeypatch.setattr(jwks_cache, "min_refresh_seconds", 0)
    rotated = SigningKey.generate("rotated-key")
    fake_entra.keys.append(rotated)  # Microsoft publishes a new key and signs with it

    response = _sign_in(fake_entra, key=rotated, user_name="sara@acme.test")

    assert response.status_code == 302
    assert fake_entra.hits[JWKS] == 2
    assert fake_entra.hits[DISCOVERY] == 1


def test_unknown_key_ids_refetch_at_most_once_per_interval(acme_microsoft, fake_entra):
    person("acme", "scott@acme.test")
    assert _sign_in(fake_entra).status_code == 302
    stranger = SigningKey.generate("never-published")
    for _ in range(3):
        response = _sign_in(fake_entra, key=stranger)
        assert response.status_code == 400
        assert 'data-reason="bad_signature"' in response.content.decode()
    assert fake_entra.hits[JWKS] == 1  # within min_refresh_seconds: no hammering


def test_a_key_that_is_still_unknown_after_refetch_is_refused(
    acme_microsoft, fake_entra, monkeypatch
):
    monkeypatch.setattr(jwks_cache, "min_refresh_seconds", 0)
    person("acme", "scott@acme.test")
    assert _sign_in(fake_entra).status_code == 302
    response = _sign_in(fake_entra, key=SigningKey.generate("never-published"))
    assert response.status_code == 400
    assert 'data-reason="bad_signature"' in response.content.decode()
    assert fake_entra.hits[JWKS] == 2
