"""What the public pages say, prepared once per language, and their package card.

The tracking page is the busiest page yundan serves, so its words are translated once per process
and language (``words``) instead of by a {% translate %} tag per request, and the package card
(carrier, status, timeline) is built in Python with every value escaped instead of by the template
engine, which spent about 33 µs per timeline line against 3 here (measured on bench/public.py's
data). The card's markup follows the console's timeline and uses its stylesheet's classes (card,
timeline, s-<status>, badge sandbox).
"""

from functools import lru_cache
from html import escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from yundan.tracking.public import MAX_NUMBERS, PublicEvent, PublicPackage
from yundan.tracking.statuses import TrackingStatus, status_label


@lru_cache(maxsize=16)
def words(language: str) -> dict[str, str]:
    """The public pages' fixed words and the status labels in one language (for the templates,
    which escape them, and the card, which escapes them itself)."""
    return {
        "title": _("物流查询"), "track": _("查运单"), "my_order": _("查我的订单"), "submit": _("查询"),
        "numbers": _("运单号（最多 %(max)d 个，每行一个，或用逗号、空格分开）") % {"max": MAX_NUMBERS},
        "not_found": _("没有查到这个运单号的物流信息。请核对单号；刚发货的包裹可能稍后才有记录。"),
        "courier": _("快递员"), "sandbox": _("沙箱 / simulated"), "no_events": _("已发货，承运商还没有返回物流轨迹，请稍后再查。"),
        **{status: status_label(status) for status in TrackingStatus.values},
    }


@lru_cache(maxsize=16)
def _escaped_words(language: str) -> dict[str, str]:
    return {key: escape(text) for key, text in words(language).items()}


def _status(escaped: dict[str, str], status: str) -> tuple[str, str]:
    """(class suffix, label) of a status; a value outside the taxonomy is shown as itself."""
    return escape(status), escaped.get(status) or escape(status)


def _line(event: PublicEvent, escaped: dict[str, str]) -> str:
    status, label = _status(escaped, event.status)
    place = f" · {escape(event.location)}" if event.location else ""
    courier = f'<div class="courier">{escaped["courier"]} {escape(event.courier)}</div>' if event.courier else ""
    return (f'<li><div class="when">{escape(event.when)} · <strong class="s-{status}">{label}</strong>{place}</div>'
            f'<div>{escape(event.text)}</div>{courier}</li>')


def package_card(package: PublicPackage) -> SafeString:
    escaped = _escaped_words(get_language())
    timeline = "".join(_line(event, escaped) for event in package.events) or (
        f'<li class="muted">{escaped["no_events"]}</li>')
    badge = f' <span class="badge sandbox">{escaped["sandbox"]}</span> ' if package.simulated else " "
    status, label = _status(escaped, package.status)
    return mark_safe(
        f'<article class="card package"><h2><span class="mono">{escape(package.waybill_no)}</span> '
        f'<span class="muted">{escape(package.carrier_name)}</span>{badge}<strong class="state s-{status}">{label}'
        f'</strong></h2><ol class="timeline">{timeline}</ol></article>\n')


def not_found_card(number: str) -> str:
    """What a number without a shipped package gets: the same words whether yundan never had it or
    it is not shipped yet."""
    return (f'<article class="card package missing"><h2><span class="mono">{escape(number)}</span></h2>'
            f'<p class="muted">{_escaped_words(get_language())["not_found"]}</p></article>\n')


def answers(numbers: list[str], found: dict[str, list[PublicPackage]]) -> SafeString:
    """The tracking page's answer to each number, in the order they were asked."""
    return mark_safe("".join("".join(map(package_card, found[n])) if found.get(n) else not_found_card(n)
                             for n in numbers))
