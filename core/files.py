"""Serving a private upload (core.storage) to someone a view has already checked."""

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404


def private_file_response(field_file: FieldFile, *, filename: str, content_type: str) -> FileResponse:
    """An attachment download of `field_file`; call it only after an access_<entity> selector.

    Always a download (never rendered inline, so an uploaded HTML or SVG file cannot run as a
    page of ours), with the declared content type and no sniffing; the security headers
    middleware marks it no-store like every attachment.
    """
    if not field_file:
        raise Http404("The file is no longer kept.")
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is no longer kept.") from None
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
