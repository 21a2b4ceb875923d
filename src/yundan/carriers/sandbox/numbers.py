"""Sandbox waybill numbers and the scenario each number plays (see the package docstring)."""

from __future__ import annotations

import hashlib
import re
from types import MappingProxyType

from yundan.shipping.waybills import normalize_waybill

# name -> (forced digit, default share when chosen by hash, what happens). Order matters: the
# hash buckets are laid out in this order, and the digits are stable (they live in numbers).
SCENARIOS: MappingProxyType[str, tuple[int, float, str]] = MappingProxyType(
    {
        "delivered": (1, 0.70, "正常派送，送货上门签收"),
        "locker_pickup": (2, 0.10, "投递至快递柜/驿站待取件，随后取件（也可能迟迟未取）"),
        "stalled": (3, 0.06, "运输途中停滞，到达某分拣中心后数日无更新"),
        "failed_then_delivered": (4, 0.06, "首次派送失败（如电话无人接听、客户要求改期），次日再派并签收"),
        "rejected_returned": (5, 0.05, "客户拒收，快件退回中，最终退回商家签收"),
        "lost": (6, 0.03, "运输途中停滞，约7天后确认丢失"),
    }
)

SANDBOX_PREFIX = "JDX9"
SERIAL_DIGITS = 10
_SANDBOX_RE = re.compile(r"^JDX9([0-6])(\d{10})$")
_BY_DIGIT = {digit: name for name, (digit, _share, _text) in SCENARIOS.items()}
_BASIS_POINTS = 10_000


def stable_int(*parts: object) -> int:
    """A 64-bit integer from SHA-256 of the parts: the same on every run, machine and Python."""
    text = "|".join(str(part) for part in parts)
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def sandbox_waybill(serial: int, scenario: str | None = None) -> str:
    """``JDX9`` + scenario digit (0 = by hash) + the serial as 10 digits, e.g. ``JDX910000000042``."""
    if not 0 <= serial < 10**SERIAL_DIGITS:
        raise ValueError(f"沙箱运单流水号超出范围（0 至 {10**SERIAL_DIGITS - 1}）：{serial}")
    if scenario is None:
        digit = 0
    elif scenario in SCENARIOS:
        digit = SCENARIOS[scenario][0]
    else:
        raise ValueError(f"未知的模拟场景：{scenario!r}，可选：{'、'.join(SCENARIOS)}")
    return f"{SANDBOX_PREFIX}{digit}{serial:0{SERIAL_DIGITS}d}"


def is_sandbox_waybill(waybill_no: str) -> bool:
    return _SANDBOX_RE.match(normalize_waybill(waybill_no)) is not None


def scenario_of(waybill_no: str) -> str:
    """The scenario a number plays: its forced digit, else a stable hash of the number.

    Works for any string, not only sandbox numbers: the sandbox can simulate a trace for a real
    JD number typed in by hand.
    """
    number = normalize_waybill(waybill_no)
    match = _SANDBOX_RE.match(number)
    if match and match.group(1) != "0":
        return _BY_DIGIT[int(match.group(1))]
    bucket = stable_int("yundan-sandbox-scenario", number) % _BASIS_POINTS
    upper = 0
    for name, (_digit, share, _text) in SCENARIOS.items():
        upper += round(share * _BASIS_POINTS)
        if bucket < upper:
            return name
    return next(iter(SCENARIOS))  # unreachable while the shares add up to 100%
