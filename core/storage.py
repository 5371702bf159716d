"""Uploaded files are private: the default storage keeps them under MEDIA_ROOT and has no URL.

Nothing serves MEDIA_ROOT (there is no /media/ route in any environment, and whitenoise
serves only static files), so a file reaches a browser only through a view that checked who
is asking (core.files.private_file_response). Asking this storage for a URL is a bug, and
raises instead of handing out a link that would either 404 or, worse, bypass the check.
"""

from django.core.files.storage import FileSystemStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


class PrivateFileSystemStorage(FileSystemStorage):
    def url(self, name):
        raise ValueError(
            f"{name!r} is a private upload and has no URL; serve it through an access-checked view "
            "(core.files.private_file_response)."
        )


class CachedManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Production's static files storage, remembering each path's hashed URL.

    The manifest does not change while a process runs (collectstatic runs before it starts), and
    every page's layout asks for the same stylesheets and scripts: looking the name up and joining
    the URL again on each `{% static %}` was a measurable part of rendering a short page
    (docs/decisions/0032). A name missing from the manifest raises as before and is not cached.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force=True)
        try:
            return self._urls[name]
        except KeyError:
            url = self._urls[name] = super().url(name)
            return url
