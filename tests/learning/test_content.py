"""learning.content and the content services: sanitised Markdown, allowed videos, limits."""

import pytest

from learning import limits, services
from learning.content import ContentRefused, link_url, markdown_to_html, video_url

pytestmark = pytest.mark.django_db


def test_markdown_is_rendered_and_raw_html_and_scripts_are_removed():
    html = markdown_to_html(
        "# Hi\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) "
        '<img src=x onerror=alert(1)> **bold**\n\n[ok](https://acme.test "t")'
    )
    assert html == (
        "<h1>Hi</h1>\n"
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"
        "<p>[x](javascript:alert(1)) &lt;img src=x onerror=alert(1)&gt; <strong>bold</strong></p>\n"
        '<p><a href="https://acme.test" title="t" rel="noopener noreferrer nofollow">ok</a></p>\n'
    )


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        ("https://youtu.be/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        ("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
        ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871"),
        ("https://player.vimeo.com/video/76979871", "https://player.vimeo.com/video/76979871"),
        ("https://cdn.acme.test/intro.mp4", "https://cdn.acme.test/intro.mp4"),
    ],
)  # fmt: skip
def test_allowed_videos_are_normalised(given, stored):
    assert video_url(given) == stored


@pytest.mark.parametrize(
    "url",
    [
        "http://cdn.acme.test/intro.mp4",
        "https://evil.test/embed.html",
        "javascript:alert(1)",
        "https://www.youtube.com/watch?v=<script>",
        "https://vimeo.com/abc",
        "https://x.test/" + "a" * limits.URL_MAX + ".mp4",
        "",
    ],
)
def test_other_videos_are_refused(url):
    with pytest.raises(ContentRefused):
        video_url(url)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "ftp://x.test/"])
def test_links_are_http_or_https(url):
    with pytest.raises(ContentRefused):
        link_url(url)


def test_limits_on_elements_and_text(catalogue):
    resource = services.resource_create(workspace=catalogue.open_space, title="Big")
    with pytest.raises(services.LearningRefused, match="limited to 20,000"):
        services.element_add(resource=resource, kind="text", markdown="x" * 20_001)
    with pytest.raises(services.LearningRefused, match="text, video, link or quiz"):
        services.element_add(resource=resource, kind="html")
    for _ in range(limits.ELEMENTS_PER_RESOURCE_MAX):
        services.element_add(resource=resource, kind="text", markdown="x")
    with pytest.raises(services.LearningRefused, match="at most 50 elements"):
        services.element_add(resource=resource, kind="text", markdown="x")


def test_title_and_quiz_rules(catalogue):
    with pytest.raises(services.LearningRefused, match="Title is required"):
        services.resource_create(workspace=catalogue.open_space, title="  ")
    with pytest.raises(services.LearningRefused, match="limited to 200"):
        services.resource_create(workspace=catalogue.open_space, title="x" * 201)
    resource = services.resource_create(workspace=catalogue.open_space, title="Quiz")
    quiz = services.element_add(resource=resource, kind="quiz")
    with pytest.raises(services.LearningRefused, match="at most one quiz"):
        services.element_add(resource=resource, kind="quiz")
    with pytest.raises(services.LearningRefused, match="needs at least one question"):
        services.resource_publish(resource=resource)
    with pytest.raises(services.LearningRefused, match="exactly one correct"):
        services.question_add(
            element=quiz, text="Q", kind="single", options=[("a", True), ("b", True)]
        )
    with pytest.raises(services.LearningRefused, match="from 2 to 10 options"):
        services.question_add(element=quiz, text="Q", kind="multiple", options=[("a", True)] * 11)
    with pytest.raises(services.LearningRefused, match="pass mark"):
        services.resource_update(
            resource=resource, title="Quiz", pass_mark=101, retries_allowed=True
        )


def test_pathways_take_published_resources_once(catalogue):
    pathway = services.pathway_create(name="P")
    with pytest.raises(services.LearningRefused, match="Only published"):
        services.pathway_step_add(pathway=pathway, resource=catalogue.draft)
    services.pathway_step_add(pathway=pathway, resource=catalogue.intro)
    with pytest.raises(services.LearningRefused, match="already in the pathway"):
        services.pathway_step_add(pathway=pathway, resource=catalogue.intro)


def test_sharing_again_replaces_the_due_date_and_checks_it(catalogue, bob):
    first = services.share_create(target=catalogue.intro, user=bob, due="after", due_days=7)
    again = services.share_create(target=catalogue.intro, user=bob, due="after", due_days=3)
    assert (first.pk, again.due_days) == (again.pk, 3)
    with pytest.raises(services.LearningRefused, match="from 1 to 3650"):
        services.share_create(target=catalogue.intro, user=bob, due="after", due_days=0)
    with pytest.raises(services.LearningRefused, match="Give the due date"):
        services.share_create(target=catalogue.intro, user=bob, due="fixed")
    with pytest.raises(services.LearningRefused, match="one group or one person"):
        services.share_create(target=catalogue.intro)


def test_moving_elements(catalogue):
    resource = services.resource_create(workspace=catalogue.open_space, title="Order")
    a, b, c = (services.element_add(resource=resource, kind="text", markdown=t) for t in "abc")
    services.element_move(element=c, offset=-1)
    services.element_move(element=a, offset=-1)  # already first: nothing moves
    assert [e.markdown for e in resource.elements.all()] == ["a", "c", "b"]
