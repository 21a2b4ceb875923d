"""The 看板's panels: each a plain table and the Chart.js chart that draws the same numbers.

Tables carry display text (the accessible truth); charts carry the raw numbers. Labels are made
here, in the reader's language, from the codes the snapshot stores.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils.dateformat import format as format_time
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from yundan.console.dashboard_stats import DELIVERY_BANDS
from yundan.exceptions.kinds import ExceptionKind
from yundan.exceptions.queue import AGE_BUCKETS
from yundan.orders.states import OrderStatus
from yundan.tracking.statuses import TrackingStatus


@dataclass
class Panel:
    key: str  # the canvas id and the chart's key in the page's JSON
    title: str
    columns: list[str]
    rows: list[list[str]]
    chart: dict
    note: str = ""
    total: list[str] | None = None
    wide: bool = False  # chart above a wide table instead of beside it

    @property
    def chart_id(self) -> str:
        return f"chart-{self.key}"

    @property
    def chart_height(self) -> int:
        """Pixels: horizontal bars get a line per label."""
        return max(280, 60 + 24 * len(self.chart["labels"])) if self.chart["horizontal"] else 300

    @property
    def table_height(self) -> int:
        return max(self.chart_height, 420)


@dataclass
class Chart:
    """What static/console/dashboard.js needs to draw one chart."""

    kind: str  # "bar" or "line"
    labels: list[str]
    datasets: list[dict] = field(default_factory=list)
    horizontal: bool = False
    stacked: bool = False
    unit: str = ""

    def add(self, label: str, data: list) -> Chart:
        self.datasets.append({"label": label, "data": data})
        return self

    def spec(self) -> dict:
        return {"type": self.kind, "labels": self.labels, "datasets": self.datasets, "horizontal": self.horizontal,
                "stacked": self.stacked, "unit": self.unit}


def number(value: int) -> str:
    return f"{value:,}"


def hours(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"


def moment(iso: str) -> str:
    """A stored instant as the shop's local month-day and time, e.g. 11-25 10:00."""
    return format_time(localtime(datetime.fromisoformat(iso)), "m-d H:i")


def province_label(name: str) -> str:
    return name or _("未填写")


def counts_panel(key: str, title: str, counts: dict[str, int], labels: dict, what: str, note: str = "") -> Panel:
    total = sum(counts.values())
    names = [str(labels[code]) for code in counts]
    return Panel(
        key, title, [_("状态"), what, _("占比")],
        [[name, number(n), percent(n, total)] for name, n in zip(names, counts.values())],
        Chart("bar", names).add(what, list(counts.values())).spec(),
        note=note, total=[_("合计"), number(total), percent(total, total)],
    )


def trend_panel(trend: dict) -> Panel:
    days = [date.fromisoformat(day).strftime("%m-%d") for day in trend["days"]]
    return Panel(
        "exception-trend", _("异常件：近%(days)d天每天新增与结束") % {"days": len(days)},
        [_("日期"), _("新增"), _("结束")],
        [[day, number(o), number(c)] for day, o, c in zip(days, trend["opened"], trend["closed"])],
        Chart("line", days).add(_("新增"), trend["opened"]).add(_("结束"), trend["closed"]).spec(),
        note=_("按店铺所在时区的自然日；结束 = 已解决或已关闭。"),
        total=[_("合计"), number(sum(trend["opened"])), number(sum(trend["closed"]))],
    )


def open_exceptions_panel(by_kind: dict[str, list[int]]) -> Panel:
    kinds = [str(ExceptionKind(kind).label) for kind in by_kind]
    bands = [_(label) for _limit, label in AGE_BUCKETS]
    chart = Chart("bar", kinds, stacked=True)
    for index, band in enumerate(bands):
        chart.add(band, [counts[index] for counts in by_kind.values()])
    per_band = [sum(counts[i] for counts in by_kind.values()) for i in range(len(bands))]
    return Panel(
        "open-exceptions", _("未结异常件：按类型和时长"), [_("类型"), *bands, _("合计")],
        [[kind, *map(number, counts), number(sum(counts))] for kind, counts in zip(kinds, by_kind.values())],
        chart.spec(), note=_("时长从发现时起算。"), total=[_("合计"), *map(number, per_band), number(sum(per_band))],
    )


