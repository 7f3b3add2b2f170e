"""Hazard photos: checked, re-encoded as JPEG, every bit of metadata dropped.

JPEG, PNG, WebP and HEIC/HEIF (what many phones take by default; read through
pillow-heif, whose opener is registered with Pillow here) are accepted; each is
turned upright by its EXIF orientation and stored as a JPEG without metadata.

Decoding is the most expensive thing a submitter can make the relay do (a
24-megapixel PNG is about 0.4 s of CPU and 100–200 MB), so ``PhotoDecoder``
lets only a set number run at once; the handler calls it after the rate limit.
"""

from __future__ import annotations

import asyncio
import io
import logging
import warnings

from PIL import Image, ImageOps
from pillow_heif import register_heif_opener
from starlette.concurrency import run_in_threadpool

register_heif_opener()  # Pillow opens HEIC and HEIF as format "HEIF"

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "HEIF"}
FORMATS_NAMED = "JPG、PNG、WebP 或 HEIC"
MAX_SIDE = 2048
log = logging.getLogger("relay.photos")


class PhotoError(ValueError):
    """Why a photo was refused, in words the submitter understands."""


def reencode(data: bytes, max_bytes: int, max_pixels: int) -> tuple[bytes, str, int, int]:
    """Return ``(jpeg_bytes, "image/jpeg", width, height)`` or raise PhotoError."""
    if not data:
        raise PhotoError("照片文件是空的（0 字节），无法读取。请重新选择照片；照片还在下载或同步时请稍后再选")
    if len(data) > max_bytes:
        raise PhotoError(f"照片不能超过 {max_bytes // (1024 * 1024)} MB，请压缩后再上传")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(data))
            if getattr(image, "format", None) not in ACCEPTED_FORMATS:
                raise PhotoError(f"照片只能是 {FORMATS_NAMED} 格式")
            width, height = image.size
            if width * height > max_pixels:
                raise PhotoError("照片像素过大，请缩小后再上传")
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))  # JPEG: decode at a reduced scale
            image.load()
            if image.mode not in ("1", "P"):  # shrink first: a full-size RGB copy of 24 MP is 72 MB
                image.thumbnail((MAX_SIDE, MAX_SIDE))
            image = ImageOps.exif_transpose(image)
            image = image.convert("RGB")
            image.info = {}  # no EXIF, GPS, ICC profile or comment survives
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            output = io.BytesIO()
            image.save(output, format="JPEG", quality=82, optimize=True)
    except PhotoError:
        raise
    except Exception as error:
        # Untrusted input reaches only Pillow here, and Pillow refuses crafted
        # files with ValueError, OSError, SyntaxError, struct.error and more.
        log.info("photo refused by Pillow: %s", type(error).__name__)
        raise PhotoError(f"无法识别该文件，照片只能是 {FORMATS_NAMED} 格式") from None
    return output.getvalue(), "image/jpeg", image.width, image.height


class PhotoDecoder:
    """Re-encode photos in worker threads, at most ``at_once`` at a time in this process."""

    def __init__(self, max_bytes: int, max_pixels: int, at_once: int) -> None:
        self.max_bytes = max_bytes
        self.max_pixels = max_pixels
        self._slots = asyncio.Semaphore(at_once)

    async def reencode(self, data: bytes) -> tuple[bytes, str, int, int]:
        async with self._slots:
            return await run_in_threadpool(reencode, data, self.max_bytes, self.max_pixels)
