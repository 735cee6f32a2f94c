"""Account > Authentication and Account > Provisioning: the switch, tokens, activity, audit."""
# ruff: noqa: F811  (pytest fixtures imported from console_support are parameters here)

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.actors import SYSTEM, Actor
from accounts.models import AuditEntry, Group, Organisation, User
from accounts.services import user_create
from scim.models import ProvisioningEvent, ScimToken
from scim.services import event_record, token_authenticate, token_create
from tests.accounts.console_support import bob, bob_client  # noqa: F401
from tests.conftest import host_client

pytestmark = pytest.mark.django_db

SECRET_RE = re.compile(r'data-testid="new-secret">(looop_scim_[A-Za-z0-9_-]+)<')


def secret_in(response) -> str | None:
    match = SECRET_RE.search(response.content.decode())
    return match.group(1) if match else None


def acme_tokens() -> list[tuple[str, bool]]:
    with schema_context("acme"):
        return [(t.name, t.revoked_at is None) for t in ScimToken.objects.order_by("id")]


def acme_audit() -> list[tuple[str, str, str]]:
    """Acme's entries after its founding (the founding admin's creation is the first entry,
    tested in tests/accounts/test_actions_audit.py)."""
    with schema_context("acme"):
        entries = AuditEntry.objects.exclude(action="user.create", actor_label="system")
        return list(entries.order_by("at", "id").values_list("actor_label", "action", "target"))


def usable(secret: str) -> bool:
    with schema_context("acme"):
        return token_authenticate(secret) is not None


# --- Account > Authentication: the Microsoft Azure switch ---


def test_authentication_page_shows_switch_connection_and_scim(alice_client, microsoft_registered):
    response = alice_client.get("/account/authentication")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'role="switch" aria-checked="false" aria-label="Microsoft Azure"' in body
    assert '<span class="badge">Not connected</span>' in body
    assert "Next step: turn on Microsoft Azure above" in body
    assert '<h2 id="scim-heading">SCIM Integration</h2>' in body
    assert 'data-testid="scim-endpoint">http://acme.looop.localhost/scim/v2<' in body
    assert 'href="/account/authentication/reset-token">Reset Token</a>' in body
    assert 'href="/account/provisioning">Provisioning</a>' in body


@pytest.fixture
def microsoft_registered(settings) -> None:
    """The server has a Microsoft app registration (the switch needs one to turn on)."""
    settings.MICROSOFT_CLIENT_ID = "00000000-0000-0000-0000-00000000c11e"
    settings.MICROSOFT_CLIENT_SECRET = "client-secret"


@pytest.fixture
def microsoft_unregistered(settings) -> None:
    settings.MICROSOFT_CLIENT_ID = ""
    settings.MICROSOFT_CLIENT_SECRET = ""


NOT_SET_UP = (
    "Microsoft Azure can't be turned on yet: Sign in with Microsoft isn't set up on "
    "this Looop server. Whoever runs your Looop server has to register Looop with Microsoft first."
)


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_switch_turns_microsoft_on_and_off_with_audit(alice_client, microsoft_registered):
    response = alice_client.post("/account/authentication/microsoft", {"enabled": "1"})
    assert (response.status_code, response["Location"]) == (302, "/account/authentication")
    assert Organisation.objects.get(schema_name="acme").microsoft_enabled is True
    body = alice_client.get("/account/authentication").content.decode()
    assert 'aria-checked="true"' in body and "turned Microsoft Azure sign-in on" in body
    alice_client.post("/account/authentication/microsoft", {"enabled": "0"})
    assert Organisation.objects.get(schema_name="acme").microsoft_enabled is False
    assert Organisation.objects.get(schema_name="globex").microsoft_enabled is False
    assert acme_audit() == [
        ("alice@acme.test", "organisation.microsoft_enable", "Acme"),
        ("alice@acme.test", "organisation.microsoft_disable", "Acme"),
    ]


