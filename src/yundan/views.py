from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from yundan.health import OK, readiness


@login_not_required
def healthz(request):
    return JsonResponse({"status": "ok"})


@login_not_required
@never_cache
def readyz(request):
    """200 when this process can serve (database, migrations, queue), else 503 naming the failed check."""
    checks = readiness()
    ready = all(answer == OK for answer in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)
