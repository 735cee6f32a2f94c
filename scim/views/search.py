"""POST /.search: one query over every resource type (RFC 7644 §3.4.3)."""

from rest_framework.request import Request
from rest_framework.response import Response

from scim.listing import root_search
from scim.views.base import ScimView


class RootSearchView(ScimView):
    def post(self, request: Request) -> Response:
        return self.respond(root_search(self.search_params(), base_url=self.base_url))
