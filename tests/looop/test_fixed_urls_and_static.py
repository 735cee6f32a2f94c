"""What each page's frame reverses and looks up once per process: `{% fixed_url %}` (the
navigation's routes) and the static files' URLs (looop.static_storage)."""

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse, set_script_prefix, set_urlconf

from looop.static_storage import URLS_KEPT, StaticStorage

NAV = ["home", "logout", "profile", "people_list", "account_provisioning", "account_email"]


@pytest.fixture
def org_urls():
    set_urlconf("looop.urls_org")
    yield
    set_urlconf(None)
    set_script_prefix("/")


def render(source: str) -> str:
    return Template("{% load fixed_urls %}" + source).render(Context())


def test_fixed_url_is_url_for_every_nav_route(org_urls):
    for name in NAV:
        assert render(f'{{% fixed_url "{name}" %}}') == reverse(name)


def test_fixed_url_follows_the_urlconf_and_the_script_prefix(org_urls):
    assert render('{% fixed_url "people_list" %}') == "/people"
    set_script_prefix("/looop/")
    assert render('{% fixed_url "people_list" %}') == "/looop/people"
    set_script_prefix("/")
    set_urlconf("looop.urls_public")  # the public host has no console
    with pytest.raises(NoReverseMatch):
        render('{% fixed_url "people_list" %}')


def storage(tmp_path) -> StaticStorage:
    found = StaticStorage(location=str(tmp_path), base_url="/static/")
    found.hashed_files = {"looop/looop.css": "looop/looop.0123abcd.css"}
    return found


def test_a_static_url_is_the_manifests_and_is_kept(tmp_path):
    files = storage(tmp_path)
    assert files.url("looop/looop.css") == "/static/looop/looop.0123abcd.css"
    files.hashed_files = {}  # kept: the manifest is not asked again
    assert files.url("looop/looop.css") == "/static/looop/looop.0123abcd.css"
    with pytest.raises(ValueError):  # force: always the manifest
        files.url("looop/looop.css", force=True)


def test_an_unknown_static_file_is_refused_every_time_and_not_kept(tmp_path):
    files = storage(tmp_path)
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            files.url("looop/missing.css")
    assert "looop/missing.css" not in files._urls


def test_the_kept_urls_are_bounded(tmp_path):
    files = storage(tmp_path)
    files.hashed_files = {f"f{i}.css": f"f{i}.1.css" for i in range(URLS_KEPT + 5)}
    for i in range(URLS_KEPT + 5):
        assert files.url(f"f{i}.css") == f"/static/f{i}.1.css"
    assert len(files._urls) == URLS_KEPT
