"""The settings of a shop's JD order sync, and reading them into typed options.

Every value is a string, as typed on the command line (``yundan sync jd-shop SHOP --set k=v``).
What the reference (shared/reference/jd-open-platform.md) marks as single-source or inferred is a
setting here, so a difference found on the real platform is a configuration change:

* ``logistics_ids`` — JD's carrier ids (logiCoprId) come from the shop's own carrier list; the
  published mappings are third-party and 京东快递's id is unconfirmed [S], so there is no default;
* ``report_states`` — that an order is reported from WAIT_SELLER_STOCK_OUT is an inference [I];
* ``max_pages`` — JD advises time windows over deep paging, but no depth limit is published [I];
* ``overlap_minutes`` — that an order's ``modified`` can show up in search late is our caution [I];
* ``optional_fields`` and ``order_states`` — confirmed [C], yet a shop type may refuse a field or
  state, so they can be narrowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from yundan.carriers.accounts import mask_secret, with_defaults
from yundan.carriers.base import CarrierError, SettingKey
from yundan.carriers.jd.gateway import client_from_settings
from yundan.carriers.settings_keys import HTTP_KEYS, number
from yundan.integrations.jd_orders import JD_STATES, REQUIRED_FIELDS
from yundan.shipping.waybills import CARRIER_NAMES

# §2.7: every state we map but WAIT_SELLER_DELIVERY, which only 海外购 (cross-border) shops have.
DEFAULT_ORDER_STATES = (
    "WAIT_SELLER_STOCK_OUT,WAIT_GOODS_RECEIVE_CONFIRM,FINISHED_L,TRADE_CANCELED,LOCKED,PAUSE,POP_ORDER_PAUSE"
)
# §2.3: what the mapping reads. ``optional_fields`` may not be empty (JD refuses it).
DEFAULT_FIELDS = (
    "orderId,orderState,orderStartTime,modified,orderTotalPrice,orderPayment,pin,venderRemark,"
    "consigneeInfo,itemInfoList,waybill,logisticsId"
)
MAX_WINDOW_HOURS = 28 * 24  # JD: a window of at most one month; 28 days is within every month
MAX_PAGE_SIZE = 100  # JD: page_size at most 100

JD_SYNC_KEYS: tuple[SettingKey, ...] = (
    SettingKey("endpoint", "JOS 网关地址 (gateway URL)", "https://api.jd.com/routerjson"),
    SettingKey("app_key", "应用的 App Key (app key)"),
    SettingKey("app_secret", "应用的 App Secret，用于签名 (app secret, signs every call)", secret=True),
    SettingKey("access_token", "店铺授权的 access_token (the shop's OAuth token)", secret=True),
    SettingKey("order_states", "拉取的订单状态，逗号分隔 (order_state of the search)", DEFAULT_ORDER_STATES),
    SettingKey("optional_fields", "返回字段，逗号分隔 (optional_fields of the search)", DEFAULT_FIELDS),
    SettingKey("window_hours", f"每个时间窗口的小时数，最多 {MAX_WINDOW_HOURS} (hours per window)", "24"),
    SettingKey("page_size", f"每页订单数，最多 {MAX_PAGE_SIZE} (orders per page)", "100"),
    SettingKey("max_pages", "一个窗口超过这么多页就对半拆分 (split a window deeper than this)", "50"),
    SettingKey("overlap_minutes", "每次从水位线往前重读的分钟数 (minutes re-read before the watermark)", "10"),
    SettingKey("initial_days", "第一次同步往前拉取的天数 (days pulled by the first sync)", "30"),
    SettingKey(
        "logistics_ids",
        "承运商在京东的物流公司ID (logiCoprId)，如 sf=467,yto=463；未配置的承运商不回传 "
        "(JD carrier id per carrier code; carriers without one are not reported)",
        "",
    ),
    SettingKey("report_states", "可回传发货的京东订单状态，逗号分隔 (JD states an order is reported from)",
               "WAIT_SELLER_STOCK_OUT"),
    *HTTP_KEYS,
)


@dataclass(frozen=True)
class SyncOptions:
    order_states: tuple[str, ...]
    optional_fields: str
    window: timedelta
    page_size: int
    max_pages: int
    overlap: timedelta
    initial: timedelta
    logistics_ids: dict[str, str]  # our carrier code -> JD logiCoprId
    report_states: frozenset[str]


def _names(values: Mapping[str, str], key: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(part.strip() for part in (values.get(key) or "").split(",") if part.strip()))
    if not names:
        raise CarrierError(f"设置 {key} 不能为空 (setting {key} must not be empty)")
    return names


def _bounded(values: Mapping[str, str], key: str, low: int, high: int) -> int:
    value = number(values, key, int)
    if not low <= value <= high:
        raise CarrierError(f"设置 {key}={value} 应在 {low} 到 {high} 之间 (setting {key} out of range)")
    return value


def logistics_ids(text: str) -> dict[str, str]:
    """``"sf=467, yto=463"`` -> {"sf": "467", "yto": "463"}; carrier codes must be ours and the
    ids JD's numeric ids (they are joined with "|" on the wire, so nothing else may appear)."""
    ids = {}
    for part in (p.strip() for p in text.split(",") if p.strip()):
        carrier, sep, value = (s.strip() for s in part.partition("="))
        if not sep or carrier not in CARRIER_NAMES or not value.isdigit():
            raise CarrierError(
                f"设置 logistics_ids 的「{part}」应写成 承运商=数字ID，承运商可选 {'、'.join(CARRIER_NAMES)}"
                " (expected carrier=numeric id)"
            )
        ids[carrier] = value
    return ids


