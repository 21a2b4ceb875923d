"""What the rest of yundan may know about a courier code: its name, and whether it is simulated.

Which adapter answers for a parcel is ``carriers.accounts.carrier_for``.
"""

from yundan.carriers.sandbox import SandboxCarrier
from yundan.shipping.waybills import CARRIER_NAMES


def is_simulated(code: str) -> bool:
    return code == SandboxCarrier.code


def carrier_name(code: str) -> str:
    """Display name; the sandbox's says it is simulated."""
    if code == SandboxCarrier.code:
        return SandboxCarrier.name
    return CARRIER_NAMES.get(code, code)
