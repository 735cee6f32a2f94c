"""Turning what an admin writes into what a learner's browser may safely receive.

Markdown is rendered by markdown-it-py (CommonMark, raw HTML off) and the result is
sanitised by nh3 (Ammonia) all the same, so a bug in either alone lets nothing through.
Videos are limited to MP4 files over HTTPS, YouTube's privacy-enhanced host and Vimeo's
player: the resource page's CSP frames those two hosts only (learning.views_learner).
"""

import re
from urllib.parse import parse_qs, urlsplit

import nh3
from markdown_it import MarkdownIt

from learning import limits

YOUTUBE_EMBED = "https://www.youtube-nocookie.com/embed/"
VIMEO_EMBED = "https://player.vimeo.com/video/"
FRAME_HOSTS = ("https://www.youtube-nocookie.com", "https://player.vimeo.com")

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "ol": {"start"}}

_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_VIMEO_ID = re.compile(r"^[0-9]{1,12}$")


class ContentRefused(ValueError):
    """Content that cannot be stored; the message says why, for a 400."""


def markdown_to_html(markdown: str) -> str:
    """Sanitised HTML for `markdown` (links only to http, https and mailto)."""
    if len(markdown) > limits.MARKDOWN_MAX:
        raise ContentRefused(f"Text is limited to {limits.MARKDOWN_MAX:,} characters.")
    return nh3.clean(
        _markdown.render(markdown),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def _https_url(url: str) -> tuple[str, str, str, str]:
    url = url.strip()
    if not url or len(url) > limits.URL_MAX:
        raise ContentRefused(f"Give an address of at most {limits.URL_MAX:,} characters.")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ContentRefused("The address must start with https://.")
    return url, parts.scheme, parts.hostname.lower(), parts.path


def video_url(url: str) -> str:
    """The address a video element stores: an MP4 over HTTPS, or a YouTube (nocookie) or
    Vimeo embed address built from the video's id. Anything else is refused."""
    url, scheme, host, path = _https_url(url)
    query = parse_qs(urlsplit(url).query)
    video_id = ""
    if host in ("youtube.com", "www.youtube.com", "m.youtube.com") and path == "/watch":
        video_id = (query.get("v") or [""])[0]
    elif host == "youtu.be":
        video_id = path.lstrip("/")
    elif host in ("www.youtube-nocookie.com", "youtube-nocookie.com", "www.youtube.com"):
        video_id = path.removeprefix("/embed/") if path.startswith("/embed/") else ""
    if video_id:
        if not _YOUTUBE_ID.match(video_id):
            raise ContentRefused("That YouTube address has no valid video id.")
        return YOUTUBE_EMBED + video_id
    if host in ("vimeo.com", "www.vimeo.com", "player.vimeo.com"):
        vimeo_id = path.removeprefix("/video/").strip("/")
        if not _VIMEO_ID.match(vimeo_id):
            raise ContentRefused("That Vimeo address has no valid video id.")
        return VIMEO_EMBED + vimeo_id
    if scheme == "https" and path.lower().endswith(".mp4"):
        return url
    raise ContentRefused(
        "Videos must be an MP4 file over https://, a YouTube link or a Vimeo link."
    )


def video_is_embed(url: str) -> bool:
    return url.startswith(FRAME_HOSTS)


def link_url(url: str) -> str:
    """A link element's address: http or https only (no javascript:, data: and the like)."""
    return _https_url(url)[0]
