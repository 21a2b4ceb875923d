from django.conf import settings
from django.shortcuts import redirect
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from yundan.console.models import UserPreference


def home(request):
    return redirect("orders")


@require_POST
def language(request):
    """Remember the user's interface language (Chinese first, English available)."""
    code = request.POST.get("language", "")
    if code in dict(settings.LANGUAGES):
        UserPreference.objects.update_or_create(user=request.user, defaults={"language": code})
        translation.activate(code)
    back = request.META.get("HTTP_REFERER", "")
    return redirect(back if url_has_allowed_host_and_scheme(back, {request.get_host()}) else "orders")



