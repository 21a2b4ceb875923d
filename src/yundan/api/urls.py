from django.urls import include, path

from yundan.api.main import api

_patterns, _app, _namespace = api.urls
# The API authenticates by key, not by console session: the login-required middleware lets it through.
for _pattern in _patterns:
    _pattern.callback.login_required = False

urlpatterns = [path("", include((_patterns, _app), namespace=_namespace))]
