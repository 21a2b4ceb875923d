from django.utils import translation


class UserLanguageMiddleware:
    """A signed-in user's own interface language wins over the browser's."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        preference = getattr(request.user, "preference", None) if request.user.is_authenticated else None
        if preference is not None:
            translation.activate(preference.language)
            request.LANGUAGE_CODE = preference.language
        return self.get_response(request)
