"""Packages and tracking: by order or waybill number with the timeline, confirm shipment, refresh."""

from __future__ import annotations

from ninja import Header, Query, Router, Schema
from pydantic import Field

from yundan.api import auth
from yundan.api.errors import ApiError, errors
from yundan.api.idempotency import run_once
from yundan.api.orders import find_order
from yundan.api.schemas import Flag, In, PackageOut, PackageWithEvents
from yundan.carriers.base import CarrierError
from yundan.orders.details import package_data, package_summary
from yundan.orders.search import OrderNotFound
from yundan.shipping.models import Package
from yundan.shipping.shipment import GivenWaybill, ShipmentRequest, confirm_one
from yundan.shipping.waybills import normalize_waybill
from yundan.tracking.services import refresh_packages

router = Router(tags=["packages 包裹与物流"])

IDEMPOTENCY_KEY = Header("", alias="Idempotency-Key", max_length=255,
                         description="重试时传同一个值，只发货一次 / send the same value on retries: shipped once")


def with_events(packages):
    return packages.select_related("order").prefetch_related("events")


def packages_out(packages) -> list[dict]:
    return [{"order_no": p.order.order_no, **package_data(p, p.order.order_no)} for p in packages]


@router.get("/orders/{order_no}/packages", response={200: list[PackageWithEvents], **errors(404, 409)},
            summary="订单的包裹和物流轨迹 / an order's packages with timelines", operation_id="list_order_packages")
def order_packages(request, order_no: str, shop: str = Query("", max_length=100, description="店铺名称（订单号重复时）")):
    order = find_order(order_no, shop)
    return packages_out(with_events(Package.objects.filter(order=order)))


@router.get("/packages/{waybill_no}", response={200: PackageWithEvents, **errors(404, 409)},
            summary="按运单号查包裹和物流轨迹 / a package by waybill number", operation_id="get_package")
def package(request, waybill_no: str, carrier: str = Query("", max_length=32, description="承运商（同号多家时）")):
    """The package with this waybill number (物流单号), its order number and its timeline, newest first.

    A waybill number is one package of one carrier; when two carriers used the same number, ``?carrier=``
    picks one (409 ``ambiguous_waybill`` otherwise).
    """
    found = Package.objects.filter(waybill_no=normalize_waybill(waybill_no))
    if carrier:
        found = found.filter(carrier=carrier)
    matches = list(with_events(found)[:2])
    if not matches:
        raise ApiError(404, f"运单号不存在：{waybill_no} (unknown waybill)", code="waybill_not_found")
    if len(matches) > 1:
        raise ApiError(409, f"多个承运商都有运单号 {waybill_no}，请用 ?carrier= 指定", code="ambiguous_waybill")
    return packages_out(matches)[0]


class GivenWaybillIn(In):
    carrier: str = Field(..., min_length=1, max_length=32, description="承运商代码 / carrier code", examples=["sf"])
    waybill_no: str = Field(..., min_length=1, max_length=40, examples=["SF1234567890123"])


class ShipmentIn(In):
    """Choose one way (all optional: by default the printed parcels, or one parcel, with the shop's carrier)."""

    packages: int | None = Field(None, ge=1, le=50, description="拆成几个包裹 / split into this many parcels")
    by_items: Flag = Field(False, description="每个商品一个包裹 / one parcel per order line")
    waybills: list[GivenWaybillIn] = Field(default_factory=list, max_length=50,
                                           description="已用其他方式发出的运单号 / waybills the merchant already has")
    resend: Flag = Field(False, description="补发：已发货订单再发一个包裹 / a new parcel for a shipped order")


class ShipmentOut(Schema):
    order_no: str
    waybill_nos: list[str] = Field(description="订单已发货的运单号 / the order's shipped waybill numbers")
    packages: list[PackageOut]


@router.post("/orders/{order_no}/shipments", auth=auth.write, response={200: ShipmentOut, **errors(403, 404, 409, 502)},
             summary="确认发货 / confirm shipment", operation_id="confirm_shipment")
