"""POST /.search: one query over every resource type (RFC 7644 §3.4.3)."""

from rest_framework.request import Request
from rest_framework.response import Response

from scim.listing import ListParams, root_search
from scim.values import Fields
from scim.views.base import ScimView


class RootSearchView(ScimView):
    def post(self, request: Request) -> Response:
        body = self.body()
        params = ListParams.parse(Fields(body if isinstance(body, dict) else {}))
        return self.respond(root_search(params, base_url=self.base_url))
