"""``SandboxCarrier``: the carrier protocol on top of the pure simulation."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from django.conf import settings

from yundan import clock
from yundan.carriers.base import Allocation, AllocationRequest, CarrierError, TraceQuery, TraceResult
from yundan.carriers.sandbox.numbers import SCENARIOS, sandbox_waybill
from yundan.carriers.sandbox.routing import label_routing
from yundan.carriers.sandbox.trajectory import trajectory
from yundan.tracking.statuses import chinese_status_label, is_terminal

NO_TRACE = "暂无物流信息"

NextSerials = Callable[[int], Sequence[int]]


def memory_serials(start: int = 1) -> NextSerials:
    """An in-process serial counter (tests, demos); the app wires a database-backed one."""
    counter = itertools.count(start)
    return lambda count: [next(counter) for _ in range(count)]


def forced_scenario() -> str | None:
    """The ``YUNDAN_SANDBOX_SCENARIO`` setting, which overrides every package's own scenario."""
    value = getattr(settings, "YUNDAN_SANDBOX_SCENARIO", None)
    if not value:
        return None
    if value not in SCENARIOS:
        raise CarrierError(
            f"YUNDAN_SANDBOX_SCENARIO={value!r} 不是已知的模拟场景，可选：{'、'.join(SCENARIOS)}"
        )
    return value


class SandboxCarrier:
    """Simulated JD Logistics: no network, same answer every time for the same parcel."""

    code = "sandbox"
    name = "京东物流（模拟）"
    simulated = True

    def __init__(self, next_serials: NextSerials | None = None):
        self._next_serials = next_serials or memory_serials()

    def allocate_waybills(self, requests: Sequence[AllocationRequest]) -> list[Allocation]:
        requests = list(requests)
        if not requests:
            return []
        serials = list(self._next_serials(len(requests)))
        if len(serials) != len(requests):
            raise CarrierError(f"沙箱运单号分配失败：需要 {len(requests)} 个流水号，得到 {len(serials)} 个")
        try:
            numbers = [sandbox_waybill(s, r.scenario) for s, r in zip(serials, requests, strict=True)]
        except ValueError as exc:
            raise CarrierError(str(exc)) from exc
        return [
            Allocation(number, label_routing(number, r.origin, r.destination))
            for number, r in zip(numbers, requests, strict=True)
        ]

    def fetch_traces(self, queries: Sequence[TraceQuery]) -> dict[str, TraceResult]:
        override = forced_scenario()
        moment = clock.now()
        results: dict[str, TraceResult] = {}
        for query in queries:
            if query.shipped_at is None:
                results[query.waybill_no] = TraceResult(query.waybill_no, found=False, error=NO_TRACE)
                continue
            events = trajectory(
                query.waybill_no, query.origin, query.destination, query.shipped_at, moment, override,
                intercepted_at=query.return_requested_at,
            )
            results[query.waybill_no] = TraceResult(
                query.waybill_no, events=events, found=bool(events), error="" if events else NO_TRACE
            )
        return results

    def subscribe(self, queries: Sequence[TraceQuery]) -> dict[str, str]:
        return {}  # nothing to push: every fetch computes the trace afresh

    def request_return(self, queries: Sequence[TraceQuery]) -> dict[str, str]:
        """Accepted unless the parcel has already reached its end; the trace then turns back."""
        answers = {}
        for query, result in zip(queries, self.fetch_traces(queries).values(), strict=True):
            ended = next((e for e in reversed(result.events) if is_terminal(e.status)), None)
            answers[query.waybill_no] = f"快件{chinese_status_label(ended.status)}，无法拦截" if ended else ""
        return answers

    def check(self) -> str:
        return "沙箱无需凭据，总是可用 (the sandbox needs no credentials)"
