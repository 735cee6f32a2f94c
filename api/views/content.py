"""Workspaces, resources (with their elements and quiz questions) and pathways.

Members list and open what learning.selectors lets them see; admins see everything,
drafts included, and write through learning.services."""

import uuid
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from api import serializers as s
from api.permissions import IsAdmin, IsAdminToWrite
from api.views.base import ApiView
from api.views.lookups import element_of, pathway_for, resource_for, uuid_param, workspace_for
from learning import services
from learning.models import Pathway, Resource, Workspace
from learning.selectors import (
    pathway_view,
    pathways_visible,
    resources_visible,
    with_has_quiz,
    workspaces_visible,
)

ERRORS = {code: s.ErrorSerializer for code in (400, 401, 403, 404)}


def _workspace(w: Workspace) -> dict[str, Any]:
    return s.WorkspaceSerializer(w).data


class WorkspacesView(ApiView):
    permission_classes = [IsAdminToWrite]

    @extend_schema(responses={200: s.WorkspaceSerializer(many=True), **ERRORS})
    def get(self, request: Request) -> Response:
        user = request.user
        workspaces = Workspace.objects.all() if user.is_admin else workspaces_visible(user=user)
        return self.paged(
            workspaces.order_by("name", "id"), lambda page: [_workspace(w) for w in page]
        )

    @extend_schema(
        request=s.WorkspaceWriteSerializer, responses={201: s.WorkspaceSerializer, **ERRORS}
    )
    def post(self, request: Request) -> Response:
        body = s.WorkspaceWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        workspace = services.workspace_create(**body.validated_data)
        return Response(_workspace(workspace), status=201)


class WorkspaceView(ApiView):
    permission_classes = [IsAdminToWrite]

    @extend_schema(responses={200: s.WorkspaceSerializer, **ERRORS})
    def get(self, request: Request, workspace_id: uuid.UUID) -> Response:
        return Response(_workspace(workspace_for(request.user, workspace_id)))

    @extend_schema(
        request=s.WorkspaceWriteSerializer, responses={200: s.WorkspaceSerializer, **ERRORS}
    )
    def put(self, request: Request, workspace_id: uuid.UUID) -> Response:
        workspace = workspace_for(request.user, workspace_id)
        body = s.WorkspaceWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.workspace_update(workspace=workspace, **body.validated_data)
        return Response(_workspace(workspace))


# --- resources ---


def _resources_for(request: Request) -> QuerySet[Resource]:
    user = request.user
    if user.is_admin:
        resources = with_has_quiz(Resource.objects.all())
    else:
        resources = resources_visible(user=user)
    workspace_id = uuid_param(request.query_params.get("workspace"), "workspace")
    if workspace_id is not None:
        resources = resources.filter(workspace_id=workspace_id)
    return resources.select_related("theme").order_by("workspace_id", "position", "title", "id")


