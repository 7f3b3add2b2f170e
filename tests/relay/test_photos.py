"""Hazard photos: hostile files give the form back (422), and decoding waits for the rate limit."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from images import ICCP_BOMB, SHORT_IHDR, ZTXT_BOMB, phone_photo
from PIL import ExifTags, Image
from pillow_heif import register_heif_opener
from starlette.testclient import TestClient

from relay.store import Store

HAZARD = {
    "station": "dongshan",
    "kind": "hazard",
    "location": "东山路与望江街交叉口",
    "text": "路口井盖缺失，夜里很危险",
}


def field_errors(html: str) -> list[str]:
    return re.findall(r'<li><a href="#field-([a-z]+)">', html)


@pytest.mark.parametrize(
    "content",
    [ICCP_BOMB, ZTXT_BOMB, SHORT_IHDR],
    ids=["iCCP-decompression-bomb", "zTXt-decompression-bomb", "8-byte-IHDR"],
)
def test_crafted_png_gives_the_form_back(client: TestClient, sqlite_store: Store, content: bytes) -> None:
    response = client.post("/ask", data=HAZARD, files={"photo": ("scene.png", content, "image/png")})
    assert response.status_code == 422
    assert field_errors(response.text) == ["photo"]
    assert "东山路与望江街交叉口" in response.text  # the answers are kept
    assert sqlite_store.count_items() == 0


def test_rate_limited_photo_is_refused_before_decoding(
    make_client: Callable[..., TestClient], sqlite_store: Store
) -> None:
    """Over the limit, a photo that decoding would refuse (422) is never decoded: the answer is 429."""
    client = make_client(rate_limit_client="1/hour")
    first = client.post("/ask", data=HAZARD, files={"photo": ("a.jpg", phone_photo(), "image/jpeg")})
    assert first.status_code == 303
    second = client.post("/ask", data=HAZARD, files={"photo": ("scene.png", ICCP_BOMB, "image/png")})
    assert second.status_code == 429
    assert sqlite_store.count_items() == 1


def test_form_errors_are_reported_before_the_photo_is_decoded(client: TestClient) -> None:
    response = client.post("/ask", data={**HAZARD, "text": ""}, files={"photo": ("scene.png", ZTXT_BOMB, "image/png")})
    assert response.status_code == 422
    assert field_errors(response.text) == ["text"]


def test_an_empty_photo_file_gives_the_form_back_with_the_text_kept(client: TestClient, sqlite_store: Store) -> None:
    """A zero-byte file (a picture still downloading, a failed share) is not dropped without a word."""
    response = client.post("/ask", data=HAZARD, files={"photo": ("IMG_0001.jpg", b"", "image/jpeg")})
    assert response.status_code == 422
    assert field_errors(response.text) == ["photo"]
    assert "照片文件是空的" in response.text
    assert HAZARD["text"] in response.text and HAZARD["location"] in response.text
    assert sqlite_store.count_items() == 0
    # no file chosen at all is still fine
    assert client.post("/ask", data=HAZARD, files={"photo": ("", b"", "application/octet-stream")}).status_code == 303


def heic_photo(width: int = 64, height: int = 48) -> bytes:
    """A HEIC file as phones write them: left half red, right half blue, turned by EXIF, with camera and GPS tags."""
    register_heif_opener()  # Pillow writes HEIF through pillow-heif, as the relay reads it
    image = Image.new("RGB", (width, height), (220, 0, 0))
    image.paste((0, 0, 220), (width // 2, 0, width, height))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "LeakyPhoneCam"
    exif[ExifTags.Base.Orientation] = 6  # shown turned 90° clockwise
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (41.0, 7.0, 33.0), 3: "E", 4: (123.0, 1.0, 2.0)}
    output = io.BytesIO()
    image.save(output, format="HEIF", exif=exif.tobytes(), quality=90)
    return output.getvalue()


def test_a_heic_photo_is_stored_as_jpeg_upright_and_without_metadata(client: TestClient) -> None:
    original = heic_photo()
    assert original[4:12] == b"ftypheic" and b"LeakyPhoneCam" in original
    response = client.post("/ask", data=HAZARD, files={"photo": ("IMG_0001.HEIC", original, "image/heic")})
    assert response.status_code == 303, response.text
    code = response.headers["location"].removeprefix("/receipt/")
    photo = client.get(f"/track/{code}/photo")
    assert photo.headers["content-type"] == "image/jpeg" and photo.content[:3] == b"\xff\xd8\xff"
    for secret in (b"LeakyPhoneCam", b"Exif", b"ftyp"):
        assert secret not in photo.content
    stored = Image.open(io.BytesIO(photo.content))
    assert stored.size == (48, 64) and not stored.getexif()  # turned upright
    top, bottom = stored.getpixel((24, 4)), stored.getpixel((24, 60))
    assert top[0] > 150 > top[2] and bottom[2] > 150 > bottom[0]  # red above blue: turned clockwise


def test_the_form_and_its_error_name_heic(client: TestClient) -> None:
    assert "HEIC" in client.get("/ask").text
    refused = client.post("/ask", data=HAZARD, files={"photo": ("scene.gif", b"GIF89a" + b"\x00" * 50, "image/gif")})
    assert refused.status_code == 422 and "HEIC" in refused.text