def delivery_histogram_panel(delivery: dict) -> Panel:
    overall = delivery["overall"]
    bands = [str(label) for _limit, label in DELIVERY_BANDS]
    return Panel(
        "delivery-time", _("妥投时效：发货到签收"), [_("时长"), _("包裹数"), _("占比")],
        [[band, number(n), percent(n, overall["count"])] for band, n in zip(bands, overall["bands"])],
        Chart("bar", bands).add(_("包裹数"), overall["bands"]).spec(),
        note=_("%(since)s 至 %(until)s 签收的包裹：中位数 %(median)s 小时，P90 %(p90)s 小时。") % {
            "since": moment(delivery["since"]), "until": moment(delivery["until"]),
            "median": hours(overall["median"]), "p90": hours(overall["p90"])},
        total=[_("合计"), number(overall["count"]), percent(overall["count"], overall["count"])],
    )


def delivery_by_province_panel(delivery: dict) -> Panel:
    rows = delivery["provinces"]
    names = [province_label(row["province"]) for row in rows]
    bands = [str(label) for _limit, label in DELIVERY_BANDS]
    chart = (Chart("bar", names, horizontal=True, unit=_("小时"))
             .add(_("中位数"), [row["median"] for row in rows]).add("P90", [row["p90"] for row in rows]))

    def cells(name: str, row: dict) -> list[str]:
        return [name, number(row["count"]), hours(row["median"]), hours(row["p90"]), *map(number, row["bands"])]

    return Panel(
        "delivery-province", _("妥投时效：按收货省份"),
        [_("省份"), _("包裹数"), _("中位数（小时）"), _("P90（小时）"), *bands],
        [cells(name, row) for name, row in zip(names, rows)], chart.spec(),
        note=_("%(since)s 至 %(until)s 签收的包裹，包裹多的省份在前。") % {
            "since": moment(delivery["since"]), "until": moment(delivery["until"])}, total=cells(_("全部"), delivery["overall"]), wide=True,
    )


def within_panel(within: dict) -> Panel:
    rows = within["provinces"]
    names = [province_label(row["province"]) for row in rows]
    promise = {"hours": within["hours"]}

    def cells(name: str, row: dict) -> list[str]:
        return [name, number(row["shipped"]), number(row["within"]), percent(row["within"], row["shipped"])]

    return Panel(
        "within-48h", _("%(hours)d小时内签收率：按收货省份") % promise,
        [_("省份"), _("发货包裹"), _("%(hours)d小时内签收") % promise, _("签收率")],
        [cells(name, row) for name, row in zip(names, rows)],
        Chart("bar", names, horizontal=True, unit="%").add(_("签收率"), [row["share"] for row in rows]).spec(),
        note=_("%(start)s 至 %(end)s 发货的包裹（都已发出满%(hours)d小时）；未签收、退回、丢失的都算未按时签收。") % {
            "start": moment(within["shipped_from"]), "end": moment(within["shipped_before"]), **promise},
        total=cells(_("全部"), within["overall"]), wide=True,
    )


def panels(numbers: dict) -> list[Panel]:
    return [
        counts_panel("orders", _("订单状态"), numbers["orders"], dict(OrderStatus.choices), _("订单数")),
        counts_panel("tracking", _("物流状态"), numbers["tracking"], dict(TrackingStatus.choices), _("包裹数"),
                     note=_("已确认发货的包裹。")),
        trend_panel(numbers["exceptions_per_day"]),
        open_exceptions_panel(numbers["open_exceptions"]),
        delivery_histogram_panel(numbers["delivery_times"]),
        delivery_by_province_panel(numbers["delivery_times"]),
        within_panel(numbers["delivered_within"]),
    ]
