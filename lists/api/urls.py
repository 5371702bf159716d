from rest_framework.routers import SimpleRouter

from .views import HaveItemViewSet, WantItemViewSet

router = SimpleRouter()
router.register("haves", HaveItemViewSet, basename="api-haves")
router.register("wants", WantItemViewSet, basename="api-wants")

urlpatterns = router.urls
