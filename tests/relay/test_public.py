"""The public forms through real HTTP (the ASGI app via httpx): good input, every bad input, receipts, tracking."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from images import HTML_AS_JPG, SVG_AS_JPG, phone_photo
from PIL import Image
from starlette.testclient import TestClient

from relay.store import RECEIPT_ALPHABET, Store

QUESTION = {"station": "dongshan", "kind": "question", "text": "请问身份证丢了在哪里补办？需要带什么材料？"}
RECEIPT = re.compile(rf"^/receipt/([{RECEIPT_ALPHABET}]{{5}}-[{RECEIPT_ALPHABET}]{{5}})(\?folded=1)?$")


def submit(client: TestClient, data: dict[str, str], files: dict | None = None):  # type: ignore[no-untyped-def]
    return client.post("/ask", data=data, files=files)


def receipt_code(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 303, response.text
    match = RECEIPT.match(response.headers["location"])
    assert match, response.headers["location"]
    return match.group(1)


def field_errors(html: str) -> list[str]:
    return re.findall(r'<li><a href="#field-([a-z]+)">', html)


@pytest.mark.parametrize("kind", ["question", "help", "hazard", "suggestion"])
def test_each_kind_gets_a_receipt_and_a_tracking_page(client: TestClient, sqlite_store: Store, kind: str) -> None:
    data = {**QUESTION, "kind": kind, "location": "东山路与望江街交叉口", "contact": "13900001111", "name": "王先生"}
    code = receipt_code(submit(client, data))
    page = client.get(f"/receipt/{code}")
    assert page.status_code == 200
    assert code in page.text and "0417-2000001" in page.text and f"/track/{code}" in page.text
    if kind in ("question", "help"):
        assert "24 小时内" in page.text
    track = client.get(f"/track/{code}")
    assert track.status_code == 200 and "已受理，待审核" in track.text
    assert "13900001111" not in track.text and "王先生" not in track.text  # contact details are never shown publicly
    item = sqlite_store.item_by_code(code)
    assert item is not None and item.kind == kind and item.station == "dongshan"


def test_get_of_each_form_shows_the_form(client: TestClient) -> None:
    for url in ("/ask", "/ask/dongshan", "/rate", "/rate/xihu", "/track"):
        page = client.get(url)
        assert page.status_code == 200 and "<form" in page.text, url
    assert client.get("/ask/nowhere").status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "   \n  "}, "text"),
        ({"text": "问" * 2001}, "text"),
        ({"station": "nowhere"}, "station"),
        ({"station": ""}, "station"),
        ({"kind": "complaint"}, "kind"),
        ({"kind": "hazard", "location": ""}, "location"),
        ({"contact": "12345"}, "contact"),
        ({"name": "名" * 41}, "name"),
        ({"website": "http://spam.example"}, "website"),
    ],
)
def test_bad_input_gets_the_form_back_with_errors_and_answers_kept(
    client: TestClient, sqlite_store: Store, change: dict[str, str], field: str
) -> None:
    data = {**QUESTION, "contact": "13900001111", **change}
    response = submit(client, data)
    assert response.status_code == 422
    assert "<title>错误：" in response.text
    assert field_errors(response.text) == [field]
    assert 'value="13900001111"' in response.text or field == "contact"
    if field != "text":
        assert QUESTION["text"] in response.text
    assert sqlite_store.count_items() == 0


@pytest.mark.parametrize(
    ("typed", "phone", "email"),
    [
        ("13800138000", "13800138000", None),
        ("+8613800138000", "13800138000", None),
        ("+86 138 0013 8000", "13800138000", None),
        ("0086-138-0013-8000", "13800138000", None),
        ("138-0013-8000", "13800138000", None),
        ("１３８００１３８０００", "13800138000", None),  # a phone's full-width keyboard
        ("138００１３８０００", "13800138000", None),  # half and half
        ("138\u30000013\u30008000", "13800138000", None),  # ideographic spaces
        ("0417－2831101", "0417-2831101", None),
        ("(0417)2831101", "0417-2831101", None),
        ("（０４１７）２８３１１０１", "0417-2831101", None),
        ("04172831101", "0417-2831101", None),
        ("010 6552 1234", "010-65521234", None),
        ("+86 417 2831101", "0417-2831101", None),
        ("ｚｈａｎｇ＠ｑｑ．ｃｏｍ", None, "zhang@qq.com"),
        (" zhang@QQ.com ", None, "zhang@qq.com"),
    ],
)
def test_contact_is_taken_as_people_type_it_and_stored_normalised(
    client: TestClient, sqlite_store: Store, typed: str, phone: str | None, email: str | None
) -> None:
    code = receipt_code(submit(client, {**QUESTION, "contact": typed}))
    item = sqlite_store.item_by_code(code)
    assert item is not None and (item.contact_phone, item.contact_email) == (phone, email)


@pytest.mark.parametrize("typed", ["12345", "138001380001", "23800138000", "+1 415 555 0100", "电话一三八", "zhang@qq"])
def test_a_contact_that_is_no_number_or_address_gets_the_form_back_as_typed(
    client: TestClient, sqlite_store: Store, typed: str
) -> None:
    response = submit(client, {**QUESTION, "contact": typed})
    assert response.status_code == 422 and field_errors(response.text) == ["contact"]
    assert f'value="{typed}"' in response.text
    assert sqlite_store.count_items() == 0


def test_several_errors_are_listed_in_page_order(client: TestClient) -> None:
    response = submit(client, {"station": "", "kind": "hazard", "text": ""})
    assert field_errors(response.text) == ["station", "text", "location"]


def test_photo_is_reencoded_without_metadata(client: TestClient) -> None:
    data = {**QUESTION, "kind": "hazard", "location": "东山路88号"}
    original = phone_photo()
    assert b"LeakyPhoneCam" in original
    code = receipt_code(submit(client, data, files={"photo": ("IMG_0001.jpg", original, "image/jpeg")}))
    photo = client.get(f"/track/{code}/photo")
    assert photo.status_code == 200
    assert photo.headers["content-type"] == "image/jpeg"
    assert photo.headers["x-content-type-options"] == "nosniff"
    for secret in (b"LeakyPhoneCam", b"secret-comment", b"Exif"):
        assert secret not in photo.content
    image = Image.open(io.BytesIO(photo.content))
    assert image.size == (640, 480) and not image.getexif()


def test_png_photo_is_accepted_as_jpeg(client: TestClient) -> None:
    code = receipt_code(
        submit(
            client,
            {**QUESTION, "kind": "hazard", "location": "桥下"},
            files={"photo": ("a.png", phone_photo(fmt="PNG"), "image/png")},
        )
    )
    assert client.get(f"/track/{code}/photo").content[:3] == b"\xff\xd8\xff"


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("scene.jpg", SVG_AS_JPG),
        ("scene.jpg", HTML_AS_JPG),
        ("scene.gif", b"GIF89a" + b"\x00" * 50),
        ("notes.txt", b"hello"),
    ],
)
def test_wrong_photo_types_are_refused(client: TestClient, sqlite_store: Store, filename: str, content: bytes) -> None:
    response = submit(
        client, {**QUESTION, "kind": "hazard", "location": "东山路"}, files={"photo": (filename, content, "image/jpeg")}
    )
    assert response.status_code == 422
    assert field_errors(response.text) == ["photo"]
    assert sqlite_store.count_items() == 0


def test_photo_with_too_many_pixels_is_refused(make_client: Callable[..., TestClient]) -> None:
    client = make_client(photo_max_pixels=100 * 100)
    response = submit(
        client,
        {**QUESTION, "kind": "hazard", "location": "东山路"},
        files={"photo": ("big.jpg", phone_photo(200, 200), "image/jpeg")},
    )
    assert response.status_code == 422 and "像素过大" in response.text


def test_oversized_body_is_refused_before_parsing(make_client: Callable[..., TestClient], sqlite_store: Store) -> None:
    client = make_client(max_body_bytes=50_000)
    response = submit(
        client,
        {**QUESTION, "kind": "hazard", "location": "东山路"},
        files={"photo": ("a.jpg", b"\xff" * 80_000, "image/jpeg")},
    )
    assert response.status_code == 413
    assert "提交的内容太大" in response.text
    assert sqlite_store.count_items() == 0


def test_chunked_body_is_refused_before_parsing(make_client: Callable[..., TestClient], sqlite_store: Store) -> None:
    """Browsers and nginx send a length; a chunked body could cost the parser seconds per megabyte (411)."""
    client = make_client(max_body_bytes=50_000)

    def chunks():  # type: ignore[no-untyped-def]
        yield b"station=dongshan&kind=question&text="
        for _ in range(20):
            yield b"%E9%97%AE" * 1000

    response = client.post("/ask", content=chunks(), headers={"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 411
    assert sqlite_store.count_items() == 0


def test_duplicate_submission_is_folded_into_one_receipt(client: TestClient, sqlite_store: Store) -> None:
    first = receipt_code(submit(client, QUESTION))
    again = submit(client, {**QUESTION, "text": QUESTION["text"].replace("？", "？ ")})
    assert receipt_code(again) == first
    assert again.headers["location"].endswith("?folded=1")
    assert "编号不变" in client.get(again.headers["location"]).text
    other_station = receipt_code(submit(client, {**QUESTION, "station": "xihu"}))
    assert other_station != first
    assert sqlite_store.count_items() == 2
    item = sqlite_store.item_by_code(first)
    assert item is not None and item.duplicates == 1


def test_rate_limit_per_client(make_client: Callable[..., TestClient], sqlite_store: Store) -> None:
    client = make_client(rate_limit_client="3/hour")
    for number in range(3):
        receipt_code(submit(client, {**QUESTION, "text": f"第{number}个问题：请问户口迁移需要什么材料？"}))
    limited = submit(client, {**QUESTION, "text": "第四个问题：请问居住证怎么办？"})
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0
    assert "提交过于频繁" in limited.text
    assert sqlite_store.count_items() == 3
    with TestClient(
        client.app, base_url="https://relay.test", client=("198.51.100.9", 5000), follow_redirects=False
    ) as other:
        receipt_code(other.post("/ask", data={**QUESTION, "text": "另一个人：请问护照怎么办？"}))
    assert sqlite_store.count_items() == 4


def test_rate_limit_per_station(make_client: Callable[..., TestClient], sqlite_store: Store) -> None:
    client = make_client(rate_limit_station="2/hour")
    receipt_code(submit(client, {**QUESTION, "text": "问题一：请问怎么开无犯罪记录证明？"}))
    receipt_code(submit(client, {**QUESTION, "text": "问题二：请问怎么办理临时身份证？"}))
    assert submit(client, {**QUESTION, "text": "问题三：请问出生登记要带什么？"}).status_code == 429
    receipt_code(submit(client, {**QUESTION, "station": "xihu", "text": "问题三：请问出生登记要带什么？"}))


def test_forwarded_header_is_ignored_from_untrusted_peers(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limit_client="1/hour")
    receipt_code(client.post("/ask", data=QUESTION, headers={"x-forwarded-for": "192.0.2.1"}))
    second = client.post(
        "/ask", data={**QUESTION, "text": "换个内容：请问户口怎么迁？"}, headers={"x-forwarded-for": "192.0.2.2"}
    )
    assert second.status_code == 429  # the peer is the client; its header is not believed


def test_forwarded_header_is_used_behind_a_trusted_proxy(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limit_client="1/hour", trusted_proxies=("203.0.113.0/24",))
    receipt_code(client.post("/ask", data=QUESTION, headers={"x-forwarded-for": "192.0.2.1"}))
    receipt_code(
        client.post(
            "/ask", data={**QUESTION, "text": "换个内容：请问户口怎么迁？"}, headers={"x-forwarded-for": "192.0.2.2"}
        )
    )
    spoofed = client.post(
        "/ask", data={**QUESTION, "text": "第三个：请问居住证？"}, headers={"x-forwarded-for": "192.0.2.2, 192.0.2.1"}
    )
    assert spoofed.status_code == 429  # the rightmost untrusted hop counts, not what the client prepends


def test_rating_is_accepted_once_per_station_per_period(client: TestClient, sqlite_store: Store) -> None:
    first = client.post("/rate", data={"station": "dongshan", "stars": "5", "comment": "民警态度很好"})
    assert first.status_code == 303 and first.headers["location"] == "/rated/dongshan"
    thanks = client.get("/rated/dongshan").text
    assert "感谢您的评价" in thanks and '<a href="https://site.test/stations/dongshan/">返回东山派出所</a>' in thanks
    again = client.post("/rate", data={"station": "dongshan", "stars": "1"})
    assert again.status_code == 409 and "已评价过" in again.text
    assert client.post("/rate", data={"station": "xihu", "stars": "4"}).status_code == 303
    assert sqlite_store.count_ratings("dongshan") == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"stars": "6"}, "stars"),
        ({"stars": ""}, "stars"),
        ({"stars": "abc"}, "stars"),
        ({"station": "x", "stars": "3"}, "station"),
        ({"stars": "3", "comment": "长" * 501}, "comment"),
        ({"stars": "3", "website": "x"}, "website"),
    ],
)
def test_bad_ratings_are_refused(client: TestClient, sqlite_store: Store, data: dict[str, str], field: str) -> None:
    response = client.post("/rate", data={"station": "dongshan", **data})
    assert response.status_code == 422 and field_errors(response.text) == [field]
    assert "<title>错误：" in response.text
    assert sqlite_store.count_ratings() == 0


def test_item_can_be_rated_once_after_a_reply(client: TestClient, sqlite_store: Store) -> None:
    import datetime as dt

    from console_kit import carry

    code = receipt_code(submit(client, QUESTION))
    assert client.post(f"/track/{code}/rate", data={"stars": "5"}).status_code == 409
    item = sqlite_store.item_by_code(code)
    assert item is not None
    now = dt.datetime.now(dt.UTC)
    carry(sqlite_store, item.id, "accept", now)
    carry(sqlite_store, item.id, "reply", now, reply="带身份证到户籍窗口补办。")
    assert "一事一评" in client.get(f"/track/{code}").text
    assert client.post(f"/track/{code}/rate", data={"stars": "4"}).status_code == 303
    page = client.get(f"/track/{code}").text
    assert "您已评价这次办理：满意" in page and "一事一评" not in page
    client.post(f"/track/{code}/rate", data={"stars": "1"})
    assert sqlite_store.item_rating(item.id) == 4


def test_tracking_lookup_accepts_codes_as_people_type_them(client: TestClient) -> None:
    code = receipt_code(submit(client, QUESTION))
    typed = code.lower().replace("-", " ")
    response = client.get("/track", params={"code": typed})
    assert response.status_code == 303 and response.headers["location"] == f"/track/{code}"
    missing = client.get("/track", params={"code": "22222-22222"})
    assert missing.status_code == 404 and "没有找到这个受理编号" in missing.text
    assert client.get("/track/22222-22222").status_code == 404


FULL_WIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})


def test_tracking_lookup_finds_the_code_typed_full_width_or_pasted_with_its_label(client: TestClient) -> None:
    """Phones' Chinese keyboards type full-width forms; the receipt SMS puts 受理编号 before the code."""
    code = receipt_code(submit(client, QUESTION))
    full_width = code.translate(FULL_WIDTH)
    assert full_width != code and "－" in full_width
    for typed in (
        full_width,
        full_width.lower(),
        f"编号：{code}",
        f"受理编号 {code}",
        f"受理编号：{full_width}",
        f"您的咨询已受理，受理编号 {code}，查看办理进度：https://relay.test/track/{code} 紧急情况请拨打110。",
    ):
        response = client.get("/track", params={"code": typed})
        assert response.status_code == 303, typed
        assert response.headers["location"] == f"/track/{code}"
    assert client.get(f"/track/{full_width}").status_code == 200
    wrong = code[:-1] + ("2" if code[-1] != "2" else "3")
    for typed in (wrong, f"编号：{wrong}", "你好", "编号", "hello world", "22222-22222-22222", code + "2"):
        missing = client.get("/track", params={"code": typed})
        assert missing.status_code == 404, typed
        assert "没有找到这个受理编号" in missing.text


