"""Client photos: verified, turned upright, stripped of metadata (GPS!), thumbnailed."""

import io
import uuid

from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_SIDE = 1600
THUMB_SIDE = 240
MAX_PIXELS = 60_000_000


class BadPhoto(ValueError):
    pass


def _encode(image: Image.Image) -> bytes:
    out = io.BytesIO()
    # Saving a fresh RGB image without `exif=` drops every metadata block.
    image.convert("RGB").save(out, format="JPEG", quality=85, optimize=True)
    return out.getvalue()


def process_photo(data: bytes) -> tuple[ContentFile, ContentFile]:
    """Return (photo, thumbnail) as clean JPEGs, or raise BadPhoto."""
    try:
        probe = Image.open(io.BytesIO(data))
        # Refuse a huge picture from its header, before decoding a pixel of it (a small
        # PNG can claim 20000 x 20000 and fill the memory).
        if probe.width * probe.height > MAX_PIXELS:
            raise BadPhoto("too many pixels")
        probe.verify()  # structure check; the image must be reopened after it
        image = Image.open(io.BytesIO(data))
        image.load()
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ) as exc:
        raise BadPhoto(str(exc)) from exc
    image = ImageOps.exif_transpose(image)
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    thumb = image.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
    stem = uuid.uuid4().hex
    return ContentFile(_encode(image), name=f"{stem}.jpg"), ContentFile(
        _encode(thumb), name=f"{stem}-thumb.jpg"
    )
