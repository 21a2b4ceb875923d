"""The REST API v1 (django-ninja): one NinjaAPI, a router per concern, one error shape.

Mounted at ``/api/v1/``: OpenAPI 3 at ``/api/v1/openapi.json``, docs at ``/api/v1/docs`` (Swagger
UI served from the package's static files, no CDN). Every operation needs an API key (``auth.read``
unless it says ``auth.write``).
"""

from django.contrib.auth.decorators import login_not_required
from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from yundan.api import auth
from yundan.api.errors import install_handlers


class Utf8JSONRenderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}  # Chinese as itself, not \uXXXX escapes


api = NinjaAPI(
    title="yundan 运单 REST API",
    version="1",
    description=(
        "订单、包裹、物流轨迹、批量查询和异常件，给 ERP/OMS 对接用。Orders, packages, tracking, batch queries and "
        "exceptions for ERP/OMS integration. Auth: `Authorization: Bearer yd_…` (keys from 设置 → API 密钥 or "
        "`yundan apikeys create`). Errors: `{\"error\": {\"code\", \"message\", \"fields\": [{\"path\", \"message\"}]}}`. "
        "Guide: docs/api.md."
    ),
    urls_namespace="api-v1",
    auth=auth.read,
    docs_decorator=login_not_required,
    renderer=Utf8JSONRenderer(),
)
install_handlers(api)
api.add_router("/orders", "yundan.api.orders.router")
api.add_router("", "yundan.api.packages.router")
api.add_router("/batch-jobs", "yundan.api.batch.router")
api.add_router("/webhooks", "yundan.webhooks.api.router")
api.add_router("/exceptions", "yundan.api.exceptions.router")