def test_receipt_codes_are_unique_and_readable(client: TestClient) -> None:
    codes = {receipt_code(submit(client, {**QUESTION, "text": f"问题编号{n}：请问办证时间？"})) for n in range(40)}
    assert len(codes) == 40
    assert all(not set(code) & set("01OIL") for code in codes)


def test_health_and_metrics(make_client: Callable[..., TestClient]) -> None:
    client = make_client(client_address="127.0.0.1")  # RELAY_METRICS_ADDRESSES: localhost by default
    assert client.get("/healthz").json() == {"status": "ok"}
    submit(client, QUESTION)
    submit(client, {**QUESTION, "text": ""})
    metrics = client.get("/metrics").text
    assert 'relay_submissions_total{kind="question",outcome="accepted"} 1.0' in metrics
    assert 'relay_submissions_total{kind="ask",outcome="invalid"} 1.0' in metrics
    assert 'relay_request_seconds_count{method="POST",route="/ask"} 2.0' in metrics
    assert 'relay_responses_total{status_class="3xx"} 1.0' in metrics
    assert "\nrelay_overdue_items 0.0\n" in metrics and "\nrelay_outbox_pending " in metrics
    assert "dongshan" not in metrics


def test_security_headers_on_every_page(client: TestClient) -> None:
    for url in ("/ask", "/track", "/nowhere"):
        headers = client.get(url).headers
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]


