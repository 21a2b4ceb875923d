from django.db import transaction

from yundan.carriers.models import WaybillCounter


def next_serials(carrier: str, count: int) -> list[int]:
    """Reserve ``count`` consecutive serials for ``carrier``, safely across processes."""
    with transaction.atomic():
        counter, _ = WaybillCounter.objects.select_for_update().get_or_create(carrier=carrier)
        first = counter.last_serial + 1
        counter.last_serial += count
        counter.save(update_fields=["last_serial"])
    return list(range(first, first + count))
