"""Waybill (运单号) number rules: one canonical spelling, and honest carrier guesses.

Why: merchants paste waybill numbers from Excel, WeChat and carrier portals, so one parcel turns
up as ``'jdx000234596031-1-5-``, with full-width digits, or with a stray NBSP. Every lookup and
duplicate check must compare one canonical string, so everything goes through
``normalize_waybill`` first.

Carrier number ranges overlap (a 13-digit number can be EMS or Yunda; 12 plain digits can be an
old SF number or a JD order number), so ``candidate_carriers`` returns an ordered list of guesses,
never a single answer. Patterns follow our reference notes on the carriers' published formats.
"""

from __future__ import annotations

import re

from yundan.text import clean_number

CARRIER_NAMES: dict[str, str] = {
    "jd": "京东物流",
    "sf": "顺丰速运",
    "zto": "中通快递",
    "yto": "圆通速递",
    "sto": "申通快递",
    "yunda": "韵达快递",
    "ems": "邮政EMS",
    "jt": "极兔速递",
    "deppon": "德邦快递",
}

# JD package code (包裹号): <waybill>-<n>-<total> with an optional trailing "-".
_PACKAGE_SUFFIX = re.compile(r"(.+)-([0-9]+)-([0-9]+)-?", re.DOTALL)

_JD_STRICT = re.compile(r"JDX[0-9]{12}|JDV[ABC][0-9]{11}|V[AB][0-9]{11}")

# (carrier, pattern), best guess first. Letter-prefixed patterns come first: a prefix is strong
# evidence. Weak shapes (any "JD??" number, 12 plain digits for old SF) come after the strict ones.
# A number is either all digits or has letters, so the two groups never compete.
_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (carrier, re.compile(pattern))
    for carrier, pattern in (
        ("jd", _JD_STRICT.pattern),
        ("sf", r"SF[A-Z0-9][0-9]{12}"),
        ("yto", r"YT[0-9]{13}"),
        ("ems", r"P[A-Z][0-9]{11}|[A-Z]{2}[0-9]{9}CN"),  # EMS parcels and UPU S10 (EA…CN, RR…CN)
        ("jt", r"JT[0-9]{12,13}"),
        ("deppon", r"DPK[0-9]{11,12}"),
        ("jd", r"JD[A-Z0-9]{2}[0-9]{11}"),  # weaker: JD-shaped but not a known series
        ("zto", r"7[3-68][0-9]{12}"),
        ("sto", r"(?:77|43)[0-9]{12,15}"),
        ("yunda", r"[34][0-9]{14}|5[0-9]{12}|3[0-9]{12}"),
        ("ems", r"[981][0-9]{12}"),
        ("sf", r"[0-9]{12}"),  # weakest: older SF numbers were 12 plain digits
    )
)

_ORDER_NO = re.compile(r"[0-9]{8,20}")


def _split_suffix(text: str) -> tuple[str, int, int] | None:
    match = _PACKAGE_SUFFIX.fullmatch(text)
    if match is None:
        return None
    base, n, total = match.group(1), int(match.group(2)), int(match.group(3))
    if not 1 <= n <= total:
        return None  # "-0-3" or "-4-3" is not a package code; leave the text alone
    return base, n, total


def parse_package_code(raw: str) -> tuple[str, int | None, int | None]:
    """Split a JD package code into (waybill, n, total); n and total are None without a suffix.

    ``JDX000234596031-1-5-`` is parcel 1 of 5 of waybill ``JDX000234596031``.
    """
    text = clean_number(raw)
    split = _split_suffix(text)
    if split is None:
        return text, None, None
    waybill, n, total = split
    # Keep stripping in the (odd) case of a doubled suffix, so normalizing twice changes nothing.
    while (again := _split_suffix(waybill)) is not None:
        waybill = again[0]
    return waybill, n, total


def normalize_waybill(raw: str) -> str:
    """The canonical waybill: no whitespace, half-width, upper-case, no package suffix.

    A leading Excel text marker "'" is dropped as well.
    """
    return parse_package_code(raw)[0]


def is_jd_waybill(number: str) -> bool:
    """True for JD Logistics numbers: JDX + 12 digits, JDVA/JDVB/JDVC + 11, legacy VA/VB + 11."""
    return _JD_STRICT.fullmatch(normalize_waybill(number)) is not None


def candidate_carriers(number: str) -> list[str]:
    """Carrier codes whose number format fits, best guess first; [] if none does.

    A match is a hint, not proof: ranges overlap and carriers change formats.
    """
    text = normalize_waybill(number)
    found: list[str] = []
    for carrier, pattern in _RULES:
        if carrier not in found and pattern.fullmatch(text):
            found.append(carrier)
    return found


def looks_like_waybill(number: str) -> bool:
    """True if some carrier's format fits (see ``candidate_carriers``)."""
    return bool(candidate_carriers(number))


def looks_like_order_no(number: str) -> bool:
    """True if this could be a JD order number (8–20 digits).

    Cleaned like a waybill (spaces, full-width, "'") but no package suffix is stripped: order
    numbers never carry one. Note 12- and 13-digit numbers also look like waybills; callers that
    accept both must ask the user or try both lookups.
    """
    return _ORDER_NO.fullmatch(clean_number(number)) is not None


# What merchants write in a 快递公司 column, by carrier code (the Chinese name itself counts too).
_CARRIER_ALIASES: dict[str, tuple[str, ...]] = {
    "jd": ("京东", "京东快递", "京东物流", "JD", "JDL"),
    "sf": ("顺丰", "顺丰快递", "SF", "SF EXPRESS"),
    "zto": ("中通", "ZTO"),
    "yto": ("圆通", "圆通快递", "YTO"),
    "sto": ("申通", "STO"),
    "yunda": ("韵达", "YUNDA"),
    "ems": ("EMS", "邮政", "中国邮政", "邮政快递包裹", "邮政EMS"),
    "jt": ("极兔", "极兔快递", "J&T", "JT"),
    "deppon": ("德邦", "德邦物流", "DEPPON"),
}
_CARRIER_BY_NAME = {
    alias.upper(): code
    for code, aliases in _CARRIER_ALIASES.items()
    for alias in (*aliases, code, CARRIER_NAMES[code])
}


def carrier_from_name(text: str) -> str:
    """The carrier code for a name as merchants write it (顺丰, 中通快递, SF…); ValueError if unknown."""
    code = _CARRIER_BY_NAME.get(" ".join(text.split()).upper())
    if code is None:
        raise ValueError(f"未知的快递公司「{text}」，可填：{'、'.join(CARRIER_NAMES.values())}")
    return code
