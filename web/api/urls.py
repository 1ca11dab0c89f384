"""REST API URLs under /api/ (owned by the API work)."""
urlpatterns = []
