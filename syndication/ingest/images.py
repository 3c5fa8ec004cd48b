"""What an image file really is: read by Pillow, never trusted from its name or header.

Pure. An asset's file is stored only when its bytes are an image of a kind a
package may carry; the type Pillow finds is the type recorded.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

# Pillow format -> media type, for the images a package may carry.
MEDIA_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}
# A decompression bomb is refused before it is decoded.
MAX_PIXELS = 80_000_000


class NotAnImage(ValueError):
    """The bytes are not an image a package may carry; the message says why."""


@dataclass(frozen=True)
class ImageFacts:
    media_type: str
    width: int
    height: int


def inspect_image(data: bytes, *, claimed_type: str = "", max_bytes: int) -> ImageFacts:
    """The image's real type and size, or NotAnImage (empty, too large, other, or mislabelled)."""
    if not data:
        raise NotAnImage("The file is empty.")
    if len(data) > max_bytes:
        raise NotAnImage(f"The file is {len(data):,} bytes; at most {max_bytes:,} are accepted.")
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise NotAnImage(f"The image is {width}×{height} pixels, too large to accept.")
            image.verify()  # the whole file parses, not just its header
            kind = image.format or ""
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise NotAnImage("The file is not an image Pillow can read.") from exc
    media_type = MEDIA_TYPES.get(kind)
    if media_type is None:
        raise NotAnImage(f"{kind or 'This'} images cannot go in packages (JPEG, PNG, GIF, WebP).")
    claimed = claimed_type.split(";", 1)[0].strip().lower()
    if claimed and claimed.startswith("image/") and claimed not in (media_type, "image/jpg"):
        raise NotAnImage(f"The file says it is {claimed} but it is {media_type}.")
    return ImageFacts(media_type, width, height)
