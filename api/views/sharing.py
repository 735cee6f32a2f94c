"""Shares (admins only): give a resource or a pathway to a group or a person, with a due
date; a group share is one row, and its members receive it through their membership."""

import uuid

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from api import serializers as s
from api.permissions import IsAdmin
from api.views.base import ApiView
from api.views.lookups import named_recipient, named_target, share_get, uuid_param
from learning import services
from learning.models import Share

ERRORS = {code: s.ErrorSerializer for code in (400, 401, 403, 404)}


class SharesView(ApiView):
    permission_classes = [IsAdmin]

    @extend_schema(
        parameters=[
            OpenApiParameter("resource", uuid.UUID, description="Only this resource's shares"),
            OpenApiParameter("pathway", uuid.UUID, description="Only this pathway's shares"),
        ],
        responses={200: s.ShareSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        shares = Share.objects.all()
        resource_id = uuid_param(request.query_params.get("resource"), "resource")
        pathway_id = uuid_param(request.query_params.get("pathway"), "pathway")
        if resource_id is not None:
            shares = shares.filter(resource_id=resource_id)
        if pathway_id is not None:
            shares = shares.filter(pathway_id=pathway_id)
        return self.paged(shares.order_by("created", "id"),
                          lambda page: s.ShareSerializer(page, many=True).data)  # fmt: skip

    @extend_schema(request=s.ShareCreateSerializer, responses={201: s.ShareSerializer, **ERRORS})
    def post(self, request: Request) -> Response:
        """Share; sharing the same item with the same recipient again replaces its due date."""
        body = s.ShareCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        target = named_target(data["resource"], data["pathway"])
        group, person = named_recipient(data["group"], data["user"])
        share = services.share_create(
            target=target,
            group=group,
            user=person,
            due=data["due"],
            due_date=data["due_date"],
            due_days=data["due_days"],
        )
        share.refresh_from_db()
        return Response(s.ShareSerializer(share).data, status=201)


class ShareView(ApiView):
    permission_classes = [IsAdmin]

    @extend_schema(responses={200: s.ShareSerializer, **ERRORS})
    def get(self, request: Request, share_id: uuid.UUID) -> Response:
        return Response(s.ShareSerializer(share_get(share_id)).data)

    @extend_schema(responses={204: None, **ERRORS})
    def delete(self, request: Request, share_id: uuid.UUID) -> Response:
        """Unshare: recipients lose the item at once; their progress is kept."""
        services.share_delete(share=share_get(share_id))
        return Response(status=204)
