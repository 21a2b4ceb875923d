"""Console pages: orders (being built)."""

urlpatterns = []
