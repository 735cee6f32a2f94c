"""Runs the real `scim2` CLI with `*.localhost` resolving to 127.0.0.1.

Browsers and curl resolve `*.localhost` to loopback (RFC 6761), but Python's resolver asks
the system, which does not. The organisation's host name must still reach the server (it
selects the organisation), so instead of rewriting URLs or Host headers this wrapper maps
the name at the resolver, the way a hosts-file entry would:

    python tests/scim/scim2_loopback.py --url http://<slug>.looop.localhost:<port>/scim/v2 test
"""

import socket
import sys
from typing import Any

_resolve = socket.getaddrinfo


def _getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if isinstance(host, str) and (host == "localhost" or host.endswith(".localhost")):
        host = "127.0.0.1"
    return _resolve(host, *args, **kwargs)


if __name__ == "__main__":
    socket.getaddrinfo = _getaddrinfo
    from scim2_cli import cli

    sys.exit(cli())
