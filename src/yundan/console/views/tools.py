"""Console pages: tools (being built)."""

urlpatterns = []