def confirm_shipment(request, order_no: str, payload: ShipmentIn, idempotency_key: str = IDEMPOTENCY_KEY,
                     shop: str = Query("", max_length=100, description="店铺名称（订单号重复时）")):
    """The waybills become the order's logistics numbers and tracking starts (确认发货).

    Confirming an order already shipped answers with its waybills again (no second set). A resend
    (``resend: true``) makes a new parcel each time it runs: send an ``Idempotency-Key`` so a retried
    request does not make two. Refusals (canceled or locked order, a waybill that does not fit its
    carrier or belongs to another order) are 409 ``shipment_refused`` with the reason; a carrier that
    cannot allocate waybill numbers is 502 ``carrier_error``.
    """
    order = find_order(order_no, shop)
    shipment = ShipmentRequest(
        order_no=order.order_no, packages=payload.packages, by_items=payload.by_items, resend=payload.resend,
        waybills=tuple(GivenWaybill(w.carrier, w.waybill_no) for w in payload.waybills),
    )

    def ship() -> dict:
        try:
            result = confirm_one(shipment)
        except OrderNotFound as error:
            raise ApiError(409, str(error), code="ambiguous_order") from None
        except CarrierError as error:
            raise ApiError(502, f"承运商出错：{error} (carrier error)", code="carrier_error") from None
        except ValueError as error:
            raise ApiError(409, str(error), code="shipment_refused") from None
        shipped = Package.objects.filter(order=order)
        return {"order_no": result.order_no, "waybill_nos": result.waybill_nos,
                     "packages": [{"order_no": order.order_no, **package_summary(p, order.order_no)} for p in shipped]}

    request_data = {"order": order.pk, "payload": payload.model_dump()}
    return run_once(request, "confirm_shipment", request_data, ship)


class RefreshIn(In):
    waybill_nos: list[str] = Field(..., min_length=1, max_length=100,
                                   description="运单号，最多 100 个 / up to 100 waybill numbers")


class RefreshResult(Schema):
    waybill_no: str
    refreshed: bool = Field(description="是否问到了承运商 / whether the carrier answered for it")
    new_events: int
    error: str = Field(description="没刷新的原因，如频率限制 / why not, e.g. the carrier's rate limit")
    package: PackageWithEvents | None


@router.post("/tracking/refresh", auth=auth.write, response={200: list[RefreshResult], **errors(403)},
             summary="向承运商刷新物流轨迹 / refresh tracking from the carriers", operation_id="refresh_tracking")
def refresh(request, payload: RefreshIn):
    """Ask the carriers now for these waybills' traces, then answer with each one's timeline.

    Per waybill: unknown numbers and packages not yet shipped are answered with an ``error``, and a
    carrier's per-waybill query limit (e.g. Kuaidi100's) is respected: the answer says when to ask again,
    and the stored timeline is returned.
    """
    numbers = list(dict.fromkeys(normalize_waybill(w) for w in payload.waybill_nos))
    found = {p.waybill_no: p for p in Package.objects.select_related("order__shop").filter(waybill_no__in=numbers)}
    outcomes = {o.package.pk: o for o in refresh_packages(list(found.values()))}
    fresh = {p.pk: p for p in with_events(Package.objects.filter(pk__in=[p.pk for p in found.values()]))}
    results = []
    for number in numbers:
        package = found.get(number)
        outcome = outcomes.get(package.pk) if package else None
        if package is None:
            error = "运单号不存在 (unknown waybill)"
        elif outcome is None:
            error = "尚未确认发货，没有物流轨迹 (not shipped yet)"
        else:
            error = outcome.error
        results.append({
            "waybill_no": number, "refreshed": outcome is not None and not outcome.error,
            "new_events": outcome.new_events if outcome else 0, "error": error,
            "package": packages_out([fresh[package.pk]])[0] if package else None,
        })
    return results
