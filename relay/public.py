"""The public's pages: ask, rate, receipt and tracking."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import re
import secrets
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from . import folding, forms, notices
from .contact import split_contact
from .edition import in_edition
from .errors import NotFound, TooManyRequests
from .guard import HONEYPOT_FIELD, client_address, client_hash
from .mask import PersonalData, mask_personal_data
from .models import Kind, Status
from .photos import PhotoError
from .store import Intake, NewItem, RatingOutcome, Receipt, Store, normalise_receipt_code

log = logging.getLogger("relay.public")
EMERGENCY = "紧急情况请拨打 110。"
RATER_COOKIE = "relay_rater"
RATER_TOKEN = re.compile(r"[A-Za-z0-9_-]{32}")
# The same rating from one address and browser (user agent) within this span is one rating (a double tap, a
# form sent again): short, since people behind one shared address may give the same stars in the same minutes.
DOUBLE_TAP = dt.timedelta(minutes=2)
REPLIED = (Status.AWAITING_FINAL_REPLY, Status.ANSWERED, Status.ANSWERED_PRIVATE, Status.PUBLISHED)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    relay = request.app.state.relay
    context.setdefault("errors", {})
    context.setdefault("values", {})
    context.setdefault("site", relay.stations.site)
    # set by relay.edition when the page is the Traditional twin; the switch and hreflang use it
    context.setdefault("edition", request.scope.get("state", {}).get("edition"))
    context.setdefault("has_twin", in_edition(request.url.path))
    return relay.templates.TemplateResponse(request, template, context, status_code=status_code)


def station_or_404(request: Request, slug: str) -> Any:
    station = request.app.state.relay.stations.get(slug)
    if station is None:
        raise NotFound()
    return station


async def read_form(request: Request) -> Any:
    return await request.form(max_files=1, max_fields=20, max_part_size=64 * 1024)


async def ask_form(request: Request) -> Response:
    slug = request.path_params.get("station")
    station = station_or_404(request, slug) if slug else None
    return ask_page(request, station, {}, {})


def ask_page(
    request: Request, station: Any, values: dict[str, str], errors: dict[str, str], status_code: int = 200
) -> Response:
    relay = request.app.state.relay
    return render(
        request,
        "ask.html",
        status_code,
        station=station,
        stations=relay.stations,
        kinds=list(Kind),
        values=values,
        errors=errors,
        text_max=relay.settings.text_max,
        promises=relay.planner.clocks.promises(),
        photo_mb=relay.settings.photo_max_bytes // (1024 * 1024),
    )


async def ask_submit(request: Request) -> Response:
    relay = request.app.state.relay
    settings = relay.settings
    form = await read_form(request)
    try:
        result = forms.check_ask(form, settings, relay.stations)
        if not result.ok:
            return refuse_ask(request, result)
        # Count the submission before the photo costs anything: an address over
        # its limit never gets a decode (0.4 s and up to 200 MB for 24 MP).
        address = client_address(request.scope, settings)
        refusal = await relay.rate_guard.admit("ask", address, result.values["station"])
        if refusal is not None:
            relay.metrics.submissions.labels("ask", f"limited_{refusal.reason}").inc()
            raise too_many(refusal.retry_after)
        photo = None
        upload = form.get("photo")
        if isinstance(upload, UploadFile) and upload.filename:  # a file was chosen: an empty one is an error too
            data = await upload.read(settings.photo_max_bytes + 1)
            try:
                photo = await relay.photos.reencode(data)
            except PhotoError as error:
                result.errors["photo"] = str(error)
                return refuse_ask(request, result)
    finally:
        await form.close()
    values = result.values
    phone, email = split_contact(values["contact"])
    moment = now()
    new = NewItem(
        station=values["station"],
        kind=Kind(values["kind"]),
        text=values["text"],
        location=values["location"] or None,
        name=values["name"] or None,
        contact_phone=phone,
        contact_email=email,
        consent=values["consent"] == "yes",
        client_hash=client_hash(address, settings.secret_key),
        photo=photo,
        **relay.planner.deadlines_for(Kind(values["kind"]), moment),
    )
    station = relay.stations.get(new.station)

    def notify(intake: Intake) -> tuple[Any, ...]:
        return notices.intake_notices(intake, station, settings)

    window = dt.timedelta(minutes=settings.duplicate_minutes)
    # A short write on SQLite runs here, on the event loop, unless another writer holds the lock
    # (Store.writing_now); a photo (megabytes to write) or a busy lock goes to a thread as before.
    store: Store = relay.store
    receipt = store.submit_now(new, moment, window, notify) if photo is None else None
    if receipt is None:
        receipt = await run_in_threadpool(store.submit, new, moment, window, notify)
    outcome = "folded" if receipt.folded else "accepted"
    relay.metrics.submissions.labels(new.kind.value, outcome).inc()
    log.info("%s %s for %s", outcome, new.kind.value, new.station)
    return RedirectResponse(f"/receipt/{receipt.code}{receipt_query(receipt)}", status_code=303)


def receipt_query(receipt: Receipt) -> str:
    """What the receipt page says about a resubmission: folded (and what it added), or kept apart and why."""
    if receipt.folded:
        return "?" + urlencode({"folded": 1, **({"added": ",".join(receipt.updated)} if receipt.updated else {})})
    if receipt.kept_apart:
        return "?" + urlencode({"apart": ",".join(receipt.kept_apart)})
    return ""


def refuse_ask(request: Request, result: forms.FormResult) -> Response:
    relay = request.app.state.relay
    outcome = "honeypot" if HONEYPOT_FIELD in result.errors else "invalid"
    relay.metrics.submissions.labels("ask", outcome).inc()
    log.info("refused ask: %s", ",".join(sorted(result.errors)))
    return ask_page(
        request, relay.stations.get(result.values["station"]), result.values, result.errors, status_code=422
    )


async def rate_form(request: Request) -> Response:
    slug = request.path_params.get("station")
    station = station_or_404(request, slug) if slug else None
    return rate_page(request, station, {}, {})


def rate_page(
    request: Request, station: Any, values: dict[str, str], errors: dict[str, str], status_code: int = 200
) -> Response:
    relay = request.app.state.relay
    return render(
        request,
        "rate.html",
        status_code,
        station=station,
        stations=relay.stations,
        stars=list(forms.STARS.items()),
        values=values,
        errors=errors,
        rating_days=relay.settings.rating_days,
    )


async def rate_submit(request: Request) -> Response:
    relay = request.app.state.relay
    settings = relay.settings
    form = await read_form(request)
    result = forms.check_rating(form, relay.stations)
    if not result.ok:
        relay.metrics.submissions.labels("rating", "invalid").inc()
        return rate_page(
            request, relay.stations.get(result.values["station"]), result.values, result.errors, status_code=422
        )
    values = result.values
    address = client_address(request.scope, settings)
    refusal = await relay.rate_guard.admit("rate", address, values["station"])
    if refusal is not None:
        relay.metrics.submissions.labels("rating", f"limited_{refusal.reason}").inc()
        raise too_many(refusal.retry_after)
    token = request.cookies.get(RATER_COOKIE, "")
    if not RATER_TOKEN.fullmatch(token):
        token = secrets.token_urlsafe(24)
    outcome = await run_in_threadpool(
        relay.store.add_rating,
        values["station"],
        int(values["stars"]),
        values["comment"] or None,
        client_hash(address, settings.secret_key),
        now(),
        settings.rating_days,
        client_hash(f"rater:{token}", settings.secret_key),
        settings.rating_per_address_day,
        fold_window=DOUBLE_TAP,
        device=client_hash(f"{address}\n{request.headers.get('user-agent', '')}", settings.secret_key),
    )
    station = relay.stations.get(values["station"])
    if outcome is RatingOutcome.REFUSED:
        relay.metrics.submissions.labels("rating", "repeat").inc()
        return render(
            request,
            "message.html",
            409,
            heading="您已评价过这个派出所",
            paragraphs=[
                f"为保证评价公正，每人对同一派出所 {settings.rating_days} 天内只能评价一次；"
                f"同一网络每天对同一派出所最多 {settings.rating_per_address_day} 条评价。感谢您的关注。"
            ],
        )
    relay.metrics.submissions.labels("rating", outcome.value).inc()
    log.info("%s rating for %s", outcome.value, values["station"])
    response = RedirectResponse(f"/rated/{station.slug}", status_code=303)
    # One rating per browser per station: people behind one shared address each get their own.
    response.set_cookie(
        RATER_COOKIE,
        token,
        max_age=settings.rating_days * 86400,
        path="/",
        secure=settings.secure_cookies,
        httponly=True,
        samesite="lax",
    )
    return response


async def rated(request: Request) -> Response:
    station = station_or_404(request, request.path_params["station"])
    return render(
        request,
        "message.html",
        heading="感谢您的评价",
        paragraphs=[f"您对{station.name}的评价已收到，经审核后计入满意度统计。"],
        station=station,  # back to the station rated, not only to the home page
    )


async def load_item(request: Request) -> Any:
    code = normalise_receipt_code(request.path_params["code"])
    item = await run_in_threadpool(request.app.state.relay.store.item_by_code, code) if code else None
    if item is None:
        raise NotFound()
    return item


async def check_tracking(request: Request) -> None:
    """Refuse (429) a client that has looked up too many receipts (``RELAY_RATE_LIMIT_TRACK``)."""
    relay = request.app.state.relay
    refusal = await relay.rate_guard.admit_tracking(client_address(request.scope, relay.settings))
    if refusal is not None:
        raise TooManyRequests(
            refusal.retry_after,
            "同一网络短时间内查询办理进度的次数有限。请稍后再试。",
            heading="查询过于频繁",
            more=(EMERGENCY,),
        )


def shows_photo(item: Any) -> bool:
    """A photo is served back only while its item is not marked as spam."""
    return bool(item.photo_id) and item.status is not Status.SPAM


async def receipt(request: Request) -> Response:
    await check_tracking(request)
    item = await load_item(request)
    relay = request.app.state.relay
    station = relay.stations.get(item.station)
    added = request.query_params.get("added", "").split(",")
    return render(
        request,
        "receipt.html",
        item=item,
        station=station,
        clock=relay.planner.clocks.of(item.kind),
        folded=bool(request.query_params.get("folded")),
        added=folding.detail_words(added),
        consent_updated=folding.CONSENT in added,
        apart=folding.detail_words(request.query_params.get("apart", "").split(",")),
    )


async def track(request: Request) -> Response:
    await check_tracking(request)
    return await track_page(request, {})


async def track_page(
    request: Request, errors: dict[str, str], status_code: int = 200, values: dict[str, str] | None = None
) -> Response:
    """The tracking page; ``errors`` and ``values`` are those of its rating form when it comes back."""
    item = await load_item(request)
    relay = request.app.state.relay
    history = await run_in_threadpool(relay.store.history, item.id)
    item_rating = await run_in_threadpool(relay.store.item_rating, item.id)
    # Whoever holds the code sees the text, the location and the replies masked, the submitter's own data included.
    known = PersonalData.from_form(item.name, item.contact_phone, item.contact_email).including_names_in(item.text)
    station = relay.stations.get(item.station)

    def shown(text: str) -> str:
        return mask_personal_data(text, known=known, public=[station.phone] if station else [])

    history = [dataclasses.replace(h, note=shown(h.note)) if h.note else h for h in history]
    text, location = shown(item.text), shown(item.location) if item.location else ""
    replies = [
        SimpleNamespace(kind=r.kind, at=r.at, text=shown(r.public_text or r.text))
        for r in await run_in_threadpool(relay.store.replies, item.id)
    ]
    return render(
        request,
        "track.html",
        status_code,
        item=item,
        text=text,
        location=location,
        masked=text != item.text or location != (item.location or ""),
        show_photo=shows_photo(item),
        station=station,
        unit=relay.planner.units.get(item.transferred_to) if item.transferred_to else None,
        history=history,
        replies=replies,
        can_rate=item.status in REPLIED and item_rating is None,
        item_rating=item_rating,
        stars=list(forms.STARS.items()),
        star_labels=forms.STARS,
        errors=errors,
        values=values or {},
    )


async def track_rate(request: Request) -> Response:
    await check_tracking(request)
    item = await load_item(request)
    relay = request.app.state.relay
    form = await read_form(request)
    stars = forms.clean_text(form.get("stars"))
    values = {"stars": stars, "complaint": "yes" if form.get("complaint") == "yes" else ""}
    if item.status not in REPLIED:
        return await track_page(request, {"stars": "答复之后才能评价"}, 409, values)
    if stars not in {str(s) for s in forms.STARS}:
        return await track_page(request, {"stars": "请选择满意程度"}, 422, values)
    moment = now()
    callback, messages = relay.planner.rating_callback(item, int(stars), form.get("complaint") == "yes", moment)
    await run_in_threadpool(relay.store.rate_item, item.id, int(stars), moment, callback, messages)
    return RedirectResponse(f"/track/{item.receipt_code}", status_code=303)


async def track_lookup(request: Request) -> Response:
    if "code" not in request.query_params:
        return render(request, "track_lookup.html")
    raw = request.query_params["code"]

    def refused(status_code: int, problem: str) -> Response:
        return render(request, "track_lookup.html", status_code, values={"code": raw}, errors={"code": problem})

    if not raw.strip():  # the button pressed on an empty box: say so, not the same form again without a word
        return refused(422, "请输入受理编号：在回执页或短信里，10 位字母和数字，例如 2J2JQ-VPC3G")
    await check_tracking(request)
    code = normalise_receipt_code(raw)
    item = await run_in_threadpool(request.app.state.relay.store.item_by_code, code) if code else None
    if item is None:
        return refused(404, "没有找到这个受理编号，请核对后重新输入（10 位，字母和数字）")
    return RedirectResponse(f"/track/{item.receipt_code}", status_code=303)


async def track_photo(request: Request) -> Response:
    await check_tracking(request)
    item = await load_item(request)
    if not shows_photo(item):
        raise NotFound()
    found = await run_in_threadpool(request.app.state.relay.store.photo, item.photo_id)
    if found is None:
        raise NotFound()
    content_type, data = found
    return Response(data, media_type=content_type, headers={"Cache-Control": "private, max-age=3600"})


def too_many(retry_after: int) -> TooManyRequests:
    return TooManyRequests(
        retry_after,
        "为防止恶意提交，同一网络短时间内的提交次数有限。请稍后再试。",
        heading="提交过于频繁",
        more=(EMERGENCY,),
    )


routes = [
    Route("/ask", ask_form, methods=["GET"]),
    Route("/ask", ask_submit, methods=["POST"]),
    Route("/ask/{station}", ask_form, methods=["GET"]),
    Route("/rate", rate_form, methods=["GET"]),
    Route("/rate", rate_submit, methods=["POST"]),
    Route("/rate/{station}", rate_form, methods=["GET"]),
    Route("/rated/{station}", rated, methods=["GET"]),
    Route("/receipt/{code}", receipt, methods=["GET"]),
    Route("/track", track_lookup, methods=["GET"]),
    Route("/track/{code}", track, methods=["GET"]),
    Route("/track/{code}/rate", track_rate, methods=["POST"]),
    Route("/track/{code}/photo", track_photo, methods=["GET"]),
]
