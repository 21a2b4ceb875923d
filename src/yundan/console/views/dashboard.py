"""Console page: 看板 — counts, the exception trend and delivery times, read from the last snapshot
(console.dashboard_snapshot) so the page stays fast at a million orders. Every role may look."""

from django.conf import settings
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_safe

from yundan.console.dashboard_panels import panels
from yundan.console.dashboard_snapshot import current_snapshot, is_stale


@require_safe
def dashboard(request):
    snapshot = current_snapshot()
    shown = panels(snapshot.numbers)
    return render(request, "console/dashboard/index.html", {
        "section": "dashboard", "snapshot": snapshot, "stale": is_stale(snapshot), "panels": shown,
        "charts": {panel.chart_id: panel.chart for panel in shown},
        "refresh_minutes": settings.YUNDAN_DASHBOARD_REFRESH_MINUTES,
    })


urlpatterns = [path("", dashboard, name="dashboard")]