class ResourcesView(ApiView):
    permission_classes = [IsAdminToWrite]

    @extend_schema(
        parameters=[OpenApiParameter("workspace", uuid.UUID, description="Only this workspace's")],
        responses={200: s.ResourceSummarySerializer(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        return self.paged(
            _resources_for(request), lambda page: [s.resource_summary(r) for r in page]
        )

    @extend_schema(
        request=s.ResourceCreateSerializer, responses={201: s.ResourceDetailSerializer, **ERRORS}
    )
    def post(self, request: Request) -> Response:
        body = s.ResourceCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        workspace = Workspace.objects.filter(pk=body.validated_data["workspace"]).first()
        if workspace is None:
            raise ValidationError({"workspace": ["No such workspace."]})
        resource = services.resource_create(workspace=workspace, title=body.validated_data["title"])
        resource = resource_for(request.user, resource.pk)
        return Response(s.resource_detail(resource, with_answers=True), status=201)


class ResourceView(ApiView):
    permission_classes = [IsAdminToWrite]

    @extend_schema(responses={200: s.ResourceDetailSerializer, **ERRORS})
    def get(self, request: Request, resource_id: uuid.UUID) -> Response:
        resource = resource_for(request.user, resource_id)
        return Response(s.resource_detail(resource, with_answers=request.user.is_admin))

    @extend_schema(
        request=s.ResourceUpdateSerializer, responses={200: s.ResourceDetailSerializer, **ERRORS}
    )
    def patch(self, request: Request, resource_id: uuid.UUID) -> Response:
        resource = resource_for(request.user, resource_id)
        body = s.ResourceUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        services.resource_update(
            resource=resource,
            title=data.get("title", resource.title),
            pass_mark=data.get("pass_mark", resource.pass_mark),
            retries_allowed=data.get("retries_allowed", resource.retries_allowed),
            theme=resource.theme,
        )
        if data.get("status") == Resource.Status.PUBLISHED and not resource.is_published:
            services.resource_publish(resource=resource)
        elif data.get("status") == Resource.Status.DRAFT and resource.is_published:
            services.resource_unpublish(resource=resource)
        resource = resource_for(request.user, resource_id)
        return Response(s.resource_detail(resource, with_answers=True))


class ResourceElementsView(ApiView):
    permission_classes = [IsAdmin]

    @extend_schema(
        request=s.ElementCreateSerializer, responses={201: s.ElementSerializer, **ERRORS}
    )
    def post(self, request: Request, resource_id: uuid.UUID) -> Response:
        resource = resource_for(request.user, resource_id)
        body = s.ElementCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        element = services.element_add(resource=resource, **body.validated_data)
        return Response(s.element_data(element, with_answers=True), status=201)


class QuizQuestionsView(ApiView):
    permission_classes = [IsAdmin]

    @extend_schema(
        request=s.QuestionCreateSerializer, responses={201: s.ElementSerializer, **ERRORS}
    )
    def post(self, request: Request, resource_id: uuid.UUID, element_id: int) -> Response:
        element = element_of(resource_for(request.user, resource_id), element_id)
        body = s.QuestionCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        services.question_add(
            element=element,
            text=data["text"],
            kind=data["kind"],
            options=[(o["text"], o["correct"]) for o in data["options"]],
        )
        return Response(s.element_data(element, with_answers=True), status=201)


# --- pathways ---


def _pathway_detail(user: Any, pathway: Pathway) -> dict[str, Any]:
    view = pathway_view(user=user, pathway=pathway)
    return s.PathwaySerializer(pathway).data | {
        "done": view.done,
        "total": view.total,
        "percent": view.percent,
        "steps": [
            {"resource": s.resource_summary(step.resource), "state": step.state, "done": step.done}
            for step in view.steps
        ],
    }


class PathwaysView(ApiView):
    permission_classes = [IsAdminToWrite]

    @extend_schema(responses={200: s.PathwaySerializer(many=True), **ERRORS})
    def get(self, request: Request) -> Response:
        user = request.user
        pathways = Pathway.objects.all() if user.is_admin else pathways_visible(user=user)
        return self.paged(
            pathways.order_by("name", "id"), lambda page: s.PathwaySerializer(page, many=True).data
        )

    @extend_schema(
        request=s.PathwayWriteSerializer, responses={201: s.PathwayDetailSerializer, **ERRORS}
    )
    def post(self, request: Request) -> Response:
        body = s.PathwayWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        pathway = services.pathway_create(**body.validated_data)
        return Response(_pathway_detail(request.user, pathway), status=201)


class PathwayView(ApiView):
    @extend_schema(responses={200: s.PathwayDetailSerializer, **ERRORS})
    def get(self, request: Request, pathway_id: uuid.UUID) -> Response:
        pathway = pathway_for(request.user, pathway_id)
        return Response(_pathway_detail(request.user, pathway))


class PathwayStepsView(ApiView):
    permission_classes = [IsAdmin]

    @extend_schema(
        request=s.PathwayStepWriteSerializer, responses={201: s.PathwayDetailSerializer, **ERRORS}
    )
    def post(self, request: Request, pathway_id: uuid.UUID) -> Response:
        pathway = pathway_for(request.user, pathway_id)
        body = s.PathwayStepWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        resource = Resource.objects.filter(pk=body.validated_data["resource"]).first()
        if resource is None:
            raise ValidationError({"resource": ["No such resource."]})
        services.pathway_step_add(pathway=pathway, resource=resource)
        return Response(_pathway_detail(request.user, pathway), status=201)
