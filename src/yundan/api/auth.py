"""``Authorization: Bearer yd_…`` on every operation, the key's scope, and its rate limit.

Routers use ``auth=read`` (the API's default) or ``auth=write`` on operations that change things.
A wrong or missing key is 401; a read key on a write operation is 403; past the key's rate limit
(``YUNDAN_API_RATE_LIMIT`` requests a minute) it is 429 with ``Retry-After``.
"""

from __future__ import annotations

from django.conf import settings
from ninja.security import HttpBearer

from yundan import ratelimit
from yundan.api.errors import ApiError
from yundan.api.keys import allows, key_for_token
from yundan.api.models import ApiKey, Scope

RATE_WINDOW_SECONDS = 60


class ApiKeyAuth(HttpBearer):
    def __init__(self, scope: str):
        super().__init__()
        self.scope = scope

    def authenticate(self, request, token: str) -> ApiKey | None:
        api_key = key_for_token(token)
        if api_key is None:
            return None
        if not allows(api_key, self.scope):
            raise ApiError(403, f"此密钥只有 {api_key.scope} 权限，本操作需要 {self.scope} (this key cannot {self.scope})",
                           code="insufficient_scope")
        decision = ratelimit.hit(f"api:{api_key.prefix}", settings.YUNDAN_API_RATE_LIMIT, RATE_WINDOW_SECONDS)
        if not decision.allowed:
            raise ApiError(429, f"请求过于频繁，请 {decision.retry_after} 秒后再试 (rate limited)",
                           headers={"Retry-After": str(decision.retry_after)})
        return api_key


read = ApiKeyAuth(Scope.READ)
write = ApiKeyAuth(Scope.WRITE)
