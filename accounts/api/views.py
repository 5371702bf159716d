from rest_framework.generics import RetrieveAPIView

from accounts.models import User

from .serializers import MeSerializer


class MeView(RetrieveAPIView):
    serializer_class = MeSerializer

    def get_object(self):
        return User.objects.select_related("reputation").get(pk=self.request.user.pk)
