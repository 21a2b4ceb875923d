"""The package card of the public pages (tracking page and buyer page): carrier, status, timeline.

Built in Python with every value escaped, not with a template: the card is the repeated part of the
busiest public page, and the template engine spent about 33 µs per timeline line, format_html
about 10, plain escaping about 3 (measured on bench/public.py's data). The markup follows the
console's timeline and uses its stylesheet's classes (card, timeline, s-<status>, badge sandbox).
"""

from functools import lru_cache
from html import escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from yundan.tracking.public import PublicEvent, PublicPackage
from yundan.tracking.statuses import TrackingStatus, status_label


@lru_cache(maxsize=16)
def _words(language: str) -> dict[str, str]:
    """The card's fixed words and the status labels, escaped, in one language."""
    return {"courier": escape(_("快递员")), "sandbox": escape(_("沙箱 / simulated")),
            "no_events": escape(_("已发货，承运商还没有返回物流轨迹，请稍后再查。")),
            **{status: escape(status_label(status)) for status in TrackingStatus.values}}


def _status(words: dict[str, str], status: str) -> tuple[str, str]:
    """(class suffix, label) of a status; a value outside the taxonomy is shown as itself."""
    return escape(status), words.get(status) or escape(status)


def _line(event: PublicEvent, words: dict[str, str]) -> str:
    status, label = _status(words, event.status)
    place = f" · {escape(event.location)}" if event.location else ""
    courier = f'<div class="courier">{words["courier"]} {escape(event.courier)}</div>' if event.courier else ""
    return (f'<li><div class="when">{escape(event.when)} · <strong class="s-{status}">{label}</strong>{place}</div>'
            f'<div>{escape(event.text)}</div>{courier}</li>')


def package_card(package: PublicPackage) -> SafeString:
    words = _words(get_language())
    timeline = "".join(_line(event, words) for event in package.events) or (
        f'<li class="muted">{words["no_events"]}</li>')
    badge = f' <span class="badge sandbox">{words["sandbox"]}</span> ' if package.simulated else " "
    status, label = _status(words, package.status)
    return mark_safe(
        f'<article class="card package"><h2><span class="mono">{escape(package.waybill_no)}</span> '
        f'<span class="muted">{escape(package.carrier_name)}</span>{badge}<strong class="state s-{status}">{label}'
        f'</strong></h2><ol class="timeline">{timeline}</ol></article>\n')
