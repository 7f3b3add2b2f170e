"""Hazard photos: checked, re-encoded as JPEG, every bit of metadata dropped."""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_SIDE = 2048


class PhotoError(ValueError):
    """Why a photo was refused, in words the submitter understands."""


def reencode(data: bytes, max_bytes: int, max_pixels: int) -> tuple[bytes, str, int, int]:
    """Return ``(jpeg_bytes, "image/jpeg", width, height)`` or raise PhotoError."""
    if len(data) > max_bytes:
        raise PhotoError(f"照片不能超过 {max_bytes // (1024 * 1024)} MB，请压缩后再上传")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(data))
            if getattr(image, "format", None) not in ACCEPTED_FORMATS:
                raise PhotoError("照片只能是 JPG、PNG 或 WebP 格式")
            width, height = image.size
            if width * height > max_pixels:
                raise PhotoError("照片像素过大，请缩小后再上传")
            image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning, OSError, SyntaxError):
        raise PhotoError("无法识别该文件，照片只能是 JPG、PNG 或 WebP 格式") from None
    image = ImageOps.exif_transpose(image)
    image = image.convert("RGB")
    image.info = {}  # no EXIF, GPS, ICC profile or comment survives
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    output = io.BytesIO()
    image.save(output, format="JPEG", quality=82, optimize=True)
    return output.getvalue(), "image/jpeg", image.width, image.height
