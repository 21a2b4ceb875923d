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
