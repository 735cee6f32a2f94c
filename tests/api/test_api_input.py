"""Every input of /api/v1 has a limit and a 4xx with a JSON message; never a 5xx."""

import pytest

from learning.models import Progress, Workspace

pytestmark = pytest.mark.django_db


def post_raw(api, path: str, raw: bytes, content_type: str = "application/json"):
    return api.client.post(
        "/api/v1" + path, data=raw, content_type=content_type, headers=api.headers
    )


@pytest.mark.parametrize(
    "raw, status, message",
    [
        (b"{", 400, "The request body is not valid JSON."),
        (b"\xff\xfe", 400, "The request body is not valid UTF-8."),
        (
            b"[" * 40 + b"]" * 40,
            400,
            "The request body nests arrays and objects deeper than 32 levels.",
        ),
        (b'{"name": "a\\u0000b"}', 400, "'name' contains a NUL character, which is not allowed."),
        (
            b'{"name": "\\ud800"}',
            400,
            "'name' contains an unpaired UTF-16 surrogate, which is not allowed.",
        ),
        (b'{"name": NaN}', 400, "The request body is not valid JSON."),
        (b"[]", 400, "Invalid data. Expected a dictionary, but got list."),
        (
            b'{"name": "' + b"x" * 300 + b'"}',
            400,
            "name: Ensure this field has no more than 200 characters.",
        ),
        (
            b'{"name": "A", "visibility": "secret"}',
            400,
            'visibility: "secret" is not a valid choice.',
        ),
    ],
)
def test_bad_bodies_are_400_with_a_message(alice_api, raw, status, message):
    response = post_raw(alice_api, "/workspaces", raw)
    assert response.status_code == status
    assert response.json()["message"] == message
    assert not Workspace.objects.exists()


def test_a_body_over_the_limit_is_413_before_it_is_read(alice_api, settings):
    settings.API_MAX_BODY_BYTES = 1000
    response = post_raw(alice_api, "/workspaces", b'{"name": "' + b"x" * 2000 + b'"}')
    assert (response.status_code, response.json()) == (
        413,
        {"status": 413, "message": "The request body is larger than 1000 bytes."},
    )


def test_other_media_types_are_415(alice_api):
    response = post_raw(alice_api, "/workspaces", b"name=A", "application/x-www-form-urlencoded")
    assert (response.status_code, response.json()) == (
        415,
        {"status": 415, "message": "Send JSON (Content-Type: application/json)."},
    )


def test_a_nul_in_a_query_parameter_is_400(alice_api):
    response = alice_api.get("/resources?workspace=%00")
    assert response.status_code == 400
    assert response.json() == {
        "status": 400,
        "message": "The parameter 'workspace' contains a NUL character, which is not allowed.",
    }
    response = alice_api.get("/resources?workspace=nope")
    assert response.status_code == 400
    assert response.json()["message"] == "workspace: Must be a UUID."


def test_paging_is_bounded(alice_api, catalogue):
    first = alice_api.get("/resources?page_size=2").json()
    assert (first["count"], len(first["results"])) == (4, 2)
    assert first["next"].endswith("/api/v1/resources?page=2&page_size=2")
    assert alice_api.get("/resources?page_size=100000").json()["count"] == 4
    for page in ["3&page_size=2", "0", "-1", "x", "9" * 5000]:
        response = alice_api.get(f"/resources?page={page}")
        assert (response.status_code, response.json()["status"]) == (404, 404), page


def test_methods_not_offered_are_405(alice_api, catalogue):
    response = alice_api.delete(f"/resources/{catalogue.intro.pk}")
    assert response.status_code == 405
    assert response.json() == {"status": 405, "message": 'Method "DELETE" not allowed.'}
    assert response["Allow"] == "GET, PATCH, HEAD, OPTIONS"


def test_progress_actions_are_checked(bob_api, bob, catalogue):
    response = bob_api.post(f"/me/progress/{catalogue.intro.pk}", {"action": "finish"})
    assert response.status_code == 400
    assert response.json()["message"] == 'action: "finish" is not a valid choice.'
    assert not Progress.objects.filter(user=bob).exists()


def test_content_writes_refuse_what_learning_refuses(alice_api, catalogue):
    path = f"/resources/{catalogue.draft.pk}/elements"
    response = alice_api.post(path, {"kind": "video", "url": "https://evil.example/x.swf"})
    assert response.status_code == 400
    assert response.json()["message"] == (
        "Videos must be an MP4 file over https://, a YouTube link or a Vimeo link."
    )
    response = alice_api.post(path, {"kind": "link", "url": "javascript:alert(1)", "label": "x"})
    assert response.status_code == 400
    response = alice_api.patch(f"/resources/{catalogue.draft.pk}", {"pass_mark": 101})
    assert response.status_code == 400
    assert (
        response.json()["message"] == "pass_mark: Ensure this value is less than or equal to 100."
    )
