import pytest
from factories import NOW

from yundan.orders.models import Order, Shop

# Fails the run if any log line carries a receiver's phone, name or address (tests/log_guard.py).
pytest_plugins = ["log_guard"]


@pytest.fixture
def frozen_now(settings):
    settings.YUNDAN_NOW = NOW
    return NOW


@pytest.fixture
def shop(db):
    return Shop.objects.create(
        name="测试店铺", sender_name="测试仓", sender_phone="010-89120000", sender_province="北京市",
        sender_city="北京市", sender_district="大兴区", sender_address="科创十一街18号",
    )


@pytest.fixture
def make_order(shop):
    def make(order_no="312345678901", **fields):
        values = dict(
            buyer_id="jd_buyer01", receiver_name="张三", receiver_phone="13812345678",
            receiver_phone_last4="5678", receiver_province="浙江省", receiver_city="杭州市",
            receiver_district="西湖区", receiver_address="文三路90号1号楼302室", ordered_at=NOW,
        )
        owner = fields.pop("shop", shop)
        values.update(fields)
        return Order.objects.create(shop=owner, order_no=order_no, **values)

    return make
