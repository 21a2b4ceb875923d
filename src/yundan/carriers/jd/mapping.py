"""From JD's trace wording onto our normalized statuses, and JD's times onto aware datetimes.

JD trace entries carry no status code: JOS gives an operation title (``opeTitle``, e.g. "妥投")
and a sentence (``opeRemark``); LOP adds a stage code (``category``) whose table is not public.
So the status comes from documented keywords, checked rule by rule in a fixed order: the first
rule with a keyword in any of the texts wins. The order is the point, because JD sentences
mention more than one thing:

* "您的快件因客户拒收，已发起退回" is RETURNING, although it says 拒收, so returns come first;
* "退货妥投" / "已退回，由商家签收" is RETURNED, although it says 妥投 / 签收;
* "未妥投" is a failed delivery and "正在派送中，请您准备签收" is still out for delivery,
  so both are checked before the plain 妥投 / 签收 of a delivery;
* "揽收任务分配" (a courier was sent) is PENDING, checked before the plain 揽收 (picked up);
* a locker's "请凭取件码取件" is AWAITING_PICKUP, but "您的快件已取件" is DELIVERED.

What matches nothing is IN_TRANSIT (the scan of a moving parcel is by far the most common line);
the event keeps JD's own title and sentence either way.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from yundan.tracking.statuses import TrackingStatus as S

SHANGHAI = ZoneInfo("Asia/Shanghai")

RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (S.LOST, ("丢失", "遗失", "丢件")),
    (S.RETURNED, ("退货妥投", "退回妥投", "已退回", "退回成功")),
    (S.RETURNING, ("退货", "退回", "返回", "逆向")),
    (S.REJECTED, ("拒收", "拒签")),
    (S.DELIVERY_FAILED, ("配送异常", "派送异常", "派送失败", "配送失败", "投递失败", "未妥投", "联系不上",
                         "无人接听", "改期配送")),
    (S.EXCEPTION, ("异常", "破损", "问题件")),
    (S.DELIVERED, ("已取件", "已取出")),
    (S.AWAITING_PICKUP, ("投柜", "快递柜", "自提", "驿站", "取件码", "提货码", "待取件", "滞留提醒")),
    (S.OUT_FOR_DELIVERY, ("正在派送", "派送中", "正在配送", "准备签收", "请签收", "等待签收")),
    (S.DELIVERED, ("妥投", "签收")),
    (S.OUT_FOR_DELIVERY, ("派送", "派件", "配送员", "送货")),
    (S.PENDING, ("揽收任务分配", "下单", "待揽收", "等待揽收", "通知快递员")),
    (S.PICKED_UP, ("揽收", "已收件", "已揽件")),
    (S.IN_TRANSIT, ("分拣", "发货", "发车", "发往", "到达", "运输", "中转", "转运")),
)

# LOP ``category`` is a stage (环节), not a state: a stage allows some statuses, the event's own
# words choose among them, and the stage's default applies when they say nothing it allows.
# Only 390 = 揽收中 is documented, on an event titled 揽收任务分配 (a courier was assigned): the
# collection stage runs from "courier on the way" (PENDING) to "collected" (PICKED_UP). Its
# default is PENDING, the sample's meaning, because claiming the parcel is in JD's hands when it
# may not be would start the transit clocks too early. Unknown codes fall back to keywords.
CATEGORY_STAGES: dict[str, tuple[str, frozenset[str]]] = {
    "390": (S.PENDING, frozenset({S.PENDING, S.PICKED_UP})),
}

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def status_of(*texts: str) -> str | None:
    """The status of the first rule with a keyword in any of ``texts``; None if none matches."""
    present = [text for text in texts if text]
    for status, keywords in RULES:
        if any(keyword in text for text in present for keyword in keywords):
            return status.value
    return None


def keyword_status(*texts: str) -> str:
    """``status_of`` with the IN_TRANSIT fallback: every JD line gets some status."""
    return status_of(*texts) or S.IN_TRANSIT.value


def lop_status(category: str, category_name: str, title: str, remark: str) -> str:
    """Status of one LOP trace line: the stage's table entry when known, else keywords of the
    line's own words, then of the stage name (coarser: "揽收中" covers two statuses)."""
    stage = CATEGORY_STAGES.get(category)
    said = status_of(title, remark)
    if stage is not None:
        default, allowed = stage
        return said if said in allowed else default
    return said or keyword_status(category_name)


def jd_time(value: object) -> datetime:
    """``2026-11-20 15:30:00`` or ``2026/11/20 15:30:00`` (optionally with ``.000``), Beijing
    time, as an aware datetime. Raises ValueError for anything else."""
    text = str(value or "").strip().replace("/", "-").split(".")[0]
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=SHANGHAI)
