"""Console pages: exceptions (being built)."""

urlpatterns = []