def test_get_is_the_only_way_to_read_and_post_the_only_way_to_submit(client: TestClient) -> None:
    assert client.get("/ask").status_code == 200
    assert client.put("/ask", data=QUESTION).status_code == 405
    assert client.post("/track/22222-22222").status_code == 405


def test_new_item_emails_the_station_without_the_text(client: TestClient, sqlite_store: Store) -> None:
    import datetime as dt

    code = receipt_code(submit(client, {**QUESTION, "contact": "13900001111"}))
    submit(client, QUESTION)  # a folded duplicate sends nothing more
    due = sqlite_store.outbox.due(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))
    assert [m.recipient for m in due] == ["dongshan@pcs.yunlan.example"]
    assert code in due[0].subject and code in due[0].body
    assert QUESTION["text"] not in due[0].body and "13900001111" not in due[0].body


def test_the_lookup_form_marks_its_field_when_the_code_is_not_found(client: TestClient) -> None:
    page = client.get("/track", params={"code": "22222-22222"})
    assert page.status_code == 404
    field = re.search(r"<input id=\"field-code\"[^>]*>", page.text)
    assert field is not None, page.text
    assert 'aria-invalid="true"' in field.group(0)
    assert 'aria-describedby="code-hint error-code"' in field.group(0)
    assert 'id="error-code"' in page.text and 'value="22222-22222"' in field.group(0)
    fresh = re.search(r"<input id=\"field-code\"[^>]*>", client.get("/track").text)
    assert fresh is not None and "aria-invalid" not in fresh.group(0)


