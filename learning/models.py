"""Learning content (workspaces, resources, pathways), shares, and each person's progress.

A group share is one row for the group, never one row per member: who receives it is read
from `accounts.Membership` at query time (learning.selectors), so joiners receive it and
leavers lose it at once, and their Progress rows stay.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from learning import content, limits


class Workspace(models.Model):
    """A collection of resources and the unit of access: open to everyone, or private."""

    class Visibility(models.TextChoices):
        OPEN = "open", "Open to everyone"
        PRIVATE = "private", "Private"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=limits.TITLE_MAX)
    description = models.TextField(max_length=limits.DESCRIPTION_MAX, blank=True, default="")
    visibility = models.CharField(max_length=8, choices=Visibility.choices, default=Visibility.OPEN)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class WorkspaceAccess(models.Model):
    """One group or one person given a private workspace."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="access")
    group = models.ForeignKey(
        "accounts.Group", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(group__isnull=True) ^ Q(user__isnull=True),
                name="workspace_access_one_recipient",
            ),
            models.UniqueConstraint(fields=["workspace", "group"], name="workspace_access_group"),
            models.UniqueConstraint(fields=["workspace", "user"], name="workspace_access_user"),
        ]
        indexes = [
            models.Index(fields=["group"], name="workspace_access_group_idx"),
            models.Index(fields=["user"], name="workspace_access_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.workspace_id} to {self.group_id or self.user_id}"


class Theme(models.Model):
    """A named section of a workspace; it orders the workspace's resources."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="themes")
    name = models.CharField(max_length=limits.TITLE_MAX)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Resource(models.Model):
    """One lesson in one workspace: ordered elements, a draft until published."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="resources")
    theme = models.ForeignKey(
        Theme, null=True, blank=True, on_delete=models.SET_NULL, related_name="resources"
    )
    title = models.CharField(max_length=limits.TITLE_MAX)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    position = models.PositiveIntegerField(default=0)
    # The quiz (at most one quiz element per resource): pass mark and whether retries are allowed.
    pass_mark = models.PositiveSmallIntegerField(default=80)
    retries_allowed = models.BooleanField(default=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "title", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(pass_mark__lte=100), name="resource_pass_mark"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Element(models.Model):
    """One block of a resource's page, in order."""

    class Kind(models.TextChoices):
        TEXT = "text", "Text"
        VIDEO = "video", "Video"
        LINK = "link", "Link"
        QUIZ = "quiz", "Quiz"

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="elements")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # text: the Markdown as written, and its HTML rendered and sanitised when saved.
    markdown = models.TextField(blank=True, default="")
    html = models.TextField(blank=True, default="")
    # video: the embed or MP4 address (normalised by learning.content); link: the address.
    url = models.CharField(max_length=limits.URL_MAX, blank=True, default="")
    label = models.CharField(max_length=limits.TITLE_MAX, blank=True, default="")

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["resource"], condition=Q(kind="quiz"), name="element_one_quiz"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} element {self.position} of {self.resource_id}"

    @property
    def is_embed(self) -> bool:
        """A YouTube or Vimeo player (framed), rather than an MP4 file (a <video>)."""
        return self.kind == self.Kind.VIDEO and self.url.startswith(content.FRAME_HOSTS)


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", "Single choice"
        MULTIPLE = "multiple", "Multiple choice"

    element = models.ForeignKey(Element, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField(default=0)
    text = models.CharField(max_length=limits.QUESTION_TEXT_MAX)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.SINGLE)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class Option(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveIntegerField(default=0)
    text = models.CharField(max_length=limits.OPTION_TEXT_MAX)
    correct = models.BooleanField(default=False)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class Pathway(models.Model):
    """An ordered list of published resources, from any workspaces."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=limits.TITLE_MAX)
    description = models.TextField(max_length=limits.DESCRIPTION_MAX, blank=True, default="")
    enforce_order = models.BooleanField(default=False)
    lock_until_passed = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class PathwayStep(models.Model):
    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="steps")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["pathway", "resource"], name="pathway_step_unique"),
        ]
        indexes = [models.Index(fields=["resource"], name="pathway_step_resource_idx")]

    def __str__(self) -> str:
        return f"{self.pathway_id} step {self.position}: {self.resource_id}"


class Share(models.Model):
    """A resource or a pathway given to one group or one person, with an optional due date.

    The due date is fixed (`due_date`) or `due_days` after the person received it: the
    share's creation, or their joining the group if later.
    """

    class Due(models.TextChoices):
        NONE = "none", "No due date"
        FIXED = "fixed", "On a date"
        AFTER = "after", "Days after receipt"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    resource = models.ForeignKey(
        Resource, null=True, blank=True, on_delete=models.CASCADE, related_name="shares"
    )
    pathway = models.ForeignKey(
        Pathway, null=True, blank=True, on_delete=models.CASCADE, related_name="shares"
    )
    group = models.ForeignKey(
        "accounts.Group", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    due = models.CharField(max_length=8, choices=Due.choices, default=Due.NONE)
    due_date = models.DateField(null=True, blank=True)
    due_days = models.PositiveIntegerField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(resource__isnull=True) ^ Q(pathway__isnull=True),
                name="share_one_target",
            ),
            models.CheckConstraint(
                condition=Q(group__isnull=True) ^ Q(user__isnull=True),
                name="share_one_recipient",
            ),
            models.CheckConstraint(
                condition=(
                    Q(due="none", due_date__isnull=True, due_days__isnull=True)
                    | Q(due="fixed", due_date__isnull=False, due_days__isnull=True)
                    | Q(due="after", due_date__isnull=True, due_days__isnull=False)
                ),
                name="share_due_consistent",
            ),
            models.UniqueConstraint(fields=["resource", "group"], name="share_resource_group"),
            models.UniqueConstraint(fields=["resource", "user"], name="share_resource_user"),
            models.UniqueConstraint(fields=["pathway", "group"], name="share_pathway_group"),
            models.UniqueConstraint(fields=["pathway", "user"], name="share_pathway_user"),
        ]
        indexes = [
            models.Index(fields=["group"], name="share_group_idx"),
            models.Index(fields=["user"], name="share_user_idx"),
        ]

    def __str__(self) -> str:
        target = self.resource_id or self.pathway_id
        return f"{target} shared with {self.group_id or self.user_id}"


class Progress(models.Model):
    """One person's progress on one resource. A pathway's progress is derived from these."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="progress")
    opened_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # The first passed quiz attempt; "lock until passed" pathways count only this.
    passed_at = models.DateTimeField(null=True, blank=True)
    best_score = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "resource"], name="progress_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.resource_id}"


class QuizAttempt(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    resource = models.ForeignKey(
        Resource, on_delete=models.CASCADE, related_name="attempts", db_index=False
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    score = models.PositiveSmallIntegerField()  # percent of questions answered right
    passed = models.BooleanField()
    answers = models.JSONField(default=dict)  # question id -> chosen option ids, as graded

    class Meta:
        ordering = ["submitted_at", "id"]
        indexes = [models.Index(fields=["resource", "user"], name="quiz_attempt_resource_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} scored {self.score} on {self.resource_id}"


class Enrolment(models.Model):
    """A person who worked on a shared resource or pathway while it reached them: written at
    their first progress on it (never at sharing time), so that a report keeps their
    completion after they leave the group or the share ends."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    resource = models.ForeignKey(
        Resource, null=True, blank=True, on_delete=models.CASCADE, related_name="enrolments"
    )
    pathway = models.ForeignKey(
        Pathway, null=True, blank=True, on_delete=models.CASCADE, related_name="enrolments"
    )
    received = models.DateTimeField()
    due = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(resource__isnull=True) ^ Q(pathway__isnull=True),
                name="enrolment_one_target",
            ),
            models.UniqueConstraint(fields=["user", "resource"], name="enrolment_user_resource"),
            models.UniqueConstraint(fields=["user", "pathway"], name="enrolment_user_pathway"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} enrolled on {self.resource_id or self.pathway_id}"
