"""The API's lists take a fixed number of queries, whatever the number of rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from learning import services
from tests.learning.conftest import text_resource

pytestmark = pytest.mark.django_db


def queries(api, path: str) -> int:
    api.get(path)  # the token's last use is stamped once a minute: not in the count
    with CaptureQueriesContext(connection) as captured:
        response = api.get(path)
    assert response.status_code == 200
    return len(captured)


def test_my_learning_and_lists_are_bounded(catalogue, bob, bob_api, starters):
    services.share_create(target=catalogue.onboarding, group=starters)
    services.share_create(target=catalogue.intro, user=bob)
    paths = ["/me/learning", "/resources", "/pathways", "/workspaces"]
    few = {path: queries(bob_api, path) for path in paths}
    for n in range(25):
        resource = text_resource(catalogue.open_space, f"Lesson {n}")
        services.share_create(target=resource, user=bob)
    many = {path: queries(bob_api, path) for path in paths}
    assert bob_api.get("/me/learning").json()["count"] == 26
    assert many == few


def test_the_report_is_bounded(catalogue, starters, alice_api):
    from accounts.actors import SYSTEM
    from accounts.models import Membership
    from accounts.services import user_create

    services.share_create(target=catalogue.onboarding, group=starters)
    path = f"/reports/pathways/{catalogue.onboarding.pk}"
    few = queries(alice_api, path)
    for n in range(30):
        person = user_create(
            actor=SYSTEM, user_name=f"p{n}@acme.test", email=f"p{n}@acme.test", password=None
        )
        Membership.objects.create(user=person, group=starters)
    assert queries(alice_api, path) == few
    assert alice_api.get(path).json()["count"] == 30
