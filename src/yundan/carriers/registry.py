"""Which carrier adapter answers for a carrier code."""

from functools import partial

from yundan.carriers.base import Carrier, CarrierError
from yundan.carriers.counters import next_serials
from yundan.carriers.sandbox import SandboxCarrier
from yundan.shipping.waybills import CARRIER_NAMES


def get_carrier(code: str) -> Carrier:
    if code == SandboxCarrier.code:
        return SandboxCarrier(next_serials=partial(next_serials, SandboxCarrier.code))
    raise CarrierError(f"承运商「{code}」尚未接入 (carrier {code!r} has no adapter yet)")


def is_simulated(code: str) -> bool:
    return code == SandboxCarrier.code


def carrier_name(code: str) -> str:
    """Display name; the sandbox's says it is simulated."""
    if code == SandboxCarrier.code:
        return SandboxCarrier.name
    return CARRIER_NAMES.get(code, code)
