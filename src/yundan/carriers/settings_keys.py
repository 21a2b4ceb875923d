"""Settings every networked carrier account shares, and reading them into typed values."""

from __future__ import annotations

from collections.abc import Mapping

from yundan.carriers.base import CarrierError, SettingKey
from yundan.carriers.http import HttpSettings

HTTP_KEYS: tuple[SettingKey, ...] = (
    SettingKey("timeout", "每次请求的超时秒数 / seconds per request", "10"),
    SettingKey("retries", "超时或 5xx 后的重试次数 / retries after a timeout or 5xx", "2"),
    SettingKey("rate_per_second", "每秒最多请求数，0 为不限 / requests per second, 0 = no limit", "0"),
    SettingKey("concurrency", "同时进行的请求数 / requests in flight at once", "8"),
)


def number(values: Mapping[str, str], key: str, kind: type = float):
    try:
        value = kind(values[key])
    except (KeyError, ValueError):
        raise CarrierError(f"设置 {key}={values.get(key)!r} 不是有效的数字 (setting {key} must be a number)") from None
    if value < 0:
        raise CarrierError(f"设置 {key} 不能为负数 (setting {key} must not be negative)")
    return value


def http_settings(values: Mapping[str, str]) -> HttpSettings:
    return HttpSettings(
        timeout=number(values, "timeout"),
        retries=number(values, "retries", int),
        rate_per_second=number(values, "rate_per_second"),
        concurrency=max(1, number(values, "concurrency", int)),
    )
