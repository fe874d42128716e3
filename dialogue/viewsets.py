"""API: meetings, recommendations (with `version`/`If-Match` and progress updates) and
comments. Viewsets handle HTTP; dialogue.services decides."""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from coordination.cursor import SyncPagination
from coordination.drf import (
    IF_MATCH_PARAMETER,
    PRECONDITION_RESPONSES,
    AuthorityFirstMixin,
    PreconditionFailedError,
    error_responses,
    if_match_version,
)
from coordination.exceptions import PermissionDenied
from coordination.idempotency import IdempotentWritesMixin
from coordination.permissions import VisibleToUserMixin, require_coordinator

from . import services
from .filters import CommentFilter, MeetingFilter, RecommendationFilter
from .models import (
    Comment,
    Meeting,
    Participation,
    Recommendation,
    RecommendationUpdate,
)
from .serializers import (
    AttendanceSerializer,
    CommentSerializer,
    HideCommentSerializer,
    MeetingSerializer,
    RecommendationSerializer,
    RecommendationUpdateSerializer,
)

READ_ERRORS = error_responses(400, 401, 429)
ONE_ERRORS = error_responses(401, 404, 429)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 422, 429)

PARTICIPATIONS = Participation.objects.select_related("organisation").order_by(
    "organisation__name"
)


def _coordinator(user, obj=None) -> None:
    require_coordinator(user)


def _comment_author(user, comment: Comment) -> None:
    services.require_can_edit_comment(comment, actor=user)


def _comment_deleter(user, comment: Comment) -> None:
    services.require_can_delete_comment(comment, actor=user)


