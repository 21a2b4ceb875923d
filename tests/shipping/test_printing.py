import re
import zlib
from datetime import timedelta

import pypdfium2 as pdfium
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from factories import NOW

from yundan.orders.models import Order, OrderItem
from yundan.shipping.models import Package
from yundan.shipping.printing import print_labels

pytestmark = pytest.mark.django_db

FULL_PHONE = "13812345678"


@pytest.fixture
def orders(make_order, frozen_now):
    made = []
    for n in range(3):
        order = make_order(f"31234567890{n}", receiver_name="欧阳娜娜", receiver_phone=FULL_PHONE,
                           remark="易碎品，注意包装")
        OrderItem.objects.create(order=order, sku_id="100012043978", name="小米 Redmi K80", quantity=1)
        made.append(order)
    return made


def page_texts(pdf: bytes) -> list[str]:
    document = pdfium.PdfDocument(pdf)
    return [document[i].get_textpage().get_text_range() for i in range(len(document))]


def decompressed_streams(pdf: bytes) -> list[bytes]:
    streams = []
    for body in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.DOTALL):
        try:
            streams.append(zlib.decompress(body))
        except zlib.error:
            streams.append(body)
    return streams


def test_labels_come_one_per_package_in_the_order_given(orders):
    result = print_labels(["312345678902", "312345678900"])
    texts = page_texts(result.pdf)
    assert result.labels == 2 and result.orders == ["312345678902", "312345678900"]
    assert "312345678902" in texts[0] and "312345678900" in texts[1]


def test_printing_allocates_a_waybill_and_never_ships_the_order(orders, frozen_now):
    print_labels(["312345678900"])
    package = Package.objects.get(order=orders[0])
    orders[0].refresh_from_db()
    assert package.waybill_no.startswith("JDX9") and package.printed_at == frozen_now
    assert package.shipped_at is None and orders[0].status == "awaiting_shipment"
    assert package.routing["station"] and package.routing["sorting_code"]


def test_a_reprint_is_allowed_and_counted_with_the_same_waybill(orders, settings):
    print_labels(["312345678900"])
    first = Package.objects.get(order=orders[0])
    settings.YUNDAN_NOW = NOW + timedelta(hours=2)
    print_labels(["312345678900"])
    again = Package.objects.get(order=orders[0])
    assert (again.waybill_no, again.print_count, again.printed_at) == (first.waybill_no, 2, first.printed_at)


def test_a_multi_package_order_gets_package_codes_n_of_n(orders):
    from yundan.shipping.packages import add_packages

    add_packages(orders[1], 2, "sandbox", list(orders[1].items.all()))
    result = print_labels(["312345678901"])
    waybills = list(Package.objects.filter(order=orders[1]).order_by("sequence").values_list("waybill_no", flat=True))
    texts = page_texts(result.pdf)
    assert f"{waybills[0]}-1-2-" in texts[0] and f"{waybills[1]}-2-2-" in texts[1]


def test_bad_orders_are_reported_and_the_good_ones_still_print(orders, make_order):
    Order.objects.filter(order_no="312345678901").update(status="canceled")
    Order.objects.filter(order_no="312345678902").update(status="locked")
    make_order("312345678909", receiver_address="")
    result = print_labels(["399999999999", "312345678900", "312345678901", "312345678902", "312345678909"])
    reasons = {f.order_no: f.reason for f in result.failures}
    assert result.orders == ["312345678900"] and result.labels == 1
    assert "订单不存在" in reasons["399999999999"] and "已取消" in reasons["312345678901"]
    assert "已锁定" in reasons["312345678902"] and "详细地址" in reasons["312345678909"]
    assert not Package.objects.filter(order__order_no__in=["312345678901", "312345678902"]).exists()


def test_the_full_phone_and_name_appear_nowhere_in_the_pdf(orders):
    pdf = print_labels(["312345678900", "312345678901"]).pdf
    text = "".join(page_texts(pdf))
    assert "1******5678" in text and "欧***" in text
    assert FULL_PHONE not in text and "欧阳娜娜" not in text and "302室" not in text
    metadata = pdfium.PdfDocument(pdf).get_metadata_dict()
    assert not any(FULL_PHONE in value or "欧阳" in value for value in metadata.values())
    needles = [FULL_PHONE.encode(), FULL_PHONE.encode("utf-16-be"), "欧阳娜娜".encode("utf-16-be"),
               "欧阳娜娜".encode()]
    for stream in [pdf, *decompressed_streams(pdf)]:
        assert not any(needle in stream for needle in needles)


def test_the_labels_command_prints_good_orders_and_fails_on_bad_ones(orders, tmp_path, capsys):
    Order.objects.filter(order_no="312345678901").update(status="canceled")
    order_list = tmp_path / "orders.txt"
    order_list.write_text("312345678900\n312345678901\n", encoding="utf-8")
    out = tmp_path / "labels.pdf"
    with pytest.raises(CommandError, match="1 个订单未打印"):
        call_command("labels", "print", "312345678902", "--from", str(order_list), "--out", str(out),
                     "--size", "100x150")
    captured = capsys.readouterr()
    assert "已生成 2 张面单" in captured.out and "312345678901：订单已取消" in captured.err
    document = pdfium.PdfDocument(out.read_bytes())
    assert len(document) == 2 and round(document[0].get_width() / 72 * 25.4) == 100


def test_the_labels_command_succeeds_when_everything_printed(orders, tmp_path):
    out = tmp_path / "labels.pdf"
    call_command("labels", "print", "312345678900", "--out", str(out))
    assert out.read_bytes().startswith(b"%PDF")


def test_a_parcel_of_another_carrier_reprints_without_the_sandbox_marker(orders):
    from yundan.shipping.shipment import GivenWaybill, ShipmentRequest, confirm_shipments

    confirm_shipments([ShipmentRequest("312345678900", waybills=(GivenWaybill("sf", "SF1673179789153"),))])
    result = print_labels(["312345678900"])
    text = page_texts(result.pdf)[0]
    assert "SF1673179789153" in text and "顺丰速运" in text and "模拟面单" not in text
