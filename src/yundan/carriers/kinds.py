"""The kinds of carrier account yundan can connect, by kind name."""

from functools import partial

from yundan.carriers.base import CarrierKind
from yundan.carriers.counters import next_serials
from yundan.carriers.jd import JOS_KIND, LOP_KIND
from yundan.carriers.kuaidi100 import KIND as KUAIDI100_KIND
from yundan.carriers.sandbox import SandboxCarrier


def _sandbox(values) -> SandboxCarrier:
    return SandboxCarrier(next_serials=partial(next_serials, SandboxCarrier.code))


SANDBOX_KIND = CarrierKind(
    kind="sandbox", label="京东物流（模拟）", keys=(), build=_sandbox,
    serves=frozenset({SandboxCarrier.code}), allocates=True,
)

KINDS: dict[str, CarrierKind] = {k.kind: k for k in (SANDBOX_KIND, JOS_KIND, LOP_KIND, KUAIDI100_KIND)}
