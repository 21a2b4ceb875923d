"""Carrier pushes in. Thin: check who sent it, hand it to the tracking service, answer the carrier."""

import logging

from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from yundan.carriers import kuaidi100
from yundan.carriers.accounts import adapter
from yundan.carriers.base import CarrierError
from yundan.carriers.models import CarrierAccount
from yundan.tracking.pushes import accept_push

log = logging.getLogger(__name__)

# Kuaidi100 posts a form of a few KB (the full trace); anything far bigger is not a push.
MAX_PUSH_BYTES = 512 * 1024


def _kuaidi100_accounts(name: str):
    accounts = CarrierAccount.objects.filter(kind=kuaidi100.KIND.kind, enabled=True)
    return accounts.filter(name=name) if name else accounts


def _read_push(request):
    """The push and the account whose salt signs it (the callback URL may name the account)."""
    name = request.GET.get("account", "")
    # A NUL cannot name an account, and PostgreSQL refuses it in a query parameter.
    accounts = list(_kuaidi100_accounts(name)) if "\x00" not in name else []
    if not accounts:
        raise kuaidi100.PushRejected("没有启用的快递100账号 (no Kuaidi100 account)")
    problem = None
    for account in accounts:
        try:
            return adapter(account).parse_push(request.POST)
        except kuaidi100.PushRejected as error:
            problem = error
        except CarrierError as error:
            log.error("Kuaidi100 account %s has unusable settings: %s", account.name, error)
    raise problem or kuaidi100.PushRejected("快递100账号设置无效 (account settings unusable)")


@login_not_required
@csrf_exempt
@require_POST
def kuaidi100_push(request):
    """``POST /hooks/kuaidi100``: store first, then answer ``PUSH_ACCEPTED`` (Kuaidi100 waits 20 s)."""
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_PUSH_BYTES:
        return JsonResponse(kuaidi100.push_refused("推送过大 (too large)", "400"), status=413)
    try:
        update = _read_push(request)
    except kuaidi100.PushRejected as error:
        log.warning("Kuaidi100 push refused: %s", error)
        return JsonResponse(error.reply, status=400)
    outcome = accept_push(
        update.result, kuaidi100.KIND.kind, courier=update.courier,
        subscribed=update.status != "abort", stale=update.stale,
    )
    if not outcome.known:
        log.info("Kuaidi100 push for a waybill we do not track (status %s)", update.status)
    return JsonResponse(kuaidi100.PUSH_ACCEPTED)
