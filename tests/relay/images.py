"""Test images made with Pillow: a phone photo with EXIF and GPS, and impostors."""

from __future__ import annotations

import io

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
