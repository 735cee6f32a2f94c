"""Generated requests against the live server: never a 5xx, and under /scim/v2 every error
is a SCIM error body.

At least 2,000 requests, half SCIM (Users, Groups, .search, PATCH in both Entra dialects,
filters, query parameters, headers) and half the console's query parameters and forms,
signed in as an admin. The run is derandomized, so CI sends the same requests every time;
`LOOOP_FUZZ_EXAMPLES` runs more of them locally.
"""

import json
import os
import re
from collections import Counter
from http.client import HTTPConnection, HTTPException
from urllib.parse import urlencode

import pytest
from django.conf import settings as django_settings
from django_tenants.utils import schema_context
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from accounts.models import User
from accounts.services import organisation_host
from scim.services import token_create
from tests.conftest import PASSWORD
from tests.fuzz.strategies import (
    ENTERPRISE,
    GROUP_SCHEMA,
    USER_SCHEMA,
    Call,
    console_calls,
    scim_calls,
)

pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
MIN_REQUESTS = 2000
GUNICORN_REQUEST_LINE = 4094

settings.register_profile(
    "live-fuzz",
    max_examples=int(os.environ.get("LOOOP_FUZZ_EXAMPLES", "2100")),
    derandomize=True,  # the same requests on every run
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=False,
)


class LiveSite:
    """One keep-alive connection to the live server, with a cookie jar per host."""

    def __init__(self, port: int, org_host: str) -> None:
        self.port = port
        self.hosts = {"org": org_host, "public": django_settings.BASE_DOMAIN}
        self.cookies: dict[str, dict[str, str]] = {"org": {}, "public": {}}
        self.placeholders: dict[str, str] = {}
        self.token = ""
        self.microsoft = False  # whether the server has a Microsoft app (the local provider)
        self.sent = 0
        self.statuses: Counter[str] = Counter()  # "<host> <status>", printed with -s
        self.conn = HTTPConnection("127.0.0.1", port, timeout=60)

    def raw(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str], host: str
    ) -> tuple[int, dict[str, str], bytes]:
        jar = self.cookies[host]
        headers = {"Host": self.hosts[host], **headers}
        if jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body, headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (HTTPException, OSError):  # the server closed a kept-alive connection
                self.conn.close()
                self.conn = HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt == 2:
                    raise
        self.sent += 1
        self.statuses[f"{'scim' if path.startswith('/scim/v2') else host} {response.status}"] += 1
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                cookie = re.match(r"([^=]+)=([^;]*)", value)
                if cookie:
                    jar[cookie[1]] = cookie[2]
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data

    def fill(self, text: str) -> str:
        for name, value in self.placeholders.items():
            text = text.replace("{" + name + "}", value).replace("%7B" + name + "%7D", value)
        return text

    def send(self, call: Call) -> tuple[int, dict[str, str], bytes]:
        path = self.fill(call.path)
        headers = dict(call.headers)
        body = call.body
        for name, value in self.placeholders.items():
            body = body.replace(b"{%s}" % name.encode(), value.encode()) if body else body
        if path.startswith("/scim/v2") and call.host == "org":
            headers.setdefault("Authorization", f"Bearer {self.token}")
            headers.setdefault("Content-Type", "application/scim+json")
        if call.form is not None:
            csrf = self.cookies[call.host].get("csrftoken", "")
            form = {self.fill(k): self.fill(v) for k, v in call.form.items()}
            body = urlencode(
                {**form, "csrfmiddlewaretoken": csrf}, encoding="utf-8", errors="surrogatepass"
            ).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        return self.raw(call.method, path, body, headers, call.host)

    def scim_json(self, method: str, path: str, document: dict) -> dict:
        status, _, body = self.send(Call(method, f"/scim/v2{path}", json.dumps(document).encode()))
        assert status == 201, body
        return json.loads(body)


def check(site: LiveSite, call: Call, status: int, headers: dict[str, str], body: bytes) -> None:
    where = f"{call.method} {site.fill(call.path)[:300]} body={call.body!r:.300} form={call.form}"
    assert status < 500, f"{status} for {where}: {body[:500]!r}"
    if call.host == "org" and call.path.startswith("/scim/v2") and status >= 400:
        media_type = headers.get("content-type", "")
        assert media_type in ("application/scim+json", "application/json"), where
        document = json.loads(body)
        assert document["schemas"] == [ERROR_SCHEMA], where
        assert document["status"] == str(status), where
        assert isinstance(document["detail"], str), where


@pytest.fixture
def site(live_app, live_org, django_db_blocker, entra_provider) -> LiveSite:
    """The live organisation with a SCIM token, a member, a group and a signed-in admin."""
    slug = live_org.schema_name
    site = LiveSite(live_app.port, organisation_host(slug))
    site.microsoft = entra_provider is not None
    with django_db_blocker.unblock(), schema_context(slug):
        _, site.token = token_create(name="Fuzz")
        admin = User.objects.get(user_name=f"admin@{slug}.test")
    user = site.scim_json("POST", "/Users", {
        "schemas": [USER_SCHEMA, ENTERPRISE], "userName": f"member@{slug}.test",
        "emails": [{"value": f"member@{slug}.test", "type": "work", "primary": True}],
    })  # fmt: skip
    group = site.scim_json("POST", "/Groups", {
        "schemas": [GROUP_SCHEMA], "displayName": "Fuzzers", "members": [{"value": user["id"]}],
    })  # fmt: skip
    site.placeholders = {"user": user["id"], "group": group["id"], "admin": str(admin.pk)}

    status, _, page = site.raw("GET", "/login", None, {}, "org")
    assert status == 200
    csrf = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1].decode()
    form = urlencode({"username": admin.user_name, "password": PASSWORD,
                      "csrfmiddlewaretoken": csrf})  # fmt: skip
    form_type = {"Content-Type": "application/x-www-form-urlencoded"}
    status, headers, _ = site.raw("POST", "/login", form.encode(), form_type, "org")
    assert status == 302 and "sessionid" in site.cookies["org"], headers
    assert site.raw("GET", "/find", None, {}, "public")[0] == 200  # the public CSRF cookie
    return site


def test_generated_requests_never_get_a_5xx(site):
    @settings(settings.get_profile("live-fuzz"))
    @given(call=st.one_of(scim_calls, console_calls))
    def one_request(call: Call) -> None:
        # gunicorn answers longer request lines itself (414, limit_request_line), before Looop.
        assume(len(site.fill(call.path)) < GUNICORN_REQUEST_LINE - 20)
        # Without a Microsoft app, sign-in pages answer 503 "not set up" by design.
        assume(site.microsoft or not call.path.startswith("/sso/"))
        status, headers, body = site.send(call)
        check(site, call, status, headers, body)

    one_request()
    print(sorted(site.statuses.items()))
    assert site.sent >= MIN_REQUESTS
    # Still signed in, and still provisioning: the run did not lock itself out.
    assert site.raw("GET", "/people", None, {}, "org")[0] == 200
    assert site.send(Call("GET", "/scim/v2/Users?count=1"))[0] == 200
