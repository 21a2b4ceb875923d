"""Kuaidi100 codes onto ours: state codes, status names and courier codes.

Karrio-style tables (our value → their values) so a reviewer can hold them against the reference
(tracking-protocols.md §1.3 and §7) line by line. Kuaidi100 sends a numeric code (``statusCode``
per trace with ``resultv2=4``, ``state`` for the parcel) and sometimes only a status *name*
(在途, 签收…); the code wins when both are known. Anything unknown is kept as the raw code and
shown as in transit, the least alarming status that still keeps the parcel being tracked.
"""

from __future__ import annotations

from yundan.tracking.statuses import TrackingStatus

S = TrackingStatus

STATUS_CODES: dict[TrackingStatus, tuple[str, ...]] = {
    S.PENDING: ("101", "102"),  # 已下单, 待揽收
    S.PICKED_UP: ("1", "103"),  # 揽收, 已揽收
    # 在途 and its sub-codes, 转投 (handed to another courier), 清关 and the customs steps.
    S.IN_TRANSIT: ("0", "1001", "1002", "1003", "7", "8", "10", "11", "12"),
    S.OUT_FOR_DELIVERY: ("5",),  # 派件
    S.AWAITING_PICKUP: ("501",),  # 投柜或驿站
    S.DELIVERED: ("3", "301", "302", "303", "304"),  # 签收, 本人/异常后/代签/投柜或站签收
    S.DELIVERY_FAILED: ("204", "206", "207"),  # 派件异常, 无法联系, 超区
    # 疑难 and its sub-codes, 清关异常, and the cancellations 已销单/销单.
    S.EXCEPTION: ("2", "201", "202", "205", "208", "209", "13", "401", "210"),
    S.REJECTED: ("14", "203"),  # 拒签, 拒收
    S.RETURNING: ("6",),  # 退回
    S.RETURNED: ("4",),  # 退签
}

# Status names as Kuaidi100 prints them next to a trace (resultv2 ≥ 1), for answers without a code.
STATUS_NAMES: dict[TrackingStatus, tuple[str, ...]] = {
    S.PENDING: ("已下单", "待揽收"),
    S.PICKED_UP: ("揽收", "已揽收"),
    S.IN_TRANSIT: ("在途", "到达派件城市", "干线", "转递", "转投", "转单", "清关", "待清关", "清关中", "已清关"),
    S.OUT_FOR_DELIVERY: ("派件",),
    S.AWAITING_PICKUP: ("投柜或驿站",),
    S.DELIVERED: ("签收", "本人签收", "派件异常后签收", "代签", "投柜或站签收"),
    S.DELIVERY_FAILED: ("派件异常", "无法联系", "超区"),
    S.EXCEPTION: ("疑难", "超时未签收", "超时未更新", "柜或驿站超时未取", "滞留", "破损", "清关异常", "已销单", "销单"),
    S.REJECTED: ("拒签", "拒收"),
    S.RETURNING: ("退回",),
    S.RETURNED: ("退签",),
}

FALLBACK_STATUS = S.IN_TRANSIT

_BY_CODE = {code: status for status, codes in STATUS_CODES.items() for code in codes}
_BY_NAME = {name: status for status, names in STATUS_NAMES.items() for name in names}


def status_for(code: str, name: str = "") -> str:
    """Our status for a Kuaidi100 code, else for its status name, else the fallback."""
    return _BY_CODE.get(code.strip()) or _BY_NAME.get(name.strip()) or FALLBACK_STATUS


# Our courier codes (shipping.waybills.CARRIER_NAMES) → Kuaidi100 ``com`` codes. The reference
# took these from third-party tables, so the account setting ``com_codes`` can override any of them.
COM_CODES: dict[str, str] = {
    "jd": "jd",
    "sf": "shunfeng",
    "zto": "zhongtong",
    "yto": "yuantong",
    "sto": "shentong",
    "yunda": "yunda",
    "ems": "ems",
    "jt": "jtexpress",
    "deppon": "debangwuliu",
}


def reverse_com_codes(com_codes: dict[str, str]) -> dict[str, str]:
    """Kuaidi100 ``com`` → our courier code; when two of ours share one, the first listed wins."""
    reverse: dict[str, str] = {}
    for ours, theirs in com_codes.items():
        reverse.setdefault(theirs, ours)
    return reverse
