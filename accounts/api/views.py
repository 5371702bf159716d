from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.generics import GenericAPIView, RetrieveAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.selectors import api_token_list
from accounts.services import api_token_create, api_token_revoke, reputation_get
from core.pagination import DefaultCursorPagination

from .serializers import ApiTokenCreatedSerializer, ApiTokenCreateSerializer, ApiTokenSerializer, MeSerializer


class MeView(RetrieveAPIView):
    """The signed-in user (session or token), with their reputation."""

    serializer_class = MeSerializer

    def get_object(self):
        reputation_get(user=self.request.user)  # users made outside signup get their row here
        return User.objects.select_related("reputation").get(pk=self.request.user.pk)


class ApiTokenPagination(DefaultCursorPagination):
    ordering = ("-created_at", "-pk")


class ApiTokenListView(GenericAPIView):
    """List and create API tokens. Session only: a token cannot mint more tokens."""

    authentication_classes = [SessionAuthentication]
    pagination_class = ApiTokenPagination
    serializer_class = ApiTokenSerializer

    def get_queryset(self):
        return api_token_list(user=self.request.user)

    @extend_schema(responses=ApiTokenSerializer(many=True))
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(ApiTokenSerializer(page, many=True).data)

    @extend_schema(request=ApiTokenCreateSerializer, responses={201: ApiTokenCreatedSerializer})
    def post(self, request):
        payload = ApiTokenCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        token, raw = api_token_create(user=request.user, **payload.validated_data)
        token.token = raw
        return Response(ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)


class ApiTokenDetailView(APIView):
    """Revoke one of your tokens (someone else's: 404)."""

    authentication_classes = [SessionAuthentication]

    @extend_schema(responses={204: None})
    def delete(self, request, token_id: int):
        api_token_revoke(user=request.user, token_id=token_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