def _fields(values: Mapping[str, str]) -> str:
    fields = _names(values, "optional_fields")
    missing = [name for name in REQUIRED_FIELDS if name not in fields]
    if missing:
        raise CarrierError(f"设置 optional_fields 须包含 {', '.join(missing)} (optional_fields must include them)")
    return ",".join(fields)


def _states(values: Mapping[str, str], key: str) -> tuple[str, ...]:
    states = tuple(name.upper() for name in _names(values, key))
    unknown = [name for name in states if name not in JD_STATES]
    if unknown:
        raise CarrierError(f"设置 {key} 中的 {', '.join(unknown)} 未知，可选：{'、'.join(JD_STATES)} (unknown JD state)")
    return states


def options(values: Mapping[str, str]) -> SyncOptions:
    """The typed options; a bad value raises CarrierError naming its key."""
    return SyncOptions(
        order_states=_states(values, "order_states"),
        optional_fields=_fields(values),
        window=timedelta(hours=_bounded(values, "window_hours", 1, MAX_WINDOW_HOURS)),
        page_size=_bounded(values, "page_size", 1, MAX_PAGE_SIZE),
        max_pages=_bounded(values, "max_pages", 1, 10_000),
        overlap=timedelta(minutes=_bounded(values, "overlap_minutes", 0, 24 * 60)),
        initial=timedelta(days=_bounded(values, "initial_days", 1, 3650)),
        logistics_ids=logistics_ids(values.get("logistics_ids") or ""),
        report_states=frozenset(_states(values, "report_states")),
    )


def complete(given: Mapping[str, str]) -> dict[str, str]:
    """The given settings plus defaults, checked: unknown keys, missing required keys and bad
    values are named in the error."""
    values = with_defaults(JD_SYNC_KEYS, given)
    options(values)
    client_from_settings(values)  # refuses a bad endpoint or HTTP setting
    return values


def shown(values: Mapping[str, str]) -> dict[str, str]:
    """The settings as they may be printed: secrets masked."""
    secrets = {key.name for key in JD_SYNC_KEYS if key.secret}
    return {k: mask_secret(v) if k in secrets and v else v for k, v in values.items()}
