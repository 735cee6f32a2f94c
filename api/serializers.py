"""What the API sends and accepts. Output serializers read learning's models; whether a
person may see a row was decided before (learning.selectors), never here. Quiz options
carry `correct` for admins only: learners learn it only from their graded attempt."""

from typing import Any

from rest_framework import serializers

from learning import limits
from learning.models import Element, Question, Resource, Share, Workspace


class WorkspaceSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    description = serializers.CharField()
    visibility = serializers.ChoiceField(choices=Workspace.Visibility.choices)
    created = serializers.DateTimeField()


class WorkspaceWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=limits.TITLE_MAX)
    description = serializers.CharField(
        max_length=limits.DESCRIPTION_MAX, required=False, allow_blank=True, default=""
    )
    visibility = serializers.ChoiceField(
        choices=Workspace.Visibility.choices, default=Workspace.Visibility.OPEN
    )


class ResourceSummarySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    workspace_id = serializers.UUIDField()
    theme = serializers.CharField(source="theme.name", allow_null=True, default=None)
    status = serializers.ChoiceField(choices=Resource.Status.choices)
    has_quiz = serializers.BooleanField(default=False)
    pass_mark = serializers.IntegerField()
    retries_allowed = serializers.BooleanField()
    published_at = serializers.DateTimeField(allow_null=True)
    updated = serializers.DateTimeField()


class OptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    correct = serializers.BooleanField(
        required=False, help_text="Admins only: learners never receive which options are right."
    )


class QuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    kind = serializers.ChoiceField(choices=Question.Kind.choices)
    options = OptionSerializer(many=True)


class ElementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Element.Kind.choices)
    markdown = serializers.CharField(required=False, help_text="text: the source as written")
    html = serializers.CharField(required=False, help_text="text: rendered and sanitised")
    url = serializers.CharField(required=False, help_text="video and link: the address")
    label = serializers.CharField(required=False, help_text="link: its text")
    questions = QuestionSerializer(many=True, required=False, help_text="quiz: its questions")


class ResourceDetailSerializer(ResourceSummarySerializer):
    elements = ElementSerializer(many=True)


def element_data(element: Element, *, with_answers: bool) -> dict[str, Any]:
    data: dict[str, Any] = {"id": element.pk, "position": element.position, "kind": element.kind}
    if element.kind == Element.Kind.TEXT:
        data |= {"markdown": element.markdown, "html": element.html}
    elif element.kind == Element.Kind.VIDEO:
        data["url"] = element.url
    elif element.kind == Element.Kind.LINK:
        data |= {"url": element.url, "label": element.label}
    elif element.kind == Element.Kind.QUIZ:
        data["questions"] = [
            {
                "id": q.pk,
                "text": q.text,
                "kind": q.kind,
                "options": [
                    {"id": o.pk, "text": o.text, **({"correct": o.correct} if with_answers else {})}
                    for o in q.options.all()
                ],
            }
            for q in element.questions.all()
        ]
    return data


def resource_summary(resource: Resource) -> dict[str, Any]:
    return {
        "id": resource.pk,
        "title": resource.title,
        "workspace_id": resource.workspace_id,
        "theme": resource.theme.name if resource.theme_id and resource.theme else None,
        "status": resource.status,
        "has_quiz": bool(getattr(resource, "has_quiz", False)),
        "pass_mark": resource.pass_mark,
        "retries_allowed": resource.retries_allowed,
        "published_at": resource.published_at,
        "updated": resource.updated,
    }


def resource_detail(resource: Resource, *, with_answers: bool) -> dict[str, Any]:
    elements = resource.elements.prefetch_related("questions__options")
    return resource_summary(resource) | {
        "elements": [element_data(e, with_answers=with_answers) for e in elements]
    }


class ResourceCreateSerializer(serializers.Serializer):
    workspace = serializers.UUIDField()
    title = serializers.CharField(max_length=limits.TITLE_MAX)


class ResourceUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=limits.TITLE_MAX, required=False)
    pass_mark = serializers.IntegerField(min_value=0, max_value=100, required=False)
    retries_allowed = serializers.BooleanField(required=False)
    status = serializers.ChoiceField(
        choices=Resource.Status.choices, required=False, help_text="publish or back to draft"
    )


class ElementCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Element.Kind.choices)
    markdown = serializers.CharField(
        max_length=limits.MARKDOWN_MAX, required=False, allow_blank=True, default=""
    )
    url = serializers.CharField(
        max_length=limits.URL_MAX, required=False, allow_blank=True, default=""
    )
    label = serializers.CharField(
        max_length=limits.TITLE_MAX, required=False, allow_blank=True, default=""
    )


class OptionWriteSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=limits.OPTION_TEXT_MAX)
    correct = serializers.BooleanField(default=False)


class QuestionCreateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=limits.QUESTION_TEXT_MAX)
    kind = serializers.ChoiceField(choices=Question.Kind.choices)
    options = OptionWriteSerializer(many=True, max_length=limits.OPTIONS_PER_QUESTION_MAX)


# --- pathways ---


class PathwayWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=limits.TITLE_MAX)
    description = serializers.CharField(
        max_length=limits.DESCRIPTION_MAX, required=False, allow_blank=True, default=""
    )
    enforce_order = serializers.BooleanField(default=False)
    lock_until_passed = serializers.BooleanField(default=False)


class PathwayStepWriteSerializer(serializers.Serializer):
    resource = serializers.UUIDField()


class PathwayStepSerializer(serializers.Serializer):
    resource = ResourceSummarySerializer()
    state = serializers.ChoiceField(
        choices=["locked", "open", "completed", "passed"], required=False,
        help_text="For the caller: locked, open, completed or passed.",
    )  # fmt: skip
    done = serializers.BooleanField(required=False)


class PathwaySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    description = serializers.CharField()
    enforce_order = serializers.BooleanField()
    lock_until_passed = serializers.BooleanField()
    created = serializers.DateTimeField()


class PathwayDetailSerializer(PathwaySerializer):
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField()
    steps = PathwayStepSerializer(many=True)


# --- shares ---


class ShareSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    resource = serializers.UUIDField(source="resource_id", allow_null=True)
    pathway = serializers.UUIDField(source="pathway_id", allow_null=True)
    group = serializers.UUIDField(source="group_id", allow_null=True)
    user = serializers.UUIDField(source="user_id", allow_null=True)
    due = serializers.ChoiceField(choices=Share.Due.choices)
    due_date = serializers.DateField(allow_null=True)
    due_days = serializers.IntegerField(allow_null=True)
    created = serializers.DateTimeField()


class ShareCreateSerializer(serializers.Serializer):
    resource = serializers.UUIDField(required=False, allow_null=True, default=None)
    pathway = serializers.UUIDField(required=False, allow_null=True, default=None)
    group = serializers.UUIDField(required=False, allow_null=True, default=None)
    user = serializers.UUIDField(required=False, allow_null=True, default=None)
    due = serializers.ChoiceField(choices=Share.Due.choices, default=Share.Due.NONE)
    due_date = serializers.DateField(required=False, allow_null=True, default=None)
    due_days = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=limits.DUE_DAYS_MAX
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if (attrs["resource"] is None) == (attrs["pathway"] is None):
            raise serializers.ValidationError("Give one of resource or pathway.")
        if (attrs["group"] is None) == (attrs["user"] is None):
            raise serializers.ValidationError("Give one of group or user.")
        return attrs


# --- the caller's own learning ---


class LearningItemSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["resource", "pathway"])
    id = serializers.UUIDField()
    title = serializers.CharField()
    status = serializers.ChoiceField(
        choices=["overdue", "due_soon", "in_progress", "not_started", "completed"]
    )
    due = serializers.DateField(allow_null=True)
    received = serializers.DateTimeField()
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField()
    started = serializers.BooleanField()
    continue_resource_id = serializers.UUIDField(
        allow_null=True, help_text="Where to continue: the next open resource."
    )


class ProgressSerializer(serializers.Serializer):
    resource = serializers.UUIDField(source="resource_id")
    opened_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    passed_at = serializers.DateTimeField(allow_null=True)
    best_score = serializers.IntegerField(allow_null=True)


class ProgressWriteSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=["open", "complete"],
        help_text="open: note that you opened it; complete: mark a resource without a quiz "
        "as complete (a quiz completes by its attempts).",
    )


class QuizAnswersSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.ListField(
            child=serializers.CharField(max_length=40),
            max_length=limits.OPTIONS_PER_QUESTION_MAX,
        ),
        help_text="Question id → the ids of the options chosen.",
    )

    def validate_answers(self, value: dict[str, Any]) -> dict[str, Any]:
        if len(value) > limits.QUESTIONS_PER_QUIZ_MAX:
            raise serializers.ValidationError(f"At most {limits.QUESTIONS_PER_QUIZ_MAX} answers.")
        if any(len(key) > 40 for key in value):
            raise serializers.ValidationError("A question id is at most 40 characters.")
        return value


class QuizResultSerializer(serializers.Serializer):
    score = serializers.IntegerField(help_text="Percent of questions answered right.")
    passed = serializers.BooleanField()
    pass_mark = serializers.IntegerField()
    right = serializers.DictField(child=serializers.BooleanField(),
                                  help_text="Question id → answered right.")  # fmt: skip
    attempts = serializers.IntegerField()
    can_retry = serializers.BooleanField()


class QuizAttemptSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    submitted_at = serializers.DateTimeField()
    score = serializers.IntegerField()
    passed = serializers.BooleanField()


# --- reports ---


class ReportRowSerializer(serializers.Serializer):
    user = serializers.UUIDField(source="user_id")
    user_name = serializers.CharField()
    name = serializers.CharField()
    received = serializers.DateTimeField()
    due = serializers.DateField(allow_null=True)
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField(required=False)
    status = serializers.ChoiceField(
        choices=["completed", "overdue", "in_progress", "not_started", "left"],
        help_text="left: no longer in the audience; their progress is kept.",
    )
    completed_at = serializers.DateTimeField(
        allow_null=True, help_text="When the last resource was done, once all are."
    )


class ErrorSerializer(serializers.Serializer):
    status = serializers.IntegerField()
    message = serializers.CharField()
    errors = serializers.DictField(required=False)
