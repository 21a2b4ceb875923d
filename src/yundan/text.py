"""Text clean-up shared by every place that reads numbers people typed or pasted; and the Chinese
source text of a translated label."""

from django.utils import translation

# U+FF01..U+FF5E are the full-width twins of ASCII 0x21..0x7E; U+3000 is the ideographic space.
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# Zero-width characters are not whitespace to Python but ride along in copy-paste from web pages,
# and a BOM sneaks in from CSV exports; they are invisible to the merchant, so drop them too. So are
# control characters (NUL among them, which PostgreSQL refuses in any query parameter).
_INVISIBLE = dict.fromkeys([*map(ord, "\u200b\u200c\u200d\u2060\ufeff"), *range(0x20), 0x7F])


def to_half_width(text: str) -> str:
    """Full-width letters, digits and punctuation (and the ideographic space) to ASCII."""
    return text.translate(_HALF_WIDTH)


def clean_number(raw: str) -> str:
    """An order or waybill number as typed → one spelling: no whitespace, invisible or control characters,
    half-width, upper-case, without Excel's leading text marker "'" (all of them, so that cleaning
    twice changes nothing)."""
    text = "".join(to_half_width(raw).split()).translate(_INVISIBLE)
    return text.lstrip("'").upper()


def chinese(label) -> str:
    """The Chinese source text of a (lazily) translated label, whatever language is active.

    For text that is stored or joins a Chinese sentence (reasons, log notes, error messages), so that
    a console user reading English never writes English into Chinese text.
    """
    with translation.override(None):
        return str(label)
