from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import validated_query
from notifications.models import Notification
from notifications.selectors import access_notification, notification_list
from notifications.services import notification_mark_read, notifications_mark_all_read

from .serializers import NotificationSerializer


class NotificationListParams(serializers.Serializer):
    unread = serializers.BooleanField(required=False, default=False, help_text="true: unread only")


@extend_schema_view(list=extend_schema(parameters=[NotificationListParams]))
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """My notifications, newest first (`?unread=true` for unread only)."""

    serializer_class = NotificationSerializer
    lookup_value_converter = "int"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Notification.objects.none()
        params = validated_query(NotificationListParams, self.request)
        return notification_list(user=self.request.user, unread_only=params["unread"])

    def get_object(self):
        return access_notification(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = notification_mark_read(notification=self.get_object())
        return Response(NotificationSerializer(notification).data)

    @extend_schema(request=None, responses={200: {"type": "object", "properties": {"marked": {"type": "integer"}}}})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked": notifications_mark_all_read(user=request.user)})
