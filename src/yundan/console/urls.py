from django.contrib.auth import views as auth_views
from django.urls import include, path

from yundan.console.views import home

urlpatterns = [
    path("", home.home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", home.language, name="language"),
    path("", include("yundan.console.views.public")),
    path("dashboard/", include("yundan.console.views.dashboard")),
    path("orders/", include("yundan.console.views.orders")),
    path("tools/", include("yundan.console.views.tools")),
    path("exceptions/", include("yundan.console.views.exceptions")),
    path("settings/", include("yundan.console.views.settings")),
]
