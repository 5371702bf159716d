"""Uploaded files are private: the default storage keeps them under MEDIA_ROOT and has no URL.

Nothing serves MEDIA_ROOT (there is no /media/ route in any environment, and whitenoise
serves only static files), so a file reaches a browser only through a view that checked who
is asking (core.files.private_file_response). Asking this storage for a URL is a bug, and
raises instead of handing out a link that would either 404 or, worse, bypass the check.
"""

from django.core.files.storage import FileSystemStorage


class PrivateFileSystemStorage(FileSystemStorage):
    def url(self, name):
        raise ValueError(
            f"{name!r} is a private upload and has no URL; serve it through an access-checked view "
            "(core.files.private_file_response)."
        )
