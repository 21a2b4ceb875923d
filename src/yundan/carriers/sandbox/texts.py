"""JD-style wording for simulated scans: operation codes, sentences, couriers, place names."""

from __future__ import annotations

import random
import re

from yundan.carriers.sandbox.numbers import stable_int
from yundan.tracking.statuses import TrackingStatus as S

# The one table from a simulated JD operation title (raw_code) to the normalized status.
RAW_STATUS: dict[str, str] = {
    "下单": S.PENDING.value,
    "揽收任务分配": S.PENDING.value,
    "揽收": S.PICKED_UP.value,
    "分拣": S.IN_TRANSIT.value,
    "发货": S.IN_TRANSIT.value,
    "到达": S.IN_TRANSIT.value,
    "派送": S.OUT_FOR_DELIVERY.value,
    "投柜": S.AWAITING_PICKUP.value,
    "驿站代收": S.AWAITING_PICKUP.value,
    "滞留提醒": S.AWAITING_PICKUP.value,
    "妥投": S.DELIVERED.value,
    "配送异常": S.DELIVERY_FAILED.value,
    "拒收": S.REJECTED.value,
    "返回": S.RETURNING.value,
    "退货中": S.RETURNING.value,
    "退货妥投": S.RETURNED.value,
    "丢失": S.LOST.value,
}

THANKS = "感谢您使用京东物流，期待再次为您服务"
NOTIFIED = "您的订单已出库，商家已通知快递员揽件"
LOST = "经核实，您的快件在运输途中丢失，我们深表歉意，将尽快为您处理理赔"
RETURN_STARTED = "您的快件因客户拒收，已发起退回，正在退回商家"
RETURNED = "您的快件已退回，由商家签收"
INTERCEPTED = "商家已申请拦截，您的快件将退回商家"
PICKED_FROM_LOCKER = f"您的快件已取件，{THANKS}"

FAILURE_REASONS = ("客户电话无人接听", "客户要求改期配送", "收货地址无人，电话联系不上", "客户临时外出")
REJECTION_REASONS = ("商品与描述不符", "客户表示不想要了", "外包装破损", "客户未购买此商品", "客户已在别处购买")
SIGNERS = ("本人",) * 7 + ("家人", "门卫", "公司前台")
COMMUNITIES = ("阳光花园", "金色家园", "幸福里小区", "翠苑一区", "锦绣华庭", "万科城", "书香门第", "碧桂园")

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董"
_GIVEN = (
    "伟", "强", "磊", "军", "勇", "杰", "涛", "明", "超", "鹏", "浩", "斌", "建国", "建华", "志强",
    "海涛", "晓东", "文博", "俊杰", "国栋", "永刚", "春生", "立新", "小龙", "德明", "振宇", "宏伟",
    "家乐", "秀英", "晓燕", "丽娟", "桂芳",
)
_MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
    "156", "157", "158", "159", "176", "177", "180", "181", "182", "183", "186", "187", "188", "189",
)
_ETHNIC = re.compile(r"^(.+?)(?:朝鲜|土家|哈萨克|蒙古|纳西|苗|藏|羌|彝|侗|傣|白|回|土)")
_SUFFIXES = ("自治州", "自治县", "地区", "新区", "市", "区", "县", "旗", "盟")


def courier(station: str, slot: int) -> tuple[str, str]:
    """(name, mobile) of courier number ``slot`` at a station: the same person on every trace."""
    rng = random.Random(stable_int("yundan-sandbox-courier", station, slot))
    name = rng.choice(_SURNAMES) + rng.choice(_GIVEN)
    phone = rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
    return name, phone


def short_place(name: str) -> str:
    """"杭州市" -> "杭州", "西湖区" -> "西湖", "恩施土家族苗族自治州" -> "恩施" (for facility names)."""
    name = name.strip()
    if "族" in name or "自治" in name:
        match = _ETHNIC.match(name)
        if match and len(match.group(1)) >= 2:
            return match.group(1)
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def picked_up(station: str, name: str, phone: str) -> str:
    return f"您的快件已由【{station}】揽收完成，快递员：{name}，电话：{phone}"


def sorted_at(place: str) -> str:
    return f"您的快件在【{place}】分拣完成"


def departed(destination: str, returning: bool = False) -> str:
    return f"您的{'退货' if returning else ''}快件已发车，正发往【{destination}】"


def arrived(place: str, returning: bool = False) -> str:
    return f"您的{'退货' if returning else ''}快件已到达【{place}】"


def out_for_delivery(name: str, phone: str) -> str:
    return f"您的快件正在派送中，请您准备签收（快递员：{name}，联系电话：{phone}）"


def delivered(signer: str) -> str:
    return f"您的快件已由{signer}签收，{THANKS}"


def in_locker(place: str) -> str:
    return f"您的快件已放至【{place}】，请凭取件码及时取件"


def at_post_station(place: str) -> str:
    return f"您的快件已由【{place}】代收，请凭取件码及时取件"


def pickup_reminder(place: str) -> str:
    return f"您的快件已在【{place}】存放超过48小时，请尽快凭取件码取件"


def delivery_failed(reason: str, name: str, phone: str) -> str:
    return f"您的快件配送异常，原因：{reason}，将于次日再次为您派送（快递员：{name}，联系电话：{phone}）"


def rejected(reason: str) -> str:
    return f"客户拒收，原因：{reason}"
