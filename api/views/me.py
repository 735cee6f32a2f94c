"""The caller's own learning: their list, their progress on a resource, and their quiz
attempts. Everything here is about `request.user` only; there is no id of a person to
guess. A resource they may not see is a 404, and a step that "enforce order" keeps closed is
a 403 that names what to complete first (api.views.lookups.learner_resource)."""

import uuid

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from api import serializers as s
from api.views.base import ApiView
from api.views.lookups import learner_resource
from learning import grading, services
from learning.models import Progress
from learning.selectors import learning_items

ERRORS = {code: s.ErrorSerializer for code in (400, 401, 403, 404)}


class MyLearningView(ApiView):
    @extend_schema(responses={200: s.LearningItemSerializer(many=True), **ERRORS})
    def get(self, request: Request) -> Response:
        """My learning: overdue, due soon, in progress, not started, then completed."""
        items = learning_items(user=request.user)
        return self.paged(items, lambda page: [
            s.LearningItemSerializer(item).data | {"percent": item.percent} for item in page
        ])  # fmt: skip


def _progress(progress: Progress | None, resource_id: uuid.UUID) -> dict:
    if progress is None:
        return {"resource": resource_id, "opened_at": None, "completed_at": None,
                "passed_at": None, "best_score": None}  # fmt: skip
    return s.ProgressSerializer(progress).data


class MyProgressView(ApiView):
    @extend_schema(responses={200: s.ProgressSerializer, **ERRORS})
    def get(self, request: Request, resource_id: uuid.UUID) -> Response:
        resource = learner_resource(request.user, resource_id)
        row = Progress.objects.filter(user=request.user, resource=resource).first()
        return Response(_progress(row, resource.pk))

    @extend_schema(
        request=s.ProgressWriteSerializer, responses={200: s.ProgressSerializer, **ERRORS}
    )
    def post(self, request: Request, resource_id: uuid.UUID) -> Response:
        """Mark the resource opened, or complete (resources without a quiz)."""
        resource = learner_resource(request.user, resource_id)
        body = s.ProgressWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if body.validated_data["action"] == "open":
            progress = services.progress_open(user=request.user, resource=resource)
        else:
            progress = services.progress_complete(
                user=request.user, resource=resource, has_quiz=resource.has_quiz
            )
        progress.refresh_from_db()
        return Response(_progress(progress, resource.pk))


class QuizAttemptsView(ApiView):
    @extend_schema(responses={200: s.QuizAttemptSerializer(many=True), **ERRORS})
    def get(self, request: Request, resource_id: uuid.UUID) -> Response:
        """My attempts at this resource's quiz, oldest first (never anyone else's)."""
        resource = learner_resource(request.user, resource_id)
        attempts = grading.attempts_of(user=request.user, resource=resource)
        return self.paged(attempts, lambda page: s.QuizAttemptSerializer(page, many=True).data)

    @extend_schema(
        request=s.QuizAnswersSerializer,
        responses={201: s.QuizResultSerializer, 409: s.ErrorSerializer, **ERRORS},
    )
    def post(self, request: Request, resource_id: uuid.UUID) -> Response:
        """Submit answers; the server grades them. Retries follow the resource's setting
        (409 when it allows none and the quiz was taken)."""
        learner_resource(request.user, resource_id)  # 404 or 403 before looking at the body
        body = s.QuizAnswersSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = grading.quiz_submit(
            user=request.user, resource_id=resource_id, answers=body.validated_data["answers"]
        )
        return Response(s.QuizResultSerializer(result).data, status=201)
