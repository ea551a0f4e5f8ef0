"""Photos residents attach to their requests: bounded in number and size, their type read from the content."""

import io
import secrets

from django.utils.translation import gettext as _

from core.errors import ValidationError

MAX_PHOTOS = 3
MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000

#: magic bytes → (content type, extension)
SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


def sniff(head):
    """(content type, extension) of an image from its first bytes, or None: the file's name and the type the
    browser claims are not trusted."""
    for magic, content_type, extension in SIGNATURES:
        if head.startswith(magic):
            return content_type, extension
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


def check_photos(files):
    """Validate uploaded files (Django UploadedFile objects); returns [(file, content type, extension)] or raises
    ValidationError({"photos": [...]})."""
    files = [f for f in (files or []) if f]
    if len(files) > MAX_PHOTOS:
        raise ValidationError({"photos": [_("Attach at most %(n)d photos.") % {"n": MAX_PHOTOS}]})
    checked = []
    for upload in files:
        name = getattr(upload, "name", "") or "?"
        if upload.size > MAX_PHOTO_BYTES:
            raise ValidationError({"photos": [_("“%(name)s” is larger than %(mb)d MB.") % {
                "name": name, "mb": MAX_PHOTO_BYTES // (1024 * 1024)}]})
        upload.seek(0)
        head = upload.read(16)
        kind = sniff(head)
        if kind is None or upload.size < 32:
            raise ValidationError({"photos": [_("“%(name)s” is not a JPEG, PNG or WebP photo.") % {"name": name}]})
        upload.seek(0)
        if not _decodes(upload.read()):
            raise ValidationError({"photos": [_("“%(name)s” is not a JPEG, PNG or WebP photo.") % {"name": name}]})
        upload.seek(0)
        checked.append((upload, *kind))
    return checked


def _decodes(data):
    try:
        from PIL import Image

        Image.MAX_IMAGE_PIXELS = MAX_PIXELS
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
        return True
    except Exception:  # any decoder complaint (truncated, bomb, not an image) means "not a photo"
        return False


def new_token():
    return secrets.token_hex(16)
