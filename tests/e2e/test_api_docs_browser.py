"""The API docs page in real Chromium: Swagger UI renders from our own static files under
the site-wide Content-Security-Policy, with no violation reported."""


def test_the_docs_render_without_csp_violations(live_app, page):
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(live_app.url("acme", "/api/v1/docs/"))
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Looop API" in page.inner_text(".swagger-ui .info .title")
    page.wait_for_selector(".opblock-summary-path[data-path='/api/v1/me/learning']")
    assert problems == []
    host = live_app.url("acme", "/")
    assert [url for url in requested if not url.startswith(host)] == []
