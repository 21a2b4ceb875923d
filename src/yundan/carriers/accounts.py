"""Carrier accounts: checking their settings, showing them safely, and choosing one for a parcel."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from yundan.carriers.base import Carrier, CarrierError, CarrierKind, SettingKey
from yundan.carriers.kinds import KINDS, SANDBOX_KIND
from yundan.carriers.models import CarrierAccount


def kind_of(name: str) -> CarrierKind:
    try:
        return KINDS[name]
    except KeyError:
        raise CarrierError(f"未知的账号类型「{name}」，可选：{'、'.join(KINDS)} (unknown kind)") from None


def parse_assignments(pairs: list[str]) -> dict[str, str]:
    """``["key=value", …]`` from the command line; the value may itself contain "="."""
    values = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise CarrierError(f"设置「{pair}」应写成 key=value (expected key=value)")
        values[key.strip()] = value.strip()
    return values


def with_defaults(keys: Sequence[SettingKey], given: Mapping[str, str], owner: str = "") -> dict[str, str]:
    """The given settings plus the keys' defaults; unknown or missing keys are named in the error
    (after ``owner``, e.g. the carrier kind, when given)."""
    known = {key.name for key in keys}
    unknown = sorted(set(given) - known)
    prefix = f"{owner} " if owner else ""
    if unknown:
        raise CarrierError(
            f"{prefix}没有设置项 {', '.join(unknown)}；可用：{', '.join(sorted(known)) or '（无）'} (unknown setting)"
        )
    values = {key.name: key.default for key in keys if key.default is not None} | dict(given)
    missing = [key.name for key in keys if not values.get(key.name) and key.default is None]
    if missing:
        raise CarrierError(f"{prefix}缺少必填设置 {', '.join(missing)} (missing required setting)")
    return values


def complete_settings(kind: CarrierKind, given: Mapping[str, str]) -> dict[str, str]:
    """The given settings plus defaults; unknown or missing keys are named in the error."""
    values = with_defaults(kind.keys, given, kind.kind)
    kind.build(values)  # an adapter refuses settings it cannot use (bad numbers, bad URLs)
    return values


def mask_secret(value: str) -> str:
    """Enough to recognise a secret, never enough to use it: ``ab******yz``."""
    if len(value) <= 6:
        return "*" * len(value)
    return f"{value[:2]}{'*' * (len(value) - 4)}{value[-2:]}"


def shown_settings(account: CarrierAccount) -> dict[str, str]:
    secrets = {key.name for key in kind_of(account.kind).keys if key.secret}
    return {k: mask_secret(v) if k in secrets and v else v for k, v in account.settings.items()}


def build(account: CarrierAccount) -> Carrier:
    return kind_of(account.kind).build(account.settings)


# One adapter per account version, kept for the life of the process: its HTTP connection pool is
# reused from one refresh to the next (and not leaked by building a new one every minute).
_adapters: dict[tuple[int, object], Carrier] = {}


def adapter(account: CarrierAccount) -> Carrier:
    """The account's adapter, built once per version of its settings."""
    key = (account.pk, account.updated_at)
    if key not in _adapters:
        for stale in [k for k in _adapters if k[0] == account.pk]:
            _adapters.pop(stale, None)
        _adapters[key] = build(account)
    return _adapters[key]


def _rank(account: CarrierAccount, shop_id: int | None) -> tuple:
    kind = KINDS[account.kind]
    return (account.shop_id != shop_id, not kind.direct, account.id)


def account_for(shop_id: int | None, courier: str, *, allocate: bool = False) -> CarrierAccount | None:
    """The enabled account that serves this shop's parcels of this courier: the shop's own before
    a shared one, the courier's own platform before an aggregator, older before newer."""
    candidates = [
        account
        for account in CarrierAccount.objects.filter(enabled=True, kind__in=list(KINDS))
        if account.shop_id in (None, shop_id)
        and (KINDS[account.kind].serves is None or courier in KINDS[account.kind].serves)
        and (KINDS[account.kind].allocates or not allocate)
    ]
    return min(candidates, key=lambda a: _rank(a, shop_id), default=None)


def carrier_for(shop_id: int | None, courier: str, *, allocate: bool = False) -> Carrier:
    """The adapter to ask about this shop's parcels of ``courier`` (or to number new ones)."""
    if courier in SANDBOX_KIND.serves:
        return SANDBOX_KIND.build({})
    account = account_for(shop_id, courier, allocate=allocate)
    if account is None:
        need = "分配运单号" if allocate else "查询物流"
        raise CarrierError(
            f"没有可用于「{courier}」{need}的承运商账号；请先 yundan carriers add (no carrier account for {courier})"
        )
    return adapter(account)
