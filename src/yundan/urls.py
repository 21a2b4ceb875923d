from django.urls import include, path

from yundan import views
from yundan.integrations import views as integrations

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("hooks/kuaidi100", integrations.kuaidi100_push, name="kuaidi100-push"),
    path("api/v1/", include("yundan.api.urls")),
    path("", include("yundan.console.urls")),
]
