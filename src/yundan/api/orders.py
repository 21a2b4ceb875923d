"""Orders: bulk upsert, get by number, search, and the incremental change feed."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import QuerySet
from ninja import Query, Router

from yundan.api import auth
from yundan.api.cursors import bad_cursor, decode_cursor, encode_cursor
from yundan.api.errors import ApiError, errors
from yundan.api.feed import read_snapshot
from yundan.api.models import OrderFeedEntry, Scope
from yundan.api.schemas import OrderOut, OrderPageOut, OrderSearch, UpsertIn, UpsertOut
from yundan.orders.details import iso_time, order_data, package_summary
from yundan.orders.models import Order, Shop
from yundan.orders.search import Cursor, OrderQuery, OrderNotFound, get_order, page_orders, search_orders
from yundan.orders.upsert import ItemInput, OrderInput, ReceiverInput, upsert_orders
from yundan.text import clean_number

router = Router(tags=["orders 订单"])

SEARCH_KEYS = ("order_no", "buyer_id", "phone", "waybill_no", "status", "shop", "ordered_from", "ordered_to")


def sees_full_receiver(request) -> bool:
    """Write keys belong to the systems that ship the orders; read keys see receivers masked."""
    return request.auth.scope == Scope.WRITE


def with_packages(orders: QuerySet[Order]) -> QuerySet[Order]:
    return orders.select_related("shop").prefetch_related("items", "packages")


def _package_out(package, order_no: str) -> dict:
    return {"order_no": order_no, **package_summary(package, order_no)}


def order_out(order: Order, full: bool) -> dict:
    return {**order_data(order, unmask=full, package=_package_out), "updated_at": iso_time(order.updated_at)}


def find_order(order_no: str, shop: str, orders: QuerySet[Order] | None = None) -> Order:
    """The order with this number (in ``shop``); 404 when none, 409 when several shops have it."""
    orders = orders if orders is not None else Order.objects.all()
    try:
        return get_order(order_no, shop, orders=orders)
    except OrderNotFound as error:
        if not shop and orders.filter(order_no=clean_number(order_no)).exists():
            raise ApiError(409, f"{error}：?shop=店铺名称 (several shops have this order number; pass ?shop=)",
                           code="ambiguous_order") from None
        raise ApiError(404, str(error), code="order_not_found") from None


def resolve_shop(name: str) -> Shop:
    if name:
        shop = Shop.objects.filter(name=name.strip()).first()
        if shop is None:
            raise ApiError(422, f"没有名为「{name}」的店铺 (unknown shop)", fields=[("shop", "unknown shop")])
        return shop
    shops = list(Shop.objects.all()[:2])
    if len(shops) != 1:
        problem = "有多个店铺，请指定 shop (several shops: name one)" if shops else "还没有店铺：请先在 设置 → 店铺 创建"
        raise ApiError(422, problem, fields=[("shop", problem)])
    return shops[0]


@router.post("", auth=auth.write, response={200: UpsertOut, **errors(403)}, summary="批量创建或更新订单 / bulk upsert",
             operation_id="upsert_orders")
def upsert(request, payload: UpsertIn):
    """Create or update up to 1,000 orders of one shop, idempotent by shop + order number.

    Each order is written in its own transaction and gets its own result: ``created``, ``updated``,
    ``unchanged`` (sending the same order again) or ``rejected`` with the wrong fields' paths
    (``orders[3].receiver.phone``); a rejected order never blocks the others. The request as a whole is
    422 only when it does not fit the schema. Fields replace the stored ones; ``items`` omitted keeps the
    stored items. A status the order cannot move to (e.g. back from shipped) is kept, with a warning.
    """
    shop = resolve_shop(payload.shop)
    inputs = [
        OrderInput(
            order_no=o.order_no, status=o.status, buyer_id=o.buyer_id, ordered_at=o.ordered_at, amount=o.amount,
            remark=o.remark, receiver=ReceiverInput(**o.receiver.model_dump()),
            items=None if o.items is None else [ItemInput(i.sku_id, i.name, i.quantity) for i in o.items],
        )
        for o in payload.orders
    ]
    results = upsert_orders(shop, inputs)
    counts = {outcome: sum(r.outcome == outcome for r in results) for outcome in ("created", "updated", "unchanged", "rejected")}
    return {
        "shop": shop.name, **counts,
        "results": [
            {"index": index, "order_no": r.order_no, "outcome": r.outcome, "warnings": r.warnings,
             "errors": [{"path": f"orders[{index}].{e.path}", "message": e.message} for e in r.errors]}
            for index, r in enumerate(results)
        ],
    }


@router.get("/{order_no}", response={200: OrderOut, **errors(404, 409)}, summary="查订单 / get an order",
            operation_id="get_order")
def get(request, order_no: str, shop: str = Query("", max_length=100, description="店铺名称，订单号在多个店铺重复时必填")):
    """One order with its items and packages (each package's timeline: ``GET /orders/{order_no}/packages``).

    Order numbers are unique per shop; when two shops have the same number the answer is 409
    ``ambiguous_order`` and ``?shop=`` picks one.
    """
    return order_out(find_order(order_no, shop, with_packages(Order.objects.all())), sees_full_receiver(request))


@router.get("", response={200: OrderPageOut, **errors()}, summary="搜索订单 / 变更流 search orders / change feed",
            operation_id="list_orders")
def list_orders(request, filters: Query[OrderSearch]):
    """Two modes, one page shape.

    **Search** (the console's keys): order number, buyer id, receiver phone (full or last 4), waybill
    number, status, shop, order dates. Newest order first.

    **Change feed** (``updated_since=…``): every order changed at or after that time, oldest change
    first, each order once at its latest state. ``next_cursor`` is always given: store it, and ask
    again with ``?cursor=`` to get the changes committed since — none is missed or repeated, even
    while others write. With a cursor send only ``cursor`` and ``limit``: the cursor carries the query.
    """
    given = filters.model_dump(exclude_defaults=True)
    full = sees_full_receiver(request)
    if filters.cursor:
        extra = sorted(set(given) - {"cursor", "limit"})
        if extra:
            raise ApiError(422, "带游标时只需 cursor 和 limit：游标已包含查询条件 (the cursor carries the query)",
                           fields=[(name, "not allowed with cursor") for name in extra])
        cursor = decode_cursor(filters.cursor, ("feed", "search"))
        if cursor["kind"] == "feed":
            return feed_page(cursor, filters.limit, full)
        return search_page(cursor.get("query"), cursor.get("after"), filters.limit, full)
    if filters.updated_since is not None:
        extra = sorted(set(given) - {"updated_since", "shop", "limit"})
        if extra:
            raise ApiError(422, "变更流只接受 updated_since、shop、limit (the feed takes updated_since, shop and limit)",
                           fields=[(name, "not allowed with updated_since") for name in extra])
        since = filters.updated_since.isoformat()
        return feed_page({"kind": "feed", "seq": 0, "since": since, "shop": filters.shop}, filters.limit, full)
    query = {key: given[key].isoformat() if hasattr(given[key], "isoformat") else given[key]
             for key in SEARCH_KEYS if key in given}
    return search_page(query, None, filters.limit, full)


def _order_query(query: dict) -> OrderQuery:
    dates = {key: date.fromisoformat(query[key]) for key in ("ordered_from", "ordered_to") if query.get(key)}
    return OrderQuery(**{**query, **dates})


def search_page(query: dict, after: str | None, limit: int, full: bool) -> dict:
    try:
        if not isinstance(query, dict) or not isinstance(after, (str, type(None))):
            raise TypeError("malformed cursor")
        order_query = _order_query(query)
        position = Cursor.decode(after) if after else None
    except (TypeError, ValueError):
        raise bad_cursor() from None
    try:
        orders = search_orders(order_query)
    except ValueError as error:  # a phone that cannot be one
        raise ApiError(422, str(error), fields=[("phone", str(error))]) from None
    page = page_orders(with_packages(orders), limit, after=position)
    return {
        "orders": [order_out(order, full) for order in page.orders],
        "next_cursor": encode_cursor({"kind": "search", "query": query, "after": page.next.encode()}) if page.next else None,
        "has_more": page.next is not None,
    }


def feed_page(cursor: dict, limit: int, full: bool) -> dict:
    """Orders whose feed number is past the cursor's, in feed order (see ``yundan.api.feed``)."""
    try:
        seq = int(cursor.get("seq", 0))
        since = datetime.fromisoformat(cursor["since"]) if cursor.get("since") else None
    except (TypeError, ValueError):
        raise bad_cursor() from None
    entries = OrderFeedEntry.objects.filter(seq__gt=seq).order_by("seq")
    if since is not None:
        entries = entries.filter(changed_at__gte=since)
    if cursor.get("shop"):
        entries = entries.filter(order__shop__name=str(cursor["shop"]))
    with read_snapshot():
        rows = list(entries.values_list("order_id", "seq")[: limit + 1])
        shown = rows[:limit]
        by_id = with_packages(Order.objects.filter(pk__in=[order_id for order_id, _ in shown])).in_bulk()
        orders = [order_out(by_id[order_id], full) for order_id, _ in shown if order_id in by_id]
    last_seq = shown[-1][1] if shown else seq
    return {
        "orders": orders,
        "next_cursor": encode_cursor({**cursor, "seq": last_seq}),
        "has_more": len(rows) > limit,
    }
