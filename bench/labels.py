"""Label (面单) rendering benchmark: N labels into one PDF, the product path against a naive one.

    .venv/bin/python bench/labels.py [--labels 1000] [--size 76x130] [--repeat 3]

Builds N realistic labels (varied CJK names, addresses and items, so the font subset is as large
as a real day's batch; two parcels per waybill; every third label a sandbox label) and times
``render_labels`` into one PDF. The naive variant, in the same run, draws the QR code with
reportlab's own ``QrCodeWidget`` (a shape per module) instead of one path from the segno matrix;
it is patched in here, not in the product. Prints the median of ``--repeat`` runs.

Goal (issue): 1,000 labels of 76×130 in ≤ 5 s and ≤ 30 KB per label on average.
"""

import argparse
import random
import statistics
import time
from datetime import datetime, timedelta, timezone
from unittest import mock

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing

from yundan.shipping import label_drawing, label_zones
from yundan.shipping.label_drawing import register_font
from yundan.shipping.labels import LABEL_SIZES, LabelData, LabelParty, render_labels

SHANGHAI = timezone(timedelta(hours=8))
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢"
PLACES = [
    ("上海", "浦东新区", "上海浦东转运中心", "021"), ("北京", "朝阳区", "北京马驹桥分拣中心", "010"),
    ("广东", "深圳市南山区", "深圳华南分拨中心", "0755"), ("浙江", "杭州市西湖区", "杭州转运中心", "0571"),
    ("四川", "成都市武侯区", "成都双流分拣中心", "028"), ("湖北", "武汉市洪山区", "武汉亚一分拣中心", "027"),
    ("江苏", "南京市鼓楼区", "南京玄武转运中心", "025"), ("陕西", "西安市雁塔区", "西安转运中心", "029"),
]
ROADS = ["张江路", "文三路", "科技园南路", "人民中路", "解放大道", "珠江路", "长安南路", "天府大道北段", "建设路",
         "中山东一路", "学院路", "光谷大道", "龙蟠中路", "雁塔西路"]
ESTATES = ["汤臣豪园", "阳光花园", "翠湖天地", "万科城", "保利香槟国际", "绿地世纪城", "金地格林小镇", "融创玖玺台",
           "碧桂园凤凰城", "华润二十四城"]
ITEMS = ["小米 Redmi K80", "数据线", "华为 FreeBuds 6", "三只松鼠坚果礼盒", "蓝月亮洗衣液 3kg", "安踏跑鞋",
         "九阳豆浆机", "得力中性笔 12支", "飞利浦电动牙刷", "李宁运动短袖", "美的电饭煲", "南极人四件套"]
REMARKS = ["", "", "请工作日派送，放门卫处", "到了提前打电话，谢谢！", "易碎品，轻拿轻放",
           "周末不在家，请放快递柜；如快递柜已满请联系物业代收，不要放在门口"]


def make_labels(count: int, rng: random.Random) -> list[LabelData]:
    printed_at = datetime(2026, 11, 27, 10, 0, tzinfo=SHANGHAI)
    result = []
    while len(result) < count:
        waybill = f"JDX{910_000_000_000 + len(result):012d}"
        province, district, centre, area_code = rng.choice(PLACES)
        receiver = LabelParty(
            name=rng.choice(SURNAMES) + "*" * rng.choice((1, 1, 2)),
            phone=f"1******{rng.randrange(10_000):04d}",
            address=f"{province}{district}{rng.choice(ROADS)}{rng.randrange(1, 2000)}号"
                    f"{rng.choice(ESTATES)}{'*' * rng.choice((2, 3))}号楼****室",
        )
        sender = LabelParty("测试仓" if rng.random() < 0.5 else "小米官方旗舰店", "010-****0000",
                            "北京市大兴区亦庄经济开发区科创十一街18号京东亚洲一号")
        items = "；".join(
            f"{rng.choice(ITEMS)} ×{rng.randrange(1, 4)}" for _ in range(rng.randrange(1, 5))
        )
        chute = f"{rng.choice('ABCDE')}{rng.randrange(1, 9)}-{rng.randrange(1, 40):02d}"
        for index in (1, 2):
            result.append(LabelData(
                waybill_no=waybill, package_code=f"{waybill}-{index}-2-", parcel_index=index,
                parcel_count=2, carrier_name="京东物流（模拟）",
                product_name=rng.choice(("特惠送", "特快送")), origin_center="北京亚一分拣中心",
                destination_center=centre, sorting_code=f"{area_code}-{chute}",
                route_area=f"{rng.choice('ABCD')}{rng.randrange(1, 30)}",
                destination=f"{province} {district}",
                station=f"{district}{rng.choice(('营业部', '站'))}", receiver=receiver, sender=sender,
                order_no=str(300_000_000_000 + rng.randrange(10**11)), items_summary=items,
                remark=rng.choice(REMARKS),
                weight_kg=rng.choice(("", f"{rng.uniform(0.2, 20):.2f}")),
                printed_at=printed_at, qr_payload=waybill, simulated=len(result) % 3 == 0,
            ))
    return result[:count]


def draw_qr_with_widget(canvas, matrix, left, top, module, page_height):
    """The naive QR: reportlab's widget draws one rectangle shape per dark module."""
    side = len(matrix) * module
    widget = QrCodeWidget(matrix.payload, barLevel="M", barBorder=0, barWidth=side, barHeight=side)
    drawing = Drawing(side, side)
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, left, top - side)


class _MatrixWithPayload(tuple):
    payload: str


def qr_matrix_keeping_payload(payload: str):
    matrix = _MatrixWithPayload(label_drawing.qr_matrix(payload))
    matrix.payload = payload
    return matrix


def time_render(batch: list[LabelData], size: str, repeat: int) -> tuple[float, int]:
    seconds, pdf = [], b""
    for _ in range(repeat):
        started = time.perf_counter()
        pdf = render_labels(batch, size)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), len(pdf)


def report(name: str, count: int, seconds: float, pdf_bytes: int) -> None:
    print(f"{name:<34} {seconds:7.2f} s   {seconds / count * 1000:7.2f} s per 1,000   "
          f"{pdf_bytes / count / 1024:6.1f} KB per label   ({pdf_bytes / 1024:,.0f} KB PDF)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=int, default=1000)
    parser.add_argument("--size", choices=list(LABEL_SIZES), default="76x130")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--naive-labels", type=int,
                        help="labels for the naive variant (default: --labels; it is ~5x slower)")
    args = parser.parse_args()

    started = time.perf_counter()
    register_font()
    print(f"font registration (once per process): {time.perf_counter() - started:.2f} s")
    batch = make_labels(args.labels, random.Random(20261127))
    print(f"{args.labels} labels, {args.size} mm, median of {args.repeat}")
    seconds, pdf_bytes = time_render(batch, args.size, args.repeat)
    report("segno matrix as one path (product)", args.labels, seconds, pdf_bytes)

    naive_batch = batch[: args.naive_labels or args.labels]
    with mock.patch.object(label_zones, "qr_matrix", qr_matrix_keeping_payload), \
            mock.patch.object(label_zones, "draw_qr", draw_qr_with_widget):
        seconds, pdf_bytes = time_render(naive_batch, args.size, args.repeat)
    report("reportlab QrCodeWidget (naive)", len(naive_batch), seconds, pdf_bytes)


if __name__ == "__main__":
    main()
