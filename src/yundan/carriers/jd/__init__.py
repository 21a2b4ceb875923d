"""JD's own platforms as carrier accounts: JOS (京东开放平台) and LOP (京东物流开放平台).

``JOS_KIND`` tracks 京东快递 parcels and allocates waybill numbers through the shop's JOS app;
``LOP_KIND`` tracks them through api.jdl.com. Wire formats stay inside this package.
"""

from yundan.carriers.base import CarrierKind
from yundan.carriers.jd.jos import JosCarrier
from yundan.carriers.jd.lop import LopCarrier
from yundan.carriers.jd.settings import JOS_KEYS, LOP_KEYS

JOS_KIND = CarrierKind(
    kind=JosCarrier.code, label=JosCarrier.name, keys=JOS_KEYS, build=JosCarrier.from_settings,
    serves=frozenset({"jd"}), allocates=True, direct=True,
)
LOP_KIND = CarrierKind(
    kind=LopCarrier.code, label=LopCarrier.name, keys=LOP_KEYS, build=LopCarrier.from_settings,
    serves=frozenset({"jd"}), allocates=False, direct=True,
)

__all__ = ["JOS_KIND", "LOP_KIND", "JosCarrier", "LopCarrier"]
