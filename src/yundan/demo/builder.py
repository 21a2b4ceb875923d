"""Build the demo shop: orders in every state, every tracking phase and every exception scenario.

Everything comes from one ``random.Random(seed)`` and a seeded Faker, and every time is relative
to ``clock.now()``: the same seed and the same ``YUNDAN_NOW`` on a fresh database give the same data.
Packages go through the sandbox carrier's protocol (allocate, fetch traces) like real ones would.
"""

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from faker import Faker

from yundan import clock
from yundan.carriers.base import Address, AllocationRequest
from yundan.carriers.accounts import carrier_for
from yundan.carriers.sandbox import SCENARIOS, scenario_of
from yundan.demo.catalogue import COMMUNITIES, DEFAULT_PROVINCE_WEIGHT, PRODUCTS, PROVINCE_WEIGHTS, REMARKS
from yundan.orders.models import Order, OrderItem, Shop
from yundan.orders.receivers import normalize_phone, phone_last4
from yundan.orders.states import OrderStatus
from yundan.regions import PROVINCES
from yundan.shipping.models import Package, PackageItem
from yundan.tracking.services import refresh_packages

DEMO_SHOP = "京东演示旗舰店"
DEMO_USER = "demo"
DEMO_PASSWORD = "yundan-demo"
SENDER = Address("北京市", "北京市", "大兴区", "亦庄经济开发区科创十一街18号 京东演示仓")

# What kind of order each demo order is, and its share.
ORDER_KINDS: dict[str, float] = {
    "awaiting": 0.08,  # paid, nothing printed yet
    "printed": 0.05,  # label printed, shipment never confirmed (the FAQ case)
    "shipped": 0.52,  # on its way, in every tracking phase and scenario
    "finished": 0.25,  # delivered and confirmed by the buyer
    "canceled": 0.06,
    "locked": 0.04,  # refund in progress
}
SHIPPING_KINDS = frozenset({"printed", "shipped", "finished", "locked"})  # kinds that have packages
SPLIT_SHARE = 0.08  # of those, orders that ship in 2–3 parcels


@dataclass
class DemoSummary:
    shop: str
    orders: int = 0
    packages: int = 0
    events: int = 0
    by_status: Counter = field(default_factory=Counter)
    by_tracking: Counter = field(default_factory=Counter)
    by_scenario: Counter = field(default_factory=Counter)
    split_orders: int = 0
    user: str = DEMO_USER
    password: str = DEMO_PASSWORD


@dataclass
class PlannedPackage:
    package: Package
    items: list[tuple[int, int]]  # (index of the order's item, quantity)
    scenario: str | None = None


class DemoBuilder:
    def __init__(self, seed: int, now: datetime):
        self.rng = random.Random(seed)
        self.fake = Faker("zh_CN")
        self.fake.seed_instance(seed)
        self.now = now
        self.provinces = list(PROVINCES)
        self.province_weights = [PROVINCE_WEIGHTS.get(p.name, DEFAULT_PROVINCE_WEIGHT) for p in PROVINCES]

    def kinds(self, count: int) -> list[str]:
        """Order kinds for ``count`` orders: every kind present, then by share."""
        names = list(ORDER_KINDS)
        fixed = names[: min(count, len(names))]
        rest = self.rng.choices(names, weights=list(ORDER_KINDS.values()), k=count - len(fixed))
        return fixed + rest

    def receiver(self) -> dict:
        province = self.rng.choices(self.provinces, weights=self.province_weights)[0]
        city = self.rng.choice(province.cities)
        phone = normalize_phone(self.fake.phone_number())
        detail = (
            f"{self.fake.street_name()}{self.rng.randint(1, 999)}号{self.rng.choice(COMMUNITIES)}"
            f"{self.rng.randint(1, 30)}栋{self.rng.randint(1, 3)}单元{self.rng.randint(1, 33)}0{self.rng.randint(1, 4)}室"
        )
        return {
            "receiver_name": self.fake.name(),
            "receiver_phone": phone,
            "receiver_phone_last4": phone_last4(phone),
            "receiver_province": province.name,
            "receiver_city": city.name,
            "receiver_district": self.rng.choice(city.districts),
            "receiver_address": detail,
        }

    def order(self, shop: Shop, number: int, kind: str) -> tuple[Order, list[OrderItem], bool]:
        age = {"finished": (8, 40), "shipped": (0.05, 9), "awaiting": (0, 2), "printed": (0, 2)}.get(kind, (0, 20))
        ordered_at = self.now - timedelta(days=self.rng.uniform(*age), minutes=self.rng.randint(30, 600))
        split = kind in SHIPPING_KINDS and self.rng.random() < SPLIT_SHARE
        products = self.rng.sample(PRODUCTS, k=self.rng.choice((2, 3) if split else (1, 1, 1, 2, 2, 3)))
        items = [OrderItem(sku_id=sku, name=name, quantity=self.rng.choice((1, 1, 1, 2, 3))) for sku, name, _ in products]
        amount = sum(Decimal(price) * item.quantity for (_, _, price), item in zip(products, items))
        status = {
            "shipped": OrderStatus.SHIPPED, "finished": OrderStatus.FINISHED, "canceled": OrderStatus.CANCELED,
            "locked": OrderStatus.LOCKED,
        }.get(kind, OrderStatus.AWAITING_SHIPMENT)
        order = Order(
            shop=shop,
            order_no=str(310_000_000_000 + number * 7919 + self.rng.randint(0, 7918)),
            buyer_id=f"jd_{self.fake.user_name()}{self.rng.randint(10, 9999)}",
            ordered_at=ordered_at,
            amount=amount,
            status=status,
            remark=self.rng.choice(REMARKS),
            **self.receiver(),
        )
        return order, items, split

    def packages(self, order: Order, items: list[OrderItem], kind: str, split: bool) -> list[PlannedPackage]:
        if kind not in SHIPPING_KINDS:
            return []
        count = len(items) if split else 1
        planned = []
        for sequence in range(1, count + 1):
            carried = [(i, items[i].quantity) for i in range(sequence - 1, len(items), count)]
            planned.append(PlannedPackage(Package(order=order, sequence=sequence, carrier="sandbox"), carried))
        shipped_at = None
        if kind in ("shipped", "finished") or (kind == "locked" and self.rng.random() < 0.5):
            shipped_at = order.ordered_at + timedelta(hours=self.rng.uniform(2, 30))
            shipped_at = min(shipped_at, self.now - timedelta(minutes=self.rng.randint(5, 120)))
        for plan in planned:
            plan.package.printed_at = (shipped_at or self.now) - timedelta(minutes=self.rng.randint(10, 90))
            plan.package.print_count = 1
            plan.package.shipped_at = shipped_at
            if kind == "finished":
                plan.scenario = self.rng.choice(("delivered", "delivered", "delivered", "locker_pickup"))
        return planned