def test_switch_cannot_turn_on_without_a_microsoft_registration(
    alice_client, microsoft_unregistered
):
    page = text(alice_client.get("/account/authentication"))
    switch = page.split('data-testid="microsoft-switch"')[1].split(">")[0]
    assert 'disabled aria-describedby="microsoft-not-set-up"' in switch
    assert "Next step" not in page  # nothing for the admin to do until the server is set up
    assert (
        "Sign in with Microsoft isn't set up on this Looop server yet, so Microsoft Azure "
        "can't be turned on. Whoever runs your Looop server (your Looop provider or your IT "
        "team) registers Looop with Microsoft once; then this switch works." in page
    )
    assert 'href="/help/microsoft" data-testid="microsoft-help"' in page
    # Operator words stay out of the admin's page.
    for operator_word in ["MICROSOFT_CLIENT", "docs/", ".md", "environment variable"]:
        assert operator_word not in page
    # A forged POST (the button is disabled) is refused with the same words.
    response = alice_client.post("/account/authentication/microsoft", {"enabled": "1"})
    assert (response.status_code, response["Location"]) == (302, "/account/authentication")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [NOT_SET_UP]
    assert Organisation.objects.get(schema_name="acme").microsoft_enabled is False
    after = text(alice_client.get("/account/authentication"))
    assert NOT_SET_UP in after and "Microsoft Azure sign-in is on." not in after
    assert acme_audit() == []


def test_switch_can_still_turn_off_after_the_registration_is_gone(
    alice_client, microsoft_unregistered
):
    Organisation.objects.filter(schema_name="acme").update(microsoft_enabled=True)
    page = alice_client.get("/account/authentication").content.decode()
    switch = page.split('data-testid="microsoft-switch"')[1].split(">")[0]
    assert "disabled" not in switch
    alice_client.post("/account/authentication/microsoft", {"enabled": "0"})
    assert Organisation.objects.get(schema_name="acme").microsoft_enabled is False
    assert acme_audit() == [("alice@acme.test", "organisation.microsoft_disable", "Acme")]


def test_the_setup_help_page_is_in_admin_words(alice_client, bob_client, microsoft_unregistered):
    response = alice_client.get("/help/microsoft")
    assert response.status_code == 200
    body = text(response)
    assert "<h1>Set up Sign in with Microsoft and provisioning</h1>" in body
    assert "This Looop server isn't registered with Microsoft yet" in body
    for step in [
        "Turn on Microsoft Azure",
        "Connect your Microsoft Entra ID",
        "Choose who may use Looop",
        "Turn on provisioning",
    ]:
        assert f"<h3>{step}</h3>" in body
    assert "<code>http://acme.looop.localhost/scim/v2</code>" in body
    for operator_word in ["MICROSOFT_CLIENT", "docs/", ".md", "environment variable"]:
        assert operator_word not in body
    assert bob_client.get("/help/microsoft").status_code == 403


def test_the_setup_help_page_says_when_the_server_is_ready(alice_client, microsoft_registered):
    body = text(alice_client.get("/help/microsoft"))
    assert "This Looop server is registered with Microsoft" in body
    assert "isn't registered" not in body


def test_switch_needs_post(alice_client):
    assert alice_client.get("/account/authentication/microsoft").status_code == 405


def test_connected_tenant_is_shown(alice_client):
    Organisation.objects.filter(schema_name="acme").update(
        microsoft_enabled=True,
        entra_tenant_id="72f988bf-86f1-41af-91ab-2d7cd011db47",
        entra_connected_by="alice@acme.test",
        entra_connected_at=datetime(2026, 3, 4, 9, 30, tzinfo=UTC),
    )
    body = alice_client.get("/account/authentication").content.decode()
    assert '<span class="badge badge-ok">Connected</span>' in body
    assert "<code>72f988bf-86f1-41af-91ab-2d7cd011db47</code>" in body
    assert "<dd>alice@acme.test</dd>" in body
    assert "4 Mar 2026, 09:30 UTC" in body
    assert "Not connected" not in body


