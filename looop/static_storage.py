"""Production static files: whitenoise's compressed storage with hashed names, each file's
URL kept once found.

`url()` looks the hashed name up in the manifest and joins it to STATIC_URL on every call,
about 20 µs, four or five times on every page. The manifest cannot change while a process
serves (collectstatic runs before it starts), so a URL found stays right."""

from typing import Any

from whitenoise.storage import CompressedManifestStaticFilesStorage

URLS_KEPT = 1000  # far more than the files templates name; bounds memory whatever is asked


class StaticStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name: str | None, force: bool = False) -> str:
        if force or name is None:
            return super().url(name, force)
        found = self._urls.get(name)
        if found is None:
            found = super().url(name)
            if len(self._urls) < URLS_KEPT:
                self._urls[name] = found
        return found
