"""/Groups and /Groups/{id}: GET, POST, PUT, PATCH, DELETE (RFC 7644 §3).

Entra reads groups with `excludedAttributes=members`; members are then never loaded.
A successful PATCH answers 204 (RFC 7644 §3.5.2 allows it) unless the request asks for
attributes, so adding members to a 100,000-member group doesn't send them all back.
"""

from rest_framework.request import Request
from rest_framework.response import Response

from scim.attributes import Projection
from scim.errors import not_found
from scim.groups import group_document
from scim.listing import ListParams, resource_list
from scim.selectors import group_get
from scim.services import (
    scim_group_create,
    scim_group_delete,
    scim_group_patch,
    scim_group_replace,
    token_actor,
)
from scim.users import etag
from scim.views.base import ScimView


class GroupEndpoint(ScimView):
    resource_type = "Group"

    def document(
        self,
        group_id: object,
        projection: Projection,
        status: int = 200,
        *,
        cached: bool = False,
        created: bool = False,
    ) -> Response:
        """The group as a response; with `cached`, 304 when If-None-Match names this version."""
        group = group_get(group_id=str(group_id), with_members=projection.wants("members"))
        if group is None:
            raise not_found(f"Group {group_id} not found.")
        tag = etag(group.version)
        if cached and self.request.META.get("HTTP_IF_NONE_MATCH") == tag:
            return self.respond(None, status=304, headers={"ETag": tag})
        document = group_document(group, base_url=self.base_url)
        headers = {"ETag": tag}
        if created:
            headers["Location"] = document["meta"]["location"]
        return self.respond(projection.apply(document), status=status, headers=headers)


class GroupsView(GroupEndpoint):
    def get(self, request: Request) -> Response:
        params = ListParams.parse(self.query())
        return self.respond(resource_list(params, resource="Group", base_url=self.base_url))

    def post(self, request: Request) -> Response:
        group = scim_group_create(document=self.body(), actor=token_actor(self.token))
        self.log_resource_id = str(group.pk)
        projection = self.projection()
        if not hasattr(group, "scim_members"):  # created with members: read them back
            return self.document(group.pk, projection, status=201, created=True)
        document = group_document(group, base_url=self.base_url)
        headers = {"Location": document["meta"]["location"], "ETag": etag(group.version)}
        return self.respond(projection.apply(document), status=201, headers=headers)


class GroupsSearchView(ScimView):
    resource_type = "Group"

    def post(self, request: Request) -> Response:
        params = self.search_params()
        return self.respond(resource_list(params, resource="Group", base_url=self.base_url))


class GroupView(GroupEndpoint):
    def get(self, request: Request, resource_id: str) -> Response:
        self.log_resource_id = resource_id
        return self.document(resource_id, self.projection(), cached=True)

    def put(self, request: Request, resource_id: str) -> Response:
        self.log_resource_id = resource_id
        group = scim_group_replace(
            group_id=resource_id,
            document=self.body(),
            actor=token_actor(self.token),
            if_match=self.if_match(),
        )
        return self.document(group.pk, self.projection())

    def patch(self, request: Request, resource_id: str) -> Response:
        self.log_resource_id = resource_id
        group = scim_group_patch(
            group_id=resource_id,
            body=self.body(),
            base_url=self.base_url,
            actor=token_actor(self.token),
            if_match=self.if_match(),
        )
        query = self.query()
        if "attributes" in query or "excludedAttributes" in query:
            return self.document(group.pk, self.projection())
        return self.respond(None, status=204, headers={"ETag": etag(group.version)})

    def delete(self, request: Request, resource_id: str) -> Response:
        self.log_resource_id = resource_id
        scim_group_delete(
            group_id=resource_id, actor=token_actor(self.token), if_match=self.if_match()
        )
        return self.respond(None, status=204)
