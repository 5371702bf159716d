from rest_framework.routers import SimpleRouter

from .views import NotificationViewSet

router = SimpleRouter(use_regex_path=False)  # path converters: ids are <int:pk>
router.register("notifications", NotificationViewSet, basename="notification")
urlpatterns = router.urls
