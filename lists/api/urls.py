from rest_framework.routers import SimpleRouter

from .imports import ListImportViewSet
from .views import HaveItemViewSet, WantItemViewSet

router = SimpleRouter(use_regex_path=False)  # path converters: ids are <int:pk>
router.register("haves", HaveItemViewSet, basename="api-haves")
router.register("wants", WantItemViewSet, basename="api-wants")
router.register("list-imports", ListImportViewSet, basename="api-list-imports")

urlpatterns = router.urls
