"""/Users and /Users/{id}: GET, POST, PUT, PATCH, DELETE (RFC 7644 §3)."""

from django.http import HttpResponse
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import User
from scim.attributes import Projection
from scim.errors import not_found
from scim.listing import ListParams, resource_list, user_list_json
from scim.selectors import user_get
from scim.services import (
    scim_user_create,
    scim_user_delete,
    scim_user_patch,
    scim_user_replace,
    token_actor,
)
from scim.users import etag, user_document
from scim.views.base import ScimView


class UsersView(ScimView):
    resource_type = "User"

    def get(self, request: Request) -> HttpResponse:
        params = ListParams.parse(self.query())
        if params.projection.is_identity:  # whole documents: rendered by PostgreSQL
            return self.respond_json(user_list_json(params, base_url=self.base_url))
        return self.respond(resource_list(params, resource="User", base_url=self.base_url))

    def post(self, request: Request) -> Response:
        user = scim_user_create(document=self.body(), actor=token_actor(self.token))
        self.log_resource_id = str(user.pk)
        document = user_document(user, base_url=self.base_url)
        headers = {"Location": document["meta"]["location"], "ETag": etag(user.version)}
        return self.respond(self.projection().apply(document), status=201, headers=headers)


class UsersSearchView(ScimView):
    resource_type = "User"

    def post(self, request: Request) -> Response:
        params = self.search_params()
        return self.respond(resource_list(params, resource="User", base_url=self.base_url))


class UserView(ScimView):
    resource_type = "User"

    def get(self, request: Request, resource_id: str) -> Response:
        self.log_resource_id = resource_id
        projection = self.projection()
        user = user_get(user_id=resource_id, with_groups=projection.wants("groups"))
        if user is None:
            raise not_found(f"User {resource_id} not found.")
        tag = etag(user.version)
        if request.META.get("HTTP_IF_NONE_MATCH") == tag:
            return self.respond(None, status=304, headers={"ETag": tag})
        return self.document(user, projection)

    def put(self, request: Request, resource_id: str) -> Response:
        self.log_resource_id = resource_id
        user = scim_user_replace(
            user_id=resource_id,
            document=self.body(),
            actor=token_actor(self.token),
            if_match=self.if_match(),
        )
        return self.document(user, self.projection())

    def patch(self, request: Request, resource_id: str) -> Response:
        self.log_resource_id = resource_id
        user = scim_user_patch(
            user_id=resource_id,
            body=self.body(),
            base_url=self.base_url,
            actor=token_actor(self.token),
            if_match=self.if_match(),
        )
        return self.document(user, self.projection())

    def delete(self, request: Request, resource_id: str) -> Response:
        self.log_resource_id = resource_id
        scim_user_delete(
            user_id=resource_id, actor=token_actor(self.token), if_match=self.if_match()
        )
        return self.respond(None, status=204)

    def document(self, user: User, projection: Projection) -> Response:
        document = projection.apply(user_document(user, base_url=self.base_url))
        return self.respond(document, headers={"ETag": etag(user.version)})