def replied_item(client: TestClient, store: Store) -> str:
    import datetime as dt

    from console_kit import carry

    code = receipt_code(submit(client, QUESTION))
    item = store.item_by_code(code)
    assert item is not None
    now = dt.datetime.now(dt.UTC)
    carry(store, item.id, "accept", now)
    carry(store, item.id, "reply", now, reply="带身份证到户籍窗口补办。")
    return code


def test_the_rating_form_on_the_tracking_page_names_its_error_and_keeps_the_answers(
    client: TestClient, sqlite_store: Store
) -> None:
    code = replied_item(client, sqlite_store)
    page = client.post(f"/track/{code}/rate", data={"complaint": "yes"})
    assert page.status_code == 422
    fieldset = re.search(r'<fieldset[^>]*id="field-stars"[^>]*>', page.text)
    assert fieldset is not None and 'aria-describedby="error-stars"' in fieldset.group(0)
    assert '<p class="field-error" id="error-stars">' in page.text and "请选择满意程度" in page.text
    assert re.search(r'<input type="checkbox" name="complaint" value="yes" checked>', page.text)
    assert sqlite_store.item_rating(sqlite_store.item_by_code(code).id) is None  # type: ignore[union-attr]


def test_the_rating_form_on_the_tracking_page_keeps_the_chosen_star(client: TestClient, sqlite_store: Store) -> None:
    """The page the form comes back on, rendered by its handler with a star chosen and an error."""
    import asyncio

    from starlette.requests import Request

    from relay.public import track_page

    code = replied_item(client, sqlite_store)
    scope = {
        "type": "http",
        "method": "POST",
        "path": f"/track/{code}/rate",
        "path_params": {"code": code},
        "headers": [],
        "query_string": b"",
        "app": client.app,
    }
    errors = {"stars": "请稍后再试"}
    page = asyncio.run(track_page(Request(scope), errors, 422, values={"stars": "4"})).body.decode()  # type: ignore[union-attr]
    assert re.search(r'<input type="radio" name="stars" value="4" checked>', page)
    assert page.count(" checked>") == 1


