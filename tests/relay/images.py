"""Test images made with Pillow: a phone photo with EXIF and GPS, and impostors."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import ExifTags, Image


def phone_photo(width: int = 640, height: int = 480, fmt: str = "JPEG") -> bytes:
    image = Image.new("RGB", (width, height), (120, 160, 200))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "LeakyPhoneCam"
    exif[ExifTags.Base.Orientation] = 1
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (41.0, 7.0, 33.0), 3: "E", 4: (123.0, 1.0, 2.0)}
    output = io.BytesIO()
    image.save(output, format=fmt, exif=exif, comment=b"secret-comment") if fmt == "JPEG" else image.save(
        output, format=fmt
    )
    return output.getvalue()


SVG_AS_JPG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>'
HTML_AS_JPG = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def crafted_png(before_image: bytes = b"", ihdr: bytes | None = None) -> bytes:
    """A 1×1 PNG with extra chunks before its image data, or with an IHDR of the given bytes."""
    header = ihdr if ihdr is not None else struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x80\x80\x80")
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + before_image
        + png_chunk(b"IDAT", pixels)
        + png_chunk(b"IEND", b"")
    )


def zlib_bomb(inflated_bytes: int = 20 * 1024 * 1024) -> bytes:
    return zlib.compress(b"\x00" * inflated_bytes, 9)


# Pillow refuses each of these with ValueError, not with the OSError of a broken file.
ICCP_BOMB = crafted_png(png_chunk(b"iCCP", b"profile\x00\x00" + zlib_bomb()))
ZTXT_BOMB = crafted_png(png_chunk(b"zTXt", b"Comment\x00\x00" + zlib_bomb()))
SHORT_IHDR = crafted_png(ihdr=struct.pack(">II", 1, 1))