# --- Reset Token ---


def test_reset_asks_for_confirmation_first(alice_client, alice):
    with schema_context("acme"):
        token_create(name="Old", actor=alice)
    response = alice_client.get("/account/authentication/reset-token")
    assert response.status_code == 200
    assert "This revokes the 1 active token and creates one new token" in response.content.decode()
    assert acme_tokens() == [("Old", True)]


def test_reset_leaves_exactly_one_active_token_shown_once(alice_client, alice):
    with schema_context("acme"):
        _, old_a = token_create(name="A", actor=alice)
        _, old_b = token_create(name="B", actor=alice)
    # POST -> redirect -> GET: a reload repeats the GET, never the reset.
    response = alice_client.post("/account/authentication/reset-token")
    assert (response.status_code, response["Location"]) == (303, "/account/authentication")
    assert secret_in(response) is None
    shown = alice_client.get("/account/authentication")
    assert shown.status_code == 200
    assert "no-store" in shown["Cache-Control"]
    secret = secret_in(shown)
    assert secret and usable(secret)
    assert not usable(old_a) and not usable(old_b)
    tokens = acme_tokens()
    assert [active for _, active in tokens] == [False, False, True]
    assert tokens[2][0].startswith("Reset token ")
    assert f"Token “{tokens[2][0]}”." in shown.content.decode()
    assert "into the <strong>Secret Token</strong> field" in shown.content.decode()
    reload = alice_client.get("/account/authentication")
    assert secret_in(reload) is None and secret not in reload.content.decode()
    assert "reset the SCIM token (revoked B, A)" in reload.content.decode()
    assert acme_tokens() == tokens  # the reload reset nothing
    assert usable(secret)
    assert [action for _, action, _ in acme_audit()] == [
        "scim_token.create",
        "scim_token.create",
        "scim_token.reset",
        "scim_token.create",
    ]


def test_the_secret_is_kept_in_the_session_only_until_shown(alice_client, alice):
    alice_client.post("/account/authentication/reset-token")
    assert "scim_new_secret" in alice_client.session
    alice_client.get("/account/authentication")
    assert "scim_new_secret" not in alice_client.session


def test_a_secret_left_unshown_for_ten_minutes_is_not_shown(alice_client, alice):
    alice_client.post("/account/authentication/reset-token")
    session = alice_client.session
    session["scim_new_secret"]["at"] -= 601
    session.save()
    page = alice_client.get("/account/authentication")
    assert secret_in(page) is None
    assert "no-store" not in page.get("Cache-Control", "")


def test_a_secret_is_not_shown_in_another_session(alice_client, alice):
    alice_client.post("/account/authentication/reset-token")
    other = host_client("acme")
    with schema_context("acme"):
        other.force_login(alice)
    assert secret_in(other.get("/account/authentication")) is None
    assert secret_in(alice_client.get("/account/authentication")) is not None


def test_a_secret_of_a_token_revoked_meanwhile_is_not_shown(alice_client, alice):
    alice_client.post("/account/authentication/reset-token")
    with schema_context("acme"):
        ScimToken.objects.update(revoked_at=timezone.now())
    assert secret_in(alice_client.get("/account/authentication")) is None


# --- Account > Provisioning: tokens ---


def test_provisioning_page_with_no_tokens(alice_client):
    response = alice_client.get("/account/provisioning")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="scim-endpoint">http://acme.looop.localhost/scim/v2<' in body
    assert "No tokens yet. Create one below" in body
    assert "No SCIM requests yet." in body