@extend_schema_view(
    list=extend_schema(
        summary="List meetings",
        description="Every signed-in user and token; ordered by `updated_at, id`.",
        responses={200: MeetingSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One meeting",
        responses={200: MeetingSerializer, **ONE_ERRORS},
    ),
    create=extend_schema(
        summary="Record a meeting or workshop",
        description="Coordinators. Participants and organiser by organisation id; a "
        "place or an online link; with `invite: true` the participants' members (and "
        "the observers of participating public bodies) are notified with a link to "
        "the meeting's iCalendar file (`ics_url`).",
        responses={201: MeetingSerializer, **WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Edit a meeting (details, minutes, participants)",
        description="Coordinators.",
        responses={200: MeetingSerializer, **WRITE_ERRORS},
    ),
)
class MeetingViewSet(
    AuthorityFirstMixin,
    IdempotentWritesMixin,
    VisibleToUserMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Coordination meetings and workshops, shared with everyone signed in."""

    queryset = Meeting.objects.prefetch_related(
        Prefetch("participations", queryset=PARTICIPATIONS)
    ).order_by("updated_at", "id")
    serializer_class = MeetingSerializer
    filterset_class = MeetingFilter
    authority = {
        "create": _coordinator,
        "partial_update": _coordinator,
        "invite": _coordinator,
        "attendance": _coordinator,
    }
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def update(self, request, *args, **kwargs):
        kwargs["partial"] = True  # PATCH only: no PUT
        return super().update(request, *args, **kwargs)

    def perform_create(self, serializer):
        meeting = services.create_meeting(
            actor=self.request.user, **serializer.validated_data
        )
        serializer.instance = self.queryset.get(pk=meeting.pk)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("invite", None)  # only on creation: later, POST invite/
        meeting = services.update_meeting(
            serializer.instance, actor=self.request.user, **data
        )
        serializer.instance = self.queryset.get(pk=meeting.pk)

    @extend_schema(
        summary="Invite the participants",
        description="Coordinators: notifies the participating organisations not yet "
        "invited (in-app and by e-mail, with the iCalendar link); 409 when every "
        "participant has been invited.",
        request=None,
        responses={200: MeetingSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def invite(self, request, pk=None):
        meeting = self.get_object()
        services.invite_participants(meeting, actor=request.user)
        return Response(self.get_serializer(self.queryset.get(pk=meeting.pk)).data)

    @extend_schema(
        summary="Record attendance",
        description="Coordinators: the participating organisations present; the "
        "others are recorded absent.",
        request=AttendanceSerializer,
        responses={200: MeetingSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def attendance(self, request, pk=None):
        meeting = self.get_object()
        body = AttendanceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.record_attendance(
            meeting, actor=request.user, present=body.validated_data["present"]
        )
        return Response(self.get_serializer(self.queryset.get(pk=meeting.pk)).data)


@extend_schema_view(
    list=extend_schema(
        summary="List recommendations",
        description="Every signed-in user and token; filter by theme, dimension, "
        "addressee, owner, status (repeatable), overdue, meeting; ordered by "
        "`updated_at, id`.",
        responses={200: RecommendationSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One recommendation, with its progress updates",
        description="The `ETag` header carries its version.",
        responses={200: RecommendationSerializer, **ONE_ERRORS},
    ),
    create=extend_schema(
        summary="Record a recommendation",
        description="Coordinators. Addressees and owner by organisation id; the due "
        "date cannot be before the meeting. The owner and addressees are notified.",
        responses={201: RecommendationSerializer, **WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Edit a recommendation or change its status",
        description='Requires `If-Match: "<version>"` (428 without it, 412 when someone '
        "saved a newer version first). Coordinators edit every field; the owner and "
        "the addressees (observers of an addressed public body included) may change "
        "only `status`, along proposed → adopted → in_progress → implemented, or "
        "dropped (409 otherwise).",
        parameters=[IF_MATCH_PARAMETER],
        responses={
            200: RecommendationSerializer,
            **PRECONDITION_RESPONSES,
            **WRITE_ERRORS,
        },
    ),
)
class RecommendationViewSet(
    AuthorityFirstMixin,
    IdempotentWritesMixin,
    VisibleToUserMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Recommendations and their follow-up; status changes keep a dated history."""

    queryset = (
        Recommendation.objects.select_related("owner_user")
        .prefetch_related(
            "addressed_to",
            Prefetch(
                "updates",
                queryset=RecommendationUpdate.objects.select_related("author"),
            ),
        )
        .order_by("updated_at", "id")
    )
    serializer_class = RecommendationSerializer
    filterset_class = RecommendationFilter
    pagination_class = SyncPagination  # `?sync=1` / `?cursor=` walks
    # 403 before If-Match's 428: those who may not update learn it first.
    authority = {
        "create": _coordinator,
        "partial_update": services.require_follow_up,
        "updates": services.require_follow_up,
    }
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = f'"{response.data["version"]}"'
        return response

    def update(self, request, *args, **kwargs):
        kwargs["partial"] = True  # PATCH only: no PUT
        self.get_object()  # invisible: 404, then `authority`'s 403, then 428
        self.if_match = if_match_version(request)
        response = super().update(request, *args, **kwargs)
        response["ETag"] = f'"{response.data["version"]}"'
        return response

    def perform_create(self, serializer):
        recommendation = services.create_recommendation(
            actor=self.request.user, **serializer.validated_data
        )
        serializer.instance = self.queryset.get(pk=recommendation.pk)

    def perform_update(self, serializer):
        data = serializer.validated_data
        user = self.request.user
        try:
            if user.is_coordinator:
                recommendation = services.update_recommendation(
                    serializer.instance, actor=user, version=self.if_match, **data
                )
            else:
                if set(data) - {"status"}:
                    raise PermissionDenied(
                        _(
                            "Only a coordinator may edit a recommendation; you may "
                            "change its status."
                        )
                    )
                if "status" not in data:
                    raise exceptions.ValidationError(
                        {"status": [_("Give the new status.")]}
                    )
                recommendation = services.change_recommendation_status(
                    serializer.instance,
                    actor=user,
                    status=data["status"],
                    version=self.if_match,
                )
        except services.PreconditionFailed as stale:
            raise PreconditionFailedError(str(stale.message)) from None
        serializer.instance = self.queryset.get(pk=recommendation.pk)

    @extend_schema(
        methods=["get"],
        summary="A recommendation's progress updates",
        responses={200: RecommendationUpdateSerializer(many=True), **ONE_ERRORS},
    )
    @extend_schema(
        methods=["post"],
        summary="Report progress",
        description="Coordinators, the owner and the addressees: a dated note, "
        "optionally with a new `status` (allowed transitions only, 409 otherwise).",
        request=RecommendationUpdateSerializer,
        responses={201: RecommendationUpdateSerializer, **WRITE_ERRORS},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        serializer_class=RecommendationUpdateSerializer,
        filterset_class=None,
        pagination_class=None,
    )
    def updates(self, request, pk=None):
        recommendation = self.get_object()
        if request.method == "GET":
            rows = RecommendationUpdate.objects.filter(
                recommendation=recommendation
            ).select_related("author")
            return Response(RecommendationUpdateSerializer(rows, many=True).data)
        body = RecommendationUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        update = services.add_progress_update(
            recommendation,
            actor=request.user,
            text=body.validated_data.get("text", ""),
            status=body.validated_data.get("status"),
        )
        return Response(
            RecommendationUpdateSerializer(update).data, status=status.HTTP_201_CREATED
        )


@extend_schema_view(
    list=extend_schema(
        summary="List comments",
        description="A thread: `?emergency=`, `?meeting=` or `?recommendation=` (ids); "
        "oldest first within `updated_at, id` order. Deleted comments keep their "
        "place with an empty `body`; hidden ones too (coordinators still read them).",
        responses={200: CommentSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One comment",
        responses={200: CommentSerializer, **ONE_ERRORS},
    ),
    create=extend_schema(
        summary="Comment",
        description="Members, observers and coordinators, on exactly one emergency, "
        "meeting or recommendation they can see (404 otherwise). At most 4,000 "
        "characters. Mention people with @ and their e-mail address "
        "(`@leila@example.org`): those who can see the thread are notified.",
        responses={201: CommentSerializer, **WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Edit one's own comment",
        description="Only `body` changes; the previous text stays in the audit trail.",
        responses={200: CommentSerializer, **WRITE_ERRORS},
    ),
    destroy=extend_schema(
        summary="Delete one's own comment",
        description="The comment stays in the thread, marked deleted, without its text.",
        responses={204: None, **error_responses(401, 403, 404, 409, 429)},
    ),
)
class CommentViewSet(
    AuthorityFirstMixin,
    IdempotentWritesMixin,
    VisibleToUserMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Discussion threads on emergencies, meetings and recommendations."""

    queryset = Comment.objects.select_related("author").order_by("updated_at", "id")
    serializer_class = CommentSerializer
    filterset_class = CommentFilter
    authority = {
        "create": services.require_can_comment,
        "partial_update": _comment_author,
        "destroy": _comment_deleter,
        "hide": _coordinator,
    }
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return super().update(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = serializer.validated_data
        name = next(n for n in Comment.TARGETS if data.get(f"{n}_id") is not None)
        model = Comment.target_model(name)
        target = get_object_or_404(
            model.objects.visible_to(self.request.user), pk=data[f"{name}_id"]
        )
        comment = services.post_comment(
            target, actor=self.request.user, body=data["body"]
        )
        serializer.instance = self.queryset.get(pk=comment.pk)

    def perform_update(self, serializer):
        if "body" not in serializer.validated_data:
            raise exceptions.ValidationError({"body": [_("Give the new text.")]})
        comment = services.edit_comment(
            serializer.instance,
            actor=self.request.user,
            body=serializer.validated_data["body"],
        )
        serializer.instance = self.queryset.get(pk=comment.pk)

    def perform_destroy(self, instance):
        services.delete_comment(instance, actor=self.request.user)

    @extend_schema(
        summary="Hide a comment (moderation)",
        description="Coordinators, with a reason everyone sees.",
        request=HideCommentSerializer,
        responses={200: CommentSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def hide(self, request, pk=None):
        comment = self.get_object()
        body = HideCommentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        comment = services.hide_comment(
            comment, actor=request.user, reason=body.validated_data["reason"]
        )
        return Response(self.get_serializer(self.queryset.get(pk=comment.pk)).data)
