"""Dispute evidence images: checked by what the bytes are (not the name or the declared type),
capped in size and count, and re-encoded before they are kept (docs/decisions/0025).

Re-encoding keeps only pixels: camera metadata (a photo's GPS position, the device) never reaches
the other party, and a file that is an image and something else at once (a polyglot) leaves as
an image only.
"""

from dataclasses import dataclass
from io import BytesIO

from django.conf import settings
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from core.errors import DomainError, PayloadTooLarge

# Pillow format → (content type, file extension, save options).
ACCEPTED_FORMATS = {
    "JPEG": ("image/jpeg", "jpg", {"quality": 90}),
    "PNG": ("image/png", "png", {}),
    "WEBP": ("image/webp", "webp", {"quality": 90}),
}
ACCEPTED_LABEL = "JPEG, PNG or WebP"


@dataclass(frozen=True)
class CheckedImage:
    content: ContentFile
    original_filename: str
    content_type: str
    width: int
    height: int

    @property
    def size_bytes(self) -> int:
        return self.content.size


def _refuse(name: str, why: str) -> DomainError:
    return DomainError(f"{name}: {why}", field="evidence", code="invalid_evidence")


def check_evidence_image(upload) -> CheckedImage:
    """One uploaded file → a re-encoded image, or a DomainError naming the file and the reason."""
    name = (getattr(upload, "name", "") or "image")[-255:]
    limit = settings.DISPUTE_EVIDENCE_MAX_BYTES
    if upload.size > limit:
        raise PayloadTooLarge(f"{name}: an image may be at most {limit // (1024 * 1024)} MB.", field="evidence")
    if upload.size == 0:
        raise _refuse(name, "the file is empty.")
    upload.seek(0)
    try:
        with Image.open(upload) as probe:
            kind = probe.format
            if kind not in ACCEPTED_FORMATS:
                raise _refuse(name, f"not a {ACCEPTED_LABEL} image.")
            if probe.width * probe.height > settings.DISPUTE_EVIDENCE_MAX_PIXELS:
                raise _refuse(name, "the image has too many pixels.")
            probe.verify()  # structure and checksums, without decoding the pixels
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
            image = ImageOps.exif_transpose(image)  # keep the photo upright once its metadata is gone
            content_type, extension, options = ACCEPTED_FORMATS[kind]
            if kind == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            out = BytesIO()
            image.save(out, format=kind, **options)
            width, height = image.size
    except DomainError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError):
        raise _refuse(name, f"not a {ACCEPTED_LABEL} image.") from None
    except (OSError, SyntaxError, ValueError):  # truncated or corrupt data
        raise _refuse(name, "the image is damaged or incomplete.") from None
    stem = name.rsplit(".", 1)[0][:100] or "image"
    return CheckedImage(
        content=ContentFile(out.getvalue(), name=f"{stem}.{extension}"),
        original_filename=name,
        content_type=content_type,
        width=width,
        height=height,
    )


def check_evidence(uploads: list) -> list[CheckedImage]:
    """All or nothing: every file is checked before any is kept."""
    most = settings.DISPUTE_EVIDENCE_MAX_FILES
    if len(uploads) > most:
        raise DomainError(f"At most {most} images can be attached.", field="evidence", code="too_many_files")
    return [check_evidence_image(upload) for upload in uploads]
