from django.db import models


class WaybillCounter(models.Model):
    """The last serial handed out by a carrier that numbers its own waybills here (the sandbox).

    Real carriers number waybills on their side; the sandbox needs a counter shared by every
    process so that two printers never get the same number.
    """

    carrier = models.CharField(max_length=32, primary_key=True)
    last_serial = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "运单号计数器"


class CarrierAccount(models.Model):
    """Credentials and endpoints of one carrier platform account (see carriers.kinds).

    ``shop`` empty: the account serves every shop that has no account of its own.
    """

    name = models.CharField("名称", max_length=64, unique=True)
    kind = models.CharField("类型", max_length=16)
    shop = models.ForeignKey("orders.Shop", null=True, blank=True, on_delete=models.CASCADE, related_name="carrier_accounts")
    settings = models.JSONField("设置", default=dict)
    enabled = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "承运商账号"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