def test_create_token_shows_the_secret_once(alice_client):
    response = alice_client.post(
        "/account/provisioning/tokens", {"name": "Entra ID", "expires_on": ""}
    )
    assert (response.status_code, response["Location"]) == (303, "/account/provisioning")
    response = alice_client.get("/account/provisioning")
    assert "no-store" in response["Cache-Control"]
    secret = secret_in(response)
    assert secret and usable(secret)
    with schema_context("acme"):
        token = ScimToken.objects.get()
    assert (token.name, token.created_by_label, token.expires_at, token.revoked_at) == (
        "Entra ID",
        "alice@acme.test",
        None,
        None,
    )
    assert secret.startswith(token.prefix)
    page = alice_client.get("/account/provisioning").content.decode()
    assert secret not in page and secret_in(alice_client.get("/account/provisioning")) is None
    row = page.split(f'data-token-id="{token.pk}"')[1].split("</tr>")[0]
    assert f"<code>{token.prefix}…</code>" in row
    assert "alice@acme.test" in row and "Never" in row and ">Active<" in row
    assert f'href="/account/provisioning/tokens/{token.pk}/revoke"' in row
    assert "created the token “Entra ID”" in page


def test_create_token_with_an_expiry(alice_client):
    day = (timezone.now() + timedelta(days=30)).date()
    response = alice_client.post(
        "/account/provisioning/tokens", {"name": "Expiring", "expires_on": day.isoformat()}
    )
    assert response.status_code == 303
    with schema_context("acme"):
        token = ScimToken.objects.get()
    assert token.expires_at == datetime(day.year, day.month, day.day, tzinfo=UTC)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"name": ""}, "This field is required."),
        ({"name": "   "}, "This field is required."),
        ({"name": "x" * 101}, "Ensure this value has at most 100 characters"),
        ({"name": "Past", "expires_on": "2020-01-01"}, "Choose a day after today."),
        ({"name": "Bad date", "expires_on": "31/31/2031"}, "Enter a valid date."),
    ],
)
def test_create_token_refuses_bad_input(alice_client, data, error):
    response = alice_client.post("/account/provisioning/tokens", data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert secret_in(response) is None
    assert acme_tokens() == []


def test_active_token_names_are_unique(alice_client, alice):
    with schema_context("acme"):
        token_create(name="Entra", actor=alice)
    response = alice_client.post("/account/provisioning/tokens", {"name": "Entra"})
    assert response.status_code == 400
    assert "An active token called &#x27;Entra&#x27; already exists." in response.content.decode()
    assert acme_tokens() == [("Entra", True)]


def test_revoke_asks_then_revokes(alice_client, alice):
    with schema_context("acme"):
        token, secret = token_create(name="Entra", actor=alice)
    confirm = alice_client.get(f"/account/provisioning/tokens/{token.pk}/revoke")
    assert confirm.status_code == 200
    assert "Revoke “Entra”?" in confirm.content.decode()
    assert usable(secret)
    response = alice_client.post(f"/account/provisioning/tokens/{token.pk}/revoke")
    assert (response.status_code, response["Location"]) == (302, "/account/provisioning")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Token “Entra” is revoked; it no longer works."
    ]
    assert not usable(secret)
    page = alice_client.get("/account/provisioning").content.decode()
    assert ">Revoked<" in page and "revoked the token “Entra”" in page
    assert f"/account/provisioning/tokens/{token.pk}/revoke" not in page
    # Revoking twice changes nothing and records nothing more.
    alice_client.post(f"/account/provisioning/tokens/{token.pk}/revoke")
    assert [a for _, a, _ in acme_audit()] == ["scim_token.create", "scim_token.revoke"]


# --- Account > Provisioning: activity and summary ---


def record(status: int, *, minutes_ago: float = 0, **fields) -> int:
    with schema_context("acme"):
        return event_record(
            at=timezone.now() - timedelta(minutes=minutes_ago),
            method=fields.pop("method", "GET"),
            path=fields.pop("path", "/scim/v2/Users"),
            status=status,
            duration_ms=fields.pop("duration_ms", 3.25),
            **fields,
        )


