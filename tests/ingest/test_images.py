"""An image file is what Pillow reads it to be, never what its name or header claims."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from syndication.ingest.images import NotAnImage, inspect_image


def image_bytes(fmt: str = "PNG", size=(8, 6)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


def test_a_real_png_is_read_with_its_type_and_size():
    facts = inspect_image(image_bytes("PNG"), claimed_type="image/png", max_bytes=10_000)
    assert (facts.media_type, facts.width, facts.height) == ("image/png", 8, 6)


def test_the_type_found_wins_over_an_empty_claim():
    assert inspect_image(image_bytes("JPEG"), max_bytes=10_000).media_type == "image/jpeg"


@pytest.mark.parametrize(
    ("data", "claimed", "why"),
    [
        (b"", "image/png", "empty"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml", "not an image"),
        (b"GIF89a" + b"\x00" * 20, "image/gif", "not an image"),
        (image_bytes("PNG"), "image/jpeg", "says it is image/jpeg but it is image/png"),
        (image_bytes("BMP"), "image/bmp", "cannot go in packages"),
    ],
)
def test_what_is_not_the_image_it_claims_is_refused_with_the_reason(data, claimed, why):
    with pytest.raises(NotAnImage, match=why):
        inspect_image(data, claimed_type=claimed, max_bytes=100_000)


def test_a_file_over_the_limit_is_refused_before_it_is_decoded():
    with pytest.raises(NotAnImage, match="at most 10 are accepted"):
        inspect_image(image_bytes(), max_bytes=10)
