"""The REST API v1 (django-ninja): one NinjaAPI, a router per concern, one error shape.

Mounted at ``/api/v1/``: OpenAPI 3 at ``/api/v1/openapi.json``, docs at ``/api/v1/docs`` (Swagger
UI served from the package's static files, no CDN). Every operation needs an API key (``auth.read``
unless it says ``auth.write``).
"""

from django.contrib.auth.decorators import login_not_required
from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from yundan.api import auth
from yundan.api.errors import ApiError, install_handlers
from yundan.api.schemas import NUL_MESSAGE


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


def checked_request(run):
    """Two checks every operation makes after authentication and validation:

    - a query parameter the operation does not have is 422, not ignored: ``?updatedSince=`` or
      ``?stauts=`` would otherwise answer every order as if no filter had been asked for;
    - text with a NUL character (in the path, a query value or an uploaded file's name) is 422: no
      order number, waybill or name has one, and PostgreSQL cannot store or compare it. Request
      bodies are checked by their schemas (``schemas.In``).
    """
    operation = run.__self__
    known = {name for model in operation.models if model.__ninja_param_source__ == "query"
             for name in model.__ninja_flatten_map__}
    view = operation.view_func

    def checked(request, *args, **kwargs):
        unknown = sorted(set(request.GET) - known)
        if unknown:
            raise ApiError(422, f"未知的查询参数：{', '.join(unknown)} (unknown query parameter)",
                           fields=[(name, "unknown query parameter") for name in unknown])
        texts = [("path", request.path), *((name, value) for name, values in request.GET.lists() for value in values),
                 *((name, upload.name or "") for name, upload in request.FILES.items())]
        bad = sorted({name for name, text in texts if "\x00" in text})
        if bad:
            raise ApiError(422, "文本中不能有 NUL 字符 (NUL character)", fields=[(name, NUL_MESSAGE) for name in bad])
        return view(request, *args, **kwargs)

    operation.view_func = checked
    return run


api.add_decorator(checked_request, mode="view")
api.add_router("/orders", "yundan.api.orders.router")
api.add_router("", "yundan.api.packages.router")
api.add_router("/batch-jobs", "yundan.api.batch.router")
api.add_router("/webhooks", "yundan.webhooks.api.router")
api.add_router("/exceptions", "yundan.api.exceptions.router")
