"""The settings of JD accounts, and reading them with errors that name the bad value.

Everything the reference marks as single-source or inferred (hosts, the trace method, success
codes, LOP's domain, path, signing variant) is a setting, so a difference found on the real
platform is a configuration change, not a code change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

from yundan.carriers.base import CarrierError, SettingKey
from yundan.carriers.settings_keys import HTTP_KEYS

LDOP_TRACE = "jingdong.ldop.receive.trace.get"
ETMS_TRACE = "jingdong.etms.trace.get"
TRACE_METHODS = (LDOP_TRACE, ETMS_TRACE)

MD5_SALT = "md5-salt"
HMAC_ALGORITHMS = ("HMacMD5", "HMacSHA1", "HMacSHA256", "HMacSHA512")
ALGORITHMS = (MD5_SALT, *HMAC_ALGORITHMS)
SIGN_CASES = ("upper", "lower")
ORDER_ORIGINS = ("0", "1", "2")

_APP_KEYS = (
    SettingKey("app_key", "应用的 App Key (app key)"),
    SettingKey("app_secret", "应用的 App Secret，用于签名 (app secret, signs every call)", secret=True),
    SettingKey("access_token", "店铺授权的 access_token (the shop's OAuth token)", secret=True),
)

JOS_KEYS: tuple[SettingKey, ...] = (
    SettingKey("endpoint", "JOS 网关地址 (gateway URL)", "https://api.jd.com/routerjson"),
    *_APP_KEYS,
    SettingKey("customer_code", "商家编码，京东物流分配 (customer code from JD Logistics)"),
    SettingKey(
        "trace_method",
        f"查询物流轨迹的接口：{LDOP_TRACE} 或旧版 {ETMS_TRACE} (trace API)",
        LDOP_TRACE,
    ),
    SettingKey(
        "success_code",
        "querytrace_result / resultInfo 中表示成功的 code (the result code meaning success)",
        "100",
    ),
    *HTTP_KEYS,
)

LOP_KEYS: tuple[SettingKey, ...] = (
    SettingKey("endpoint", "LOP 网关地址，预发环境 https://uat-api.jdl.com (gateway URL)", "https://api.jdl.com"),
    *_APP_KEYS,
    SettingKey("customer_code", "商家编码；order_origin 为 1 或 2 时必填 (customer code, required unless order_origin=0)", ""),
    SettingKey("lop_dn", "业务域 LOP-DN (business domain)", "ECAP"),
    SettingKey("trace_path", "轨迹查询接口路径 (trace API path)", "/ecap/v1/orders/trace/query"),
    SettingKey("order_origin", "下单来源：0 c2c，1 b2c，2 c2b；须与下单方式一致 (order origin)", "1"),
    SettingKey("algorithm", f"签名算法：{'、'.join(ALGORITHMS)} (signing algorithm)", MD5_SALT),
    SettingKey(
        "sign_case",
        "md5-salt 签名的十六进制大小写：upper 或 lower (hex case of an md5-salt sign)",
        "upper",
    ),
    SettingKey("success_code", "响应没有 success 字段时表示成功的 code (success code)", "0"),
    SettingKey(
        "account_error_codes",
        "表示整个账号不可用（签名、令牌）的错误码，逗号分隔 (codes that mean the account is broken)",
        "",
    ),
    *HTTP_KEYS,
)


def url(values: Mapping[str, str], key: str) -> str:
    value = (values.get(key) or "").strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CarrierError(f"设置 {key}={value!r} 不是 http(s) 地址 (setting {key} must be an http(s) URL)")
    return value.rstrip("/")


def choice(values: Mapping[str, str], key: str, options: Sequence[str]) -> str:
    """The option ``values[key]`` names, compared without regard to case, spelled as listed."""
    value = (values.get(key) or "").strip()
    for option in options:
        if option.lower() == value.lower():
            return option
    raise CarrierError(f"设置 {key}={value!r} 无效，可选：{'、'.join(options)} (setting {key} must be one of these)")


def required(values: Mapping[str, str], key: str) -> str:
    value = (values.get(key) or "").strip()
    if not value:
        raise CarrierError(f"缺少必填设置 {key} (missing required setting {key})")
    return value


def code_list(values: Mapping[str, str], key: str) -> frozenset[str]:
    """``"1010, 1011"`` -> {"1010", "1011"}; empty -> no codes."""
    return frozenset(part.strip() for part in (values.get(key) or "").split(",") if part.strip())
