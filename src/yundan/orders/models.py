from django.db import models

from yundan.carriers.base import Address

from yundan.orders.states import OrderStatus


class Shop(models.Model):
    """One JD store. The sender block (寄件人) is what its labels and routes start from."""

    name = models.CharField("店铺名称", max_length=100, unique=True)
    platform = models.CharField("平台", max_length=20, default="jd")
    default_carrier = models.CharField("默认承运商", max_length=32, default="sandbox")
    sender_name = models.CharField("寄件人", max_length=50, blank=True)
    sender_phone = models.CharField("寄件人电话", max_length=32, blank=True)
    sender_province = models.CharField("发货省份", max_length=20, blank=True)
    sender_city = models.CharField("发货城市", max_length=30, blank=True)
    sender_district = models.CharField("发货区县", max_length=30, blank=True)
    sender_address = models.CharField("发货详细地址", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "店铺"

    def __str__(self) -> str:
        return self.name

    @property
    def origin_address(self) -> Address:
        return Address(self.sender_province, self.sender_city, self.sender_district, self.sender_address)


class Order(models.Model):
    """A platform order. The receiver lives on the order: one order, one ship-to address."""

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="orders")
    order_no = models.CharField("订单号", max_length=32)
    buyer_id = models.CharField("买家ID", max_length=64, blank=True)
    ordered_at = models.DateTimeField("下单时间", null=True, blank=True)
    amount = models.DecimalField("订单金额", max_digits=12, decimal_places=2, null=True, blank=True)
    status = models.CharField(
        "订单状态", max_length=20, choices=OrderStatus.choices, default=OrderStatus.AWAITING_SHIPMENT
    )
    remark = models.TextField("商家备注", blank=True)

    receiver_name = models.CharField("收货人", max_length=50, blank=True)
    receiver_phone = models.CharField("联系电话", max_length=32, blank=True)
    # Kept apart so "last 4 digits" is an indexed equality lookup, not a LIKE scan.
    receiver_phone_last4 = models.CharField(max_length=4, blank=True)
    receiver_province = models.CharField("省", max_length=20, blank=True)
    receiver_city = models.CharField("市", max_length=30, blank=True)
    receiver_district = models.CharField("区县", max_length=30, blank=True)
    receiver_address = models.CharField("详细地址", max_length=200, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        verbose_name = "订单"
        constraints = [
            models.UniqueConstraint(fields=["shop", "order_no"], name="order_no_unique_per_shop")
        ]
        indexes = [
            models.Index(fields=["order_no"], name="order_no_idx"),
            models.Index(fields=["buyer_id", "ordered_at"], name="order_buyer_idx"),
            models.Index(fields=["receiver_phone", "ordered_at"], name="order_phone_idx"),
            models.Index(
                fields=["receiver_phone_last4", "status", "ordered_at"], name="order_phone4_idx"
            ),
            models.Index(fields=["status", "ordered_at"], name="order_status_idx"),
            models.Index(fields=["ordered_at"], name="order_time_idx"),
        ]

    def __str__(self) -> str:
        return self.order_no

    @property
    def destination_address(self) -> Address:
        return Address(self.receiver_province, self.receiver_city, self.receiver_district, self.receiver_address)


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    sku_id = models.CharField("商品ID", max_length=32)
    name = models.CharField("商品名称", max_length=255)
    quantity = models.PositiveIntegerField("数量", default=1)

    class Meta:
        verbose_name = "订单商品"

    def __str__(self) -> str:
        return f"{self.name} ×{self.quantity}"
