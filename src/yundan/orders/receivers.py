"""Receiver personal data: phone numbers in one canonical form, and masking for display.

Why: receiver phones arrive typed by people ("(010) 6552 9988", "+86 138-1234-5678", full-width
digits), yet carriers (SF and ZTO ask for the last 4 digits) and duplicate checks need one form.
Masking follows GB/T 41833-2022 (personal information de-identification, which asks that at
least 6 digits of a phone be hidden) so screens, exports and logs show only what staff need.
Error messages never repeat the number itself, so they are safe to log.

Canonical phone forms produced by ``normalize_phone``:

- mobile: 11 digits starting with 1 (``13812345678``); a +86 / 0086 / 86 prefix is dropped;
- landline: area code and local number joined by "-" (``010-65529988``); area codes 010 and
  02x have 3 digits, all others 4; the local number has 7–8 digits and starts with 2–9;
- local number with no area code: its 7–8 digits (``65529988``);
- foreign: "+" and the digits (``+14155552671``);
- anything else with 7–15 digits that starts with 2–9: the digits alone (e.g. 400 hotlines).
  Unrecognised numbers starting with 1 or 0 are typos of a mobile or landline: ValueError.

Extensions (our choice): written as ``转123`` or ``分机123``, or as a trailing digit group after
a complete number (``010-65529988-123``), they are kept as ``-123`` (1–6 digits). This also
covers JD's privacy relay numbers (``13812345678转1234``), where the extension is what reaches
the receiver.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from yundan.text import to_half_width

_EXTENSION_MARK = re.compile(r"转|分机")
_DIGIT_RUN = re.compile(r"[0-9]+")
_MOBILE = re.compile(r"1[0-9]{10}")
_LOCAL = re.compile(r"[2-9][0-9]{6,7}")
_MAX_EXTENSION = 6
_MIN_DIGITS, _MAX_DIGITS = 7, 15  # shorter is not a reachable phone; 15 is the E.164 maximum


class _Phone(NamedTuple):
    kind: str  # "mobile" | "landline" | "local" | "foreign" | "other"
    area: str  # landline area code, else ""
    number: str  # digits only
    extension: str = ""

    def __str__(self) -> str:
        main = {"landline": f"{self.area}-{self.number}", "foreign": f"+{self.number}"}
        text = main.get(self.kind, self.number)
        return f"{text}-{self.extension}" if self.extension else text


def _main_number(digits: str) -> _Phone | None:
    """Recognise a complete Chinese number (no extension) from its digits alone."""
    if _MOBILE.fullmatch(digits):
        return _Phone("mobile", "", digits)
    if digits.startswith("86") and _MOBILE.fullmatch(digits[2:]):
        return _Phone("mobile", "", digits[2:])
    if digits.startswith("0"):
        area_len = 3 if digits[1:2] in ("1", "2") else 4
        local = digits[area_len:]
        return _Phone("landline", digits[:area_len], local) if _LOCAL.fullmatch(local) else None
    return _Phone("local", "", digits) if _LOCAL.fullmatch(digits) else None


def _resolve(digits: str, cuts: list[int], extension: str) -> _Phone | None:
    """A Chinese number plus extension; ``cuts`` are where the typed digit groups ended."""
    if extension:
        whole = _main_number(digits)
        return whole._replace(extension=extension) if whole is not None else None
    # A typed group after a complete number is an extension. This is checked before the whole
    # digit string so that "0571-1234567-8" keeps its extension, and stays the same when
    # normalized again, instead of turning into the 8-digit local number 12345678.
    for cut in sorted(cuts, reverse=True):
        head, tail = _main_number(digits[:cut]), digits[cut:]
        if head is not None and len(tail) <= _MAX_EXTENSION:
            return head._replace(extension=tail)
    return _main_number(digits)


def _wrong_length(count: int) -> ValueError:
    return ValueError(
        f"phone number has {count} digits, expected {_MIN_DIGITS}–{_MAX_DIGITS} / "
        f"电话号码位数不对（{count} 位），应为 {_MIN_DIGITS}–{_MAX_DIGITS} 位"
    )


def _parse(raw: str) -> _Phone | None:
    """None for an empty phone; ValueError when the text cannot be a phone number."""
    text = to_half_width(raw).strip()
    if not text:
        return None
    main_text, *rest = _EXTENSION_MARK.split(text, maxsplit=1)
    extension = "".join(_DIGIT_RUN.findall(rest[0])) if rest else ""
    groups = _DIGIT_RUN.findall(main_text)
    digits = "".join(groups)
    if not digits:
        raise ValueError("phone number has no digits / 电话号码中没有数字")
    if len(extension) > _MAX_EXTENSION:
        raise ValueError(
            f"extension has more than {_MAX_EXTENSION} digits / 分机号超过 {_MAX_EXTENSION} 位"
        )
    cuts = [sum(map(len, groups[: i + 1])) for i in range(len(groups) - 1)]

    if main_text.startswith("+") or digits.startswith("00"):
        prefix = 0 if main_text.startswith("+") else 2
        national = digits[prefix:]
        if national.startswith("86"):
            shifted = [c - prefix - 2 for c in cuts if c > prefix + 2]
            # "+86 10 6552 9988" drops the trunk 0 that a domestic caller dials.
            phone = _resolve(national[2:], shifted, extension) or _resolve(
                "0" + national[2:], [c + 1 for c in shifted], extension
            )
            if phone is None:
                raise ValueError("not a valid Chinese phone number after +86 / +86 后不是有效的中国号码")
            return phone
        if extension:
            raise ValueError("extensions on foreign numbers are not supported / 不支持境外号码的分机号")
        if not _MIN_DIGITS <= len(national) <= _MAX_DIGITS:
            raise _wrong_length(len(national))
        return _Phone("foreign", "", national)

    phone = _resolve(digits, cuts, extension)
    if phone is not None:
        return phone
    if extension:  # the extension would silently merge into an unrecognised number
        raise ValueError("number before the extension is not a valid phone / 分机号前的号码无效")
    # In China only mobiles start with 1 (besides short service numbers) and only area codes
    # with 0, so such a number we could not recognise is a typo, not some other kind of phone.
    if digits.startswith("1"):
        count = len(digits)
        raise ValueError(
            f"mobile number must have 11 digits, got {count} / 手机号应为 11 位，实际 {count} 位"
        )
    if digits.startswith("0"):
        raise ValueError(
            "landline must be an area code and a 7–8 digit number / 座机号应为区号加 7–8 位号码"
        )
    if not _MIN_DIGITS <= len(digits) <= _MAX_DIGITS:
        raise _wrong_length(len(digits))
    return _Phone("other", "", digits)


def normalize_phone(raw: str) -> str:
    """The canonical form described in the module docstring; "" stays "".

    Raises ValueError (English / 中文 message, without the number) for text that cannot be a phone.
    """
    phone = _parse(raw)
    return "" if phone is None else str(phone)


def _try_parse(phone: str) -> _Phone | None:
    try:
        return _parse(phone)
    except ValueError:
        return None


def is_mobile(phone: str) -> bool:
    """True for a plain Chinese mobile number.

    A mobile with an extension (a JD privacy relay number) is not a mobile: it cannot get SMS.
    """
    parsed = _try_parse(phone)
    return parsed is not None and parsed.kind == "mobile" and not parsed.extension


def phone_last4(phone: str) -> str:
    """Last 4 digits of the number itself, not of its extension ("" if invalid).

    SF and ZTO ask for these before showing a trace.
    """
    parsed = _try_parse(phone)
    return parsed.number[-4:] if parsed is not None and len(parsed.number) >= 4 else ""


def _hide(digits: str, keep_last: int) -> str:
    cut = len(digits) - max(0, keep_last)
    return "*" * cut + digits[cut:]


def mask_phone(phone: str) -> str:
    """Show a phone with at least 6 digits hidden (GB/T 41833-2022).

    - mobile: first digit, six "*", last 4: ``1******5678``;
    - landline: the area code stays (it only names a city). Keeping 4 local digits would hide
      only 3–4, so a 7–8 digit local number keeps just its last ``len - 6`` digits (1 or 2):
      ``010-******88``, ``0571-******7``;
    - other numbers keep at most their last 4 digits and hide at least 6 (all of them if short);
    - an extension stays visible: alone it identifies no one, and couriers need it;
    - text that is not a valid phone (e.g. under 7 digits): every digit becomes "*".
    """
    try:
        parsed = _parse(phone)
    except ValueError:
        return "*" * sum(map(len, _DIGIT_RUN.findall(to_half_width(phone))))
    if parsed is None:
        return ""
    number = parsed.number
    if parsed.kind == "mobile":
        masked = number[0] + "******" + number[-4:]
    elif parsed.kind == "landline":
        masked = f"{parsed.area}-{_hide(number, len(number) - 6)}"
    else:
        masked = ("+" if parsed.kind == "foreign" else "") + _hide(number, min(4, len(number) - 6))
    return f"{masked}-{parsed.extension}" if parsed.extension else masked


# Phone numbers inside a text (a carrier's trace, a log line). Not next to other digits or letters,
# so waybill and order numbers (SF1234…, JDX0002…, 13-digit numbers) and ids (a task's UUID
# ending -13812348557e) are never taken for phones.
_EDGE_BEFORE, _EDGE_AFTER = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"
PHONE_IN_TEXT = re.compile(
    _EDGE_BEFORE + "(?:"
    r"(?:(?:\+|00)?86[- ]?)?1[3-9][0-9][- ]?[0-9]{4}[- ]?[0-9]{4}"  # mobile, maybe +86/0086, maybe 3-4-4
    r"|\(?0[1-9][0-9]{1,2}\)?[- ]?[2-9][0-9]{2,3}[- ]?[0-9]{4}"  # landline with its area code
    ")" + _EDGE_AFTER
)
# A bare 7–8 digit local number is only taken for a phone where the text says it is one.
_LOCAL_AFTER_WORD = re.compile(r"(?:电话|手机|联系方式|致电|热线|[Tt]el):?\s*([2-9][0-9]{6,7})" + _EDGE_AFTER)


def mask_phones_in_text(text: str) -> str:
    """Every mobile and landline number in ``text`` masked as ``mask_phone`` does
    (``1******5678``, ``010-******88``), in half- or full-width digits; everything else untouched.

    Service hotlines (400/800 numbers, 95xxx short numbers) are the carrier's public numbers and
    stay as they are. An extension after a number (``转1234``) stays too, as mask_phone keeps it.
    """
    plain = to_half_width(text)  # one character for one, so a match's span is the original's too
    spans = [m.span() for m in PHONE_IN_TEXT.finditer(plain)] + [m.span(1) for m in _LOCAL_AFTER_WORD.finditer(plain)]
    if not spans:
        return text
    pieces, done = [], 0
    for start, end in sorted(spans):
        if start >= done:  # the two patterns never overlap; if they did, the first one counts
            pieces += [text[done:start], mask_phone(plain[start:end])]
            done = end
    return "".join(pieces) + text[done:]


def mask_name(name: str) -> str:
    """Keep the first character, "*" for every other one: 张三 → 张*, 欧阳娜娜 → 欧***, 王 → *.

    The same length keeps table columns aligned; a one-character name is hidden entirely so at
    least one character is always hidden. Works the same for Latin names (John Smith → J*********).
    """
    name = name.strip()
    if len(name) <= 1:
        return "*" * len(name)
    return name[0] + "*" * (len(name) - 1)


_STREET_END = re.compile(r"(?:大道|路|街|道|巷|弄|村|镇)\s*$")
_HOUSE_NUMBER = re.compile(r"\d+\s*号(?!楼)")
_DIGIT = re.compile(r"\d")  # Unicode \d: full-width ５ counts too


def mask_address_detail(detail: str) -> str:
    """Replace the digits that locate a unit (building, entrance, floor, room) with "*".

    Rule: every digit becomes "*" except a house number written straight after a street name
    (the "88" of 建国路88号), which only locates the building complex and lets staff check the
    address is plausible. ``建国路88号SOHO现代城5号楼1203室`` → ``建国路88号SOHO现代城*号楼****室``.
    With no street name before the first digit, all digits are hidden. "5号楼" right after the
    street is a building, so it is hidden. Chinese numerals (五号楼) are not recognised.
    Length and all non-digit characters are kept.
    """
    first = _DIGIT.search(detail)
    if first is None:
        return detail
    start = first.start()
    keep = 0
    if _STREET_END.search(detail[:start]):
        house = _HOUSE_NUMBER.match(detail, start)
        if house is not None:
            keep = house.end()
    return detail[:keep] + _DIGIT.sub("*", detail[keep:])
