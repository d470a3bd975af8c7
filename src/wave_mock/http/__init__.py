"""The HTTP layer: thin Flask views, the raw-WSGI fast path, and what guards them."""
