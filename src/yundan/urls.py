from django.urls import path

from yundan import views

urlpatterns = [path("healthz", views.healthz, name="healthz")]
