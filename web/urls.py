"""Page URLs (owned by the UI work)."""
urlpatterns = []
