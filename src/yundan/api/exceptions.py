"""Exceptions (异常件): the queue with filters, one exception, and the workflow actions.

The same services as the console and ``yundan exceptions``: ``exceptions.queue`` reads,
``exceptions.services.act`` acts (an illegal move is 409 ``illegal_move`` with the reason).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from django.db.models import Q
from ninja import Path as PathParam
from ninja import Query, Router, Schema
from pydantic import Field

from yundan import clock
from yundan.api import auth
from yundan.api.cursors import bad_cursor, decode_cursor, encode_cursor
from yundan.api.errors import ApiError, errors
from yundan.api.schemas import MAX_ID, Flag, In, PackageWithEvents
from yundan.exceptions.kinds import ExceptionAction, ExceptionKind, ExceptionState
from yundan.exceptions.models import ParcelException
from yundan.exceptions.queue import list_row, parse_age, queue
from yundan.exceptions.services import act
from yundan.exceptions.workflow import IllegalMove, allowed_actions
from yundan.orders.details import iso_time, package_data

router = Router(tags=["exceptions 异常件"])

LOGGED = (*ExceptionAction.values, "opened", "auto_closed")  # the people's actions and the sweep's


class ExceptionFilters(In):
    kind: Literal[("", *ExceptionKind.values)] = Field("", description="类型 / kind")
    state: Literal[("", *ExceptionState.values)] = Field("", description="状态 / state")
    older_than: str = Field("", max_length=20, description="发现超过多久：2d、36h / opened longer ago than",
                            examples=["2d"])
    all: Flag = Field(False, description="包括已解决和已关闭的 / include resolved and closed")
    cursor: str = Field("", max_length=500, description="上一页的 next_cursor")
    limit: int = Field(100, ge=1, le=500)


class ExceptionRow(Schema):
    id: int
    kind: ExceptionKind
    state: ExceptionState
    order_no: str = Field(description="订单号 / order number")
    waybill_no: str | None = Field(description="运单号 / waybill number")
    opened_at: datetime
    age_hours: float = Field(description="已持续小时数 / hours since opened (until closed)")
    last_action: Literal[("", *LOGGED)] = Field(description="最近一次操作 / last logged action")


class ExceptionPageOut(Schema):
    exceptions: list[ExceptionRow]
    next_cursor: str | None
    has_more: bool


class LogEntryOut(Schema):
    at: datetime
    action: Literal[LOGGED]
    actor: str = Field(description="操作人；API 密钥记为 api:名称 / who; API keys as api:<name>")
    note: str
    state_before: str
    state_after: ExceptionState
    amount: Decimal | None


class ExceptionOut(ExceptionRow):
    reason: str = Field(description="原因 / why it was opened")
    closed_at: datetime | None
    allowed_actions: list[ExceptionAction] = Field(description="当前可执行的操作 / actions allowed now")
    resend_waybill_no: str | None = Field(description="补发的新运单号 / the resend's waybill number")
    refund_amount: Decimal | None
    package: PackageWithEvents
    log: list[LogEntryOut]


class ActIn(In):
    action: ExceptionAction = Field(description="contact_buyer 联系买家 · contact_courier 联系快递员 · note 备注 · "
                                                "request_return 申请退回 · mark_returned 确认已退回仓库 · resend 补发 · "
                                                "refund 退款 · close 关闭（需 note）")
    note: str = Field("", max_length=2000, description="备注；关闭时必填 / note; required to close")
    amount: Decimal | None = Field(None, gt=0, le=Decimal("99999999.99"), decimal_places=2,
                                   description="退款金额（refund）/ refund amount")


class ActOut(Schema):
    message: str
    contact: dict[str, str] | None = Field(description="联系买家/快递员时：姓名和电话 / who to call, for contact actions")
    exception: ExceptionOut


def exception_out(exception: ParcelException) -> dict:
    package = exception.package
    return {
        **list_row(exception, clock.now()),
        "reason": exception.reason,
        "closed_at": iso_time(exception.closed_at),
        "allowed_actions": allowed_actions(exception.state),
        "resend_waybill_no": exception.resend_package.waybill_no if exception.resend_package else None,
        "refund_amount": exception.refund_amount,
        "package": {"order_no": package.order.order_no, **package_data(package, package.order.order_no)},
        "log": [{"at": iso_time(e.at), "action": e.action, "actor": e.actor, "note": e.note,
                 "state_before": e.state_before, "state_after": e.state_after, "amount": e.amount}
                for e in exception.log.all()],
    }


def load(exception_id: int) -> ParcelException:
    exception = (ParcelException.objects.select_related("package__order", "resend_package")
                 .prefetch_related("log", "package__events").filter(pk=exception_id).first())
    if exception is None:
        raise ApiError(404, f"异常 #{exception_id} 不存在 (unknown exception)", code="exception_not_found")
    return exception


@router.get("", response={200: ExceptionPageOut, **errors()}, summary="异常列表 / the exception queue",
            operation_id="list_exceptions")
def list_exceptions(request, filters: Query[ExceptionFilters]):
    """Unfinished exceptions oldest first (``all=true`` adds resolved and closed ones), filtered like
    ``yundan exceptions list``: kind, state, opened longer ago than ``older_than``."""
    query = filters.model_dump(exclude={"cursor", "limit"})
    after = None
    if filters.cursor:
        cursor = decode_cursor(filters.cursor, ("exceptions",))
        query, after = cursor.get("query"), cursor.get("after")
    try:
        rows = queue(query["kind"], query["state"], parse_age(query["older_than"]) if query["older_than"] else None,
                     unfinished=not query["all"])
        if after is not None:
            moment, pk = datetime.fromisoformat(after[0]), int(after[1])
            rows = rows.filter(Q(opened_at__gt=moment) | Q(opened_at=moment, id__gt=pk))
    except ValueError as error:
        if filters.cursor:
            raise bad_cursor() from None
        raise ApiError(422, str(error), fields=[("older_than", str(error))]) from None
    except (TypeError, KeyError, IndexError):
        raise bad_cursor() from None
    page = list(rows[: filters.limit + 1])
    shown, now = page[: filters.limit], clock.now()
    last = shown[-1] if shown else None
    more = len(page) > filters.limit
    return {
        "exceptions": [list_row(e, now) for e in shown],
        "next_cursor": encode_cursor({"kind": "exceptions", "query": query,
                                      "after": [last.opened_at.isoformat(), last.pk]}) if more else None,
        "has_more": more,
    }


@router.get("/{exception_id}", response={200: ExceptionOut, **errors(404)}, summary="一个异常 / one exception",
            operation_id="get_exception")
def get_exception(request, exception_id: int = PathParam(..., ge=1, le=MAX_ID)):
    """The exception with its package's timeline, the actions allowed now and the log of who did what."""
    return exception_out(load(exception_id))


@router.post("/{exception_id}/actions", auth=auth.write, response={200: ActOut, **errors(403, 404, 409)},
             summary="处理异常 / act on an exception", operation_id="act_on_exception")
def act_on(request, payload: ActIn, exception_id: int = PathParam(..., ge=1, le=MAX_ID)):
    """One workflow action, logged with the key as ``api:<name>``; the same rules as the console.

    ``open → in_progress → return_requested → returned_to_warehouse → resolved | closed``. An action the
    exception's state does not allow is 409 ``illegal_move`` with the reason (e.g. a resend while the
    parcel is still on its way back); nothing is changed then.
    """
    load(exception_id)
    key = request.auth
    try:
        result = act(exception_id, payload.action, actor=f"api:{key.name or key.prefix}", note=payload.note,
                     amount=None if payload.amount is None else str(payload.amount))
    except IllegalMove as error:
        raise ApiError(409, str(error), code="illegal_move") from None
    return {"message": result.message, "contact": result.contact, "exception": exception_out(load(exception_id))}
