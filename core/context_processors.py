from django.conf import settings


def site(request):
    return {"SITE_NAME": "Bazaar", "DEBUG": settings.DEBUG}
