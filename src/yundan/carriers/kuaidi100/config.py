"""A Kuaidi100 account's settings: the keys, their defaults, and reading them into typed values.

Facts the reference only infers or takes from third-party code (the ``resultv2`` levels, the
courier codes, the per-waybill limits, the time zone of trace times) are settings, not constants.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta, tzinfo
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from yundan.carriers.base import CarrierError, SettingKey
from yundan.carriers.http import HttpSettings
from yundan.carriers.kuaidi100.mapping import COM_CODES
from yundan.carriers.settings_keys import HTTP_KEYS, http_settings, number
from yundan.shipping.waybills import CARRIER_NAMES

KEYS: tuple[SettingKey, ...] = (
    SettingKey("customer", "快递100 分配的 customer（公司编号）/ company id from Kuaidi100"),
    SettingKey("key", "快递100 授权 key / authorization key", secret=True),
    SettingKey("query_url", "实时查询接口地址 / real-time query endpoint", "https://poll.kuaidi100.com/poll/query.do"),
    SettingKey("subscribe_url", "订阅接口地址 / subscription endpoint", "https://poll.kuaidi100.com/poll"),
    SettingKey(
        "callback_url",
        "本系统 POST /hooks/kuaidi100 的公网地址，留空则不订阅推送 / our public push URL; empty = no subscriptions",
        "",
    ),
    SettingKey("salt", "推送签名用的 salt，留空则推送不验签 / push signature salt; empty = unsigned", "", secret=True),
    SettingKey("resultv2", "resultv2 参数（4 = 带高级状态码）/ resultv2 level (4 = with status codes)", "4"),
    SettingKey(
        "com_codes",
        "快递公司编码覆盖，如 sf=shunfeng,deppon=debangkuaidi / courier code overrides (ours=kuaidi100)",
        "",
    ),
    SettingKey("min_interval_minutes", "同一运单两次查询的最短间隔（分钟）/ minutes between queries of a waybill", "30"),
    SettingKey("daily_limit", "同一运单 24 小时内最多查询次数 / queries per waybill per 24 h", "48"),
    SettingKey("timezone", "轨迹时间所在时区 / time zone of the trace times", "Asia/Shanghai"),
    *HTTP_KEYS,
)


@dataclass(frozen=True)
class Kuaidi100Settings:
    """Read from the strings by ``read_settings``; the defaults live in ``KEYS`` only."""

    customer: str
    key: str
    query_url: str
    subscribe_url: str
    callback_url: str  # "" = no subscriptions
    salt: str  # "" = pushes are unsigned
    resultv2: str
    com_codes: Mapping[str, str]  # our courier code → Kuaidi100 com
    min_interval: timedelta
    daily_limit: int
    zone: tzinfo
    http: HttpSettings


def _url(values: Mapping[str, str], key: str, *, optional: bool = False) -> str:
    value = (values.get(key) or "").strip()
    if optional and not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CarrierError(f"设置 {key}={value!r} 不是有效的 http(s) 地址 (setting {key} must be an http(s) URL)")
    return value


def _required(values: Mapping[str, str], key: str) -> str:
    value = (values.get(key) or "").strip()
    if not value:
        raise CarrierError(f"快递100 缺少必填设置 {key} (missing required setting {key})")
    return value


def parse_com_codes(text: str) -> dict[str, str]:
    """The built-in courier table with ``ours=theirs`` overrides (comma separated) on top."""
    table = dict(COM_CODES)
    for pair in filter(None, (p.strip() for p in text.replace("，", ",").split(","))):
        ours, sep, theirs = (part.strip() for part in pair.partition("="))
        if not sep or not theirs:
            raise CarrierError(f"com_codes 中的「{pair}」应写成 我方编码=快递100编码，如 sf=shunfeng (expected ours=theirs)")
        if ours not in CARRIER_NAMES:
            raise CarrierError(
                f"com_codes 中的「{ours}」不是本系统的快递公司编码，可用：{', '.join(CARRIER_NAMES)} (unknown courier code)"
            )
        table[ours] = theirs.lower()
    return table


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise CarrierError(f"设置 timezone={name!r} 不是已知时区，如 Asia/Shanghai (unknown time zone)") from None


def read_settings(values: Mapping[str, str]) -> Kuaidi100Settings:
    """Typed settings from an account's strings; ``CarrierError`` names the first bad one."""
    defaults = {key.name: key.default for key in KEYS if key.default is not None}
    values = defaults | {k: v for k, v in values.items() if v is not None}
    if len(values["salt"]) > 32:
        raise CarrierError("设置 salt 最长 32 个字符 (salt is at most 32 characters)")
    resultv2 = values["resultv2"].strip()
    if resultv2 and not resultv2.isdigit():
        raise CarrierError(f"设置 resultv2={resultv2!r} 应为数字，如 4 (resultv2 must be a number)")
    return Kuaidi100Settings(
        customer=_required(values, "customer"),
        key=_required(values, "key"),
        query_url=_url(values, "query_url"),
        subscribe_url=_url(values, "subscribe_url"),
        callback_url=_url(values, "callback_url", optional=True),
        salt=values["salt"],
        resultv2=resultv2,
        com_codes=parse_com_codes(values["com_codes"]),
        min_interval=timedelta(minutes=number(values, "min_interval_minutes")),
        daily_limit=number(values, "daily_limit", int),
        zone=_zone(values["timezone"]),
        http=http_settings(values),
    )
