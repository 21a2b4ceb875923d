"""Public pages, open without login and linking nowhere into the console: the tracking page
(/track, /track/<waybill>) and the buyer's order page (/my-order).

What they may show is decided by ``tracking.public`` and ``orders.buyer``; these views parse the
form, spend the client's rate-limit budget (``yundan.ratelimit``) and render.
"""

from functools import cache, lru_cache
from html import escape

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template import loader
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from yundan import ratelimit
from yundan.console.public_html import answers, package_card, words
from yundan.orders.buyer import BuyerQuery, find_buyer_orders
from yundan.shipping.waybills import normalize_waybill
from yundan.tracking.public import MAX_NUMBERS, TooManyNumbers, parse_waybill_numbers, track

MINUTE, HOUR = 60, 3600


def _client(request) -> str:
    return ratelimit.client_address(request.META.get("REMOTE_ADDR", ""), request.META.get("HTTP_X_FORWARDED_FOR", ""),
                                    settings.YUNDAN_TRUSTED_PROXIES)


@cache
def _links() -> dict[str, str]:
    """Where public pages link, reversed once per process: {% url %} and {% static %} cost more
    than the rest of the page shell together (about 100 of 170 µs)."""
    return {"track": reverse("track"), "my_order": reverse("my-order"),
            "console_css": static("console/console.css"), "public_css": static("console/public.css")}


def _render(template: str, context: dict) -> str:
    """A public page rendered without the console's context processors (it needs no user, session
    or role) and with its words translated once per language: the busiest page stays cheap."""
    language = translation.get_language()
    context.update(LANGUAGE_CODE=language, links=_links(), w=words(language))
    return loader.render_to_string(f"console/public/{template}", context)


def _page(template: str, context: dict, status: int = 200) -> HttpResponse:
    return HttpResponse(_render(template, context), status=status)


def _too_many(decision: ratelimit.Decision) -> HttpResponse:
    """The friendly 429: how long to wait, and a Retry-After for programs."""
    response = _page("limited.html", {"retry_after": decision.retry_after}, status=429)
    response["Retry-After"] = str(decision.retry_after)
    return response


def _spend(request, cost: int) -> ratelimit.Decision:
    return ratelimit.hit(f"public:{_client(request)}", settings.YUNDAN_PUBLIC_RATE_LIMIT, MINUTE, cost)


# Where a request's own text goes into the tracking page's frame (see _track_frame).
_TYPED, _ANSWERS = "\x1etyped\x1e", "\x1eanswers\x1e"


@lru_cache(maxsize=16)
def _track_frame(language: str) -> tuple[str, str, str]:
    """track.html rendered once per process and language around two markers, split there: a
    request joins the typed numbers and its answers into it instead of rendering the template
    again, which was the largest part of the busiest page's cost."""
    html = _render("track.html", {"typed": mark_safe(_TYPED), "answers": mark_safe(_ANSWERS)})
    head, rest = html.split(_TYPED)
    middle, tail = rest.split(_ANSWERS)
    return head, middle, tail


def _track_page(request, typed: str, numbers: list[str], error: str = "") -> HttpResponse:
    answered = format_html('<div class="error" role="alert">{}</div>', error) if error else ""
    if numbers:
        decision = _spend(request, len(numbers))
        if not decision.allowed:
            return _too_many(decision)
        answered = answers(numbers, track(numbers))
    head, middle, tail = _track_frame(translation.get_language())
    return HttpResponse(f"{head}{escape(typed)}{middle}{answered}{tail}")


@login_not_required
@require_safe
def track_form(request):
    """GET /track?q=… : up to 10 numbers, one per line or separated by commas or spaces."""
    typed = request.GET.get("q", "")
    try:
        numbers = parse_waybill_numbers(typed)
    except TooManyNumbers as problem:
        return _track_page(request, typed, [], _("一次最多查询 %(max)d 个运单号，输入了 %(count)d 个")
                           % {"max": MAX_NUMBERS, "count": problem.count})
    return _track_page(request, typed, numbers)


@login_not_required
@require_safe
def track_waybill(request, waybill: str):
    """GET /track/<waybill>: one number, a link to share."""
    number = normalize_waybill(waybill)
    return _track_page(request, number, [number] if number else [])


@login_not_required
@require_http_methods(["GET", "HEAD", "POST"])
def my_order(request):
    """The buyer's lookup: a POST form, so the phone digits stay out of URLs, logs and history."""
    context = {"form": request.POST}
    if request.method == "POST":
        try:
            query = BuyerQuery.parse(request.POST.get("order_no", ""), request.POST.get("phone_last4", ""))
        except ValueError as problem:
            context["error"] = str(problem)
        else:
            for decision in (_spend(request, 1), ratelimit.hit(f"buyer-order:{query.order_no}",
                                                               settings.YUNDAN_BUYER_LOOKUPS_PER_ORDER, HOUR)):
                if not decision.allowed:
                    return _too_many(decision)
            context["orders"] = [(order, [package_card(p) for p in order.packages])
                                 for order in find_buyer_orders(query)]
            context["looked_up"] = True
    response = _page("my_order.html", {**context, "csrf_token": get_token(request)})
    response["Cache-Control"] = "no-store"
    return response


urlpatterns = [
    path("track", track_form, name="track"),
    path("track/<str:waybill>", track_waybill, name="track-waybill"),
    path("my-order", my_order, name="my-order"),
]