def force_every_scenario(plans: list[PlannedPackage], now: datetime) -> None:
    """The first shipped-but-not-finished packages take each scenario once, shipped long enough
    ago (12 days) that each has reached its ending: a lost parcel declared lost, a rejected one
    back at the warehouse."""
    live = [p for p in plans if p.package.shipped_at and p.package.order.status == OrderStatus.SHIPPED]
    for plan, scenario in zip(live, SCENARIOS):
        plan.scenario = scenario
        shipped_at = now - timedelta(days=12)
        plan.package.order.ordered_at = shipped_at - timedelta(hours=5)
        for sibling in (p.package for p in plans if p.package.order is plan.package.order):
            sibling.shipped_at, sibling.printed_at = shipped_at, shipped_at - timedelta(minutes=30)


@transaction.atomic
def build_demo(orders: int, seed: int, progress: Callable[[int], None] = lambda n: None) -> DemoSummary:
    """Replace the demo shop's data with ``orders`` generated orders. Returns what was built."""
    now = clock.now()
    builder = DemoBuilder(seed, now)
    Order.objects.filter(shop__name=DEMO_SHOP).delete()
    shop, _ = Shop.objects.update_or_create(
        name=DEMO_SHOP,
        defaults=dict(
            default_carrier="sandbox", sender_name="京东演示仓", sender_phone="010-89120000",
            sender_province=SENDER.province, sender_city=SENDER.city, sender_district=SENDER.district,
            sender_address=SENDER.detail,
        ),
    )
    summary = DemoSummary(shop=shop.name)
    plans: list[PlannedPackage] = []
    item_lists: list[list[OrderItem]] = []
    order_rows = []
    for number, kind in enumerate(builder.kinds(orders)):
        order, items, split = builder.order(shop, number, kind)
        order_rows.append(order)
        item_lists.append(items)
        plans.extend(builder.packages(order, items, kind, split))
    force_every_scenario(plans, now)
    Order.objects.bulk_create(order_rows, batch_size=2000)
    for order, items in zip(order_rows, item_lists):
        for item in items:
            item.order = order
    OrderItem.objects.bulk_create([i for items in item_lists for i in items], batch_size=2000)
    progress(orders // 3)

    carrier = carrier_for(shop.pk, "sandbox")
    origin = shop.origin_address
    allocations = carrier.allocate_waybills(
        [AllocationRequest(p.package.order.order_no, origin, p.package.order.destination_address, p.scenario)
         for p in plans]
    )
    for plan, allocation in zip(plans, allocations):
        plan.package.order = plan.package.order  # now saved: sets order_id, keeps the cached order
        plan.package.waybill_no = allocation.waybill_no
        plan.package.routing = asdict(allocation.routing)
    Package.objects.bulk_create([p.package for p in plans], batch_size=2000)
    progress(orders // 3)

    items_of = {order.pk: items for order, items in zip(order_rows, item_lists)}
    PackageItem.objects.bulk_create(
        [
            PackageItem(package=plan.package, order_item=items_of[plan.package.order_id][index], quantity=quantity)
            for plan in plans
            for index, quantity in plan.items
        ],
        batch_size=2000,
    )
    # Tracking starts as it does for a real shipment: the carrier is asked, its events ingested.
    shipped = [p.package for p in plans if p.package.shipped_at]
    events = sum(outcome.new_events for outcome in refresh_packages(shipped))
    progress(orders - 2 * (orders // 3))

    summary.orders, summary.packages, summary.events = len(order_rows), len(plans), events
    summary.by_status = Counter(o.status for o in order_rows)
    summary.by_tracking = Counter(p.status for p in shipped)
    summary.by_scenario = Counter(scenario_of(p.waybill_no) for p in shipped)
    summary.split_orders = sum(1 for p in plans if p.package.sequence == 2)
    ensure_demo_user()
    return summary


def ensure_demo_user() -> None:
    """The console login the demo prints. A demo convenience: never use it on a real install."""
    user, _ = get_user_model().objects.get_or_create(username=DEMO_USER)
    user.is_staff = user.is_superuser = True
    user.set_password(DEMO_PASSWORD)
    user.save()