def test_activity_is_newest_first_with_every_column(alice_client):
    record(200, minutes_ago=5, path='/scim/v2/Users?filter=userName eq "x"')
    record(
        409,
        minutes_ago=1,
        method="POST",
        resource_type="User",
        scim_type="uniqueness",
        detail="userName is already taken",
        token_name="Entra",
        duration_ms=12.5,
    )
    response = alice_client.get("/account/provisioning")
    events = response.context["events"].object_list
    assert [e.status for e in events] == [409, 200]
    body = response.content.decode()
    activity = body.split('data-testid="activity"')[1].split("</table>")[0]
    newest = activity.split('<tbody class="event"')[1].split("</tr>")[0]
    for cell in [
        "<code>POST</code>",
        "<code>/scim/v2/Users</code>",
        '<span class="badge badge-bad">409</span>',
        "<code>uniqueness</code> userName is already taken",
        "12.5 ms",
        "<td>Entra</td>",
    ]:
        assert cell in newest, cell


def test_errors_only_filter(alice_client):
    record(200, minutes_ago=3)
    record(401, minutes_ago=2, detail="Missing or bad bearer token")
    record(500, minutes_ago=1, detail="boom")
    everything = alice_client.get("/account/provisioning")
    assert [e.status for e in everything.context["events"]] == [500, 401, 200]
    errors = alice_client.get("/account/provisioning", {"errors": "1"})
    assert [e.status for e in errors.context["events"]] == [500, 401]
    assert '<option value="errors" selected>Errors (4xx and 5xx)</option>' in (
        errors.content.decode()
    )


def test_activity_is_paged_and_the_filter_survives_paging(alice_client):
    for i in range(30):
        record(400 if i % 2 else 200, minutes_ago=60 - i)
    first = alice_client.get("/account/provisioning")
    assert len(first.context["events"].object_list) == 25
    assert first.context["events"].paginator.count == 30
    errors_page_1 = alice_client.get("/account/provisioning", {"errors": "1"})
    assert errors_page_1.context["events"].paginator.count == 15
    assert 'href="?errors=1&amp;page=2"' not in errors_page_1.content.decode()  # 15 fit on one
    second = alice_client.get("/account/provisioning", {"page": "2"})
    assert len(second.context["events"].object_list) == 5


def test_summary(alice_client, alice):
    with schema_context("acme"):
        for n in range(3):
            user_create(actor=SYSTEM, user_name=f"s{n}@acme.test", source=User.Source.SCIM)
        Group.objects.create(display_name="Sales")
    record(200, minutes_ago=60 * 30)  # errors older than a day don't count
    record(500, minutes_ago=60 * 25)
    record(409, minutes_ago=60)
    last = record(201, minutes_ago=0.5)
    summary = alice_client.get("/account/provisioning").context["summary"]
    assert (summary.users, summary.groups, summary.errors_last_24h) == (3, 1, 1)
    with schema_context("acme"):
        assert summary.last_request_at == ProvisioningEvent.objects.get(pk=last).at


def test_member_cannot_read_activity(bob_client):
    record(500, detail="secret detail")
    response = bob_client.get("/account/provisioning")
    assert response.status_code == 403
    assert "secret detail" not in response.content.decode()


def test_microsoft_connection_changes_read_as_sentences(alice_client, alice):
    from accounts.services import audit_record

    tid = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    with schema_context("acme"):
        audit_record(
            actor=Actor.console(alice), action="organisation.microsoft_connect", target=tid
        )
        audit_record(
            actor=Actor.console(alice),
            action="organisation.microsoft_disconnect",
            target=tid,
            detail={"tenant": tid, "unlinked": 2},
        )
    history = alice_client.get("/account/authentication").content.decode()
    assert f"connected Microsoft Entra tenant <code>{tid}</code>" in history
    assert (
        f"disconnected Microsoft Entra tenant <code>{tid}</code> (2 Microsoft links removed)"
        in (history)
    )