@pytest.mark.parametrize(
    ("url", "data"),
    [("/ask", {**QUESTION, "text": "请问"}), ("/rate", {"station": "dongshan", "stars": ""})],
)
def test_a_returned_form_never_echoes_the_honeypot(client: TestClient, url: str, data: dict[str, str]) -> None:
    response = client.post(url, data={**data, "website": "http://spam.example/buy"})
    assert response.status_code == 422
    assert "spam.example" not in response.text
    honeypot = re.search(r'<input id="field-website"[^>]*>', response.text)
    assert honeypot is not None and "value=" not in honeypot.group(0)


def test_an_empty_tracking_lookup_says_what_to_type(client: TestClient) -> None:
    """Pressing 查询 on an empty box showed the same form again without a word."""
    for typed in ("", "   "):
        page = client.get("/track", params={"code": typed})
        assert page.status_code == 422 and "请输入受理编号" in page.text, typed
    assert client.get("/track").status_code == 200


def test_the_tracking_page_says_why_the_submitters_own_details_are_hidden(client: TestClient) -> None:
    """A citizen who saw 东山路**号 in their own report thought their address was lost; the station's phone
    is there too, as on the receipt."""
    own = {**QUESTION, "text": "我家住东山路12号3单元，楼道灯坏了。电话13900001111。"}
    page = client.get(f"/track/{receipt_code(submit(client, own))}")
    assert (
        "13900001111" not in page.text and "为保护隐私" in page.text and "派出所收到的是您填写的完整内容" in page.text
    )
    assert '<a href="tel:0417-2000001">0417-2000001</a>' in page.text
    plain = client.get(f"/track/{receipt_code(submit(client, QUESTION))}")
    assert "为保护隐私" not in plain.text
