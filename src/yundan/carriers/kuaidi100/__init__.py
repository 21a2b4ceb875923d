"""The Kuaidi100 (快递100) carrier: traces of any courier through one aggregator account.

Kuaidi100 tracks parcels of most Chinese couriers by (courier code, waybill number). Two products:

* Real-time query (``poll/query.do``): one signed form POST per waybill,
  ``sign = UPPER(MD5(param + key + customer))``. Kuaidi100 locks a waybill queried more often than
  every 30 minutes or more than 48 times a day; the adapter exposes ``min_interval`` and
  ``daily_limit`` (settings ``min_interval_minutes``, ``daily_limit``) for the scheduler.
* Subscription (``poll``) and push: Kuaidi100 posts every change to our ``POST /hooks/kuaidi100``
  (the ``callback_url`` setting); ``parse_push`` checks the salted sign and reads the form into a
  ``PushUpdate``; the hook replies ``PUSH_ACCEPTED`` after storing it, ``push_refused(...)`` if not.

Codes map onto our statuses in ``mapping`` (``STATUS_CODES``, ``STATUS_NAMES``, ``COM_CODES``);
everything the reference only infers is a setting (``config.KEYS``). Nothing outside this package
sees the wire format.
"""

from yundan.carriers.base import CarrierKind
from yundan.carriers.kuaidi100.adapter import Kuaidi100Carrier
from yundan.carriers.kuaidi100.config import KEYS, Kuaidi100Settings, read_settings
from yundan.carriers.kuaidi100.push import PUSH_ACCEPTED, PushRejected, PushUpdate, parse_push, push_refused


def build(values) -> Kuaidi100Carrier:
    """The adapter for an account's settings; ``CarrierError`` for a bad URL, number or code."""
    return Kuaidi100Carrier(read_settings(values))


KIND = CarrierKind(
    kind="kuaidi100", label="快递100", keys=KEYS, build=build, serves=None, allocates=False, direct=False,
)

__all__ = [
    "KEYS",
    "KIND",
    "PUSH_ACCEPTED",
    "Kuaidi100Carrier",
    "Kuaidi100Settings",
    "PushRejected",
    "PushUpdate",
    "build",
    "parse_push",
    "push_refused",
    "read_settings",
]
