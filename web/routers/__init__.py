"""The application's routers, one per noun: the JSON API and the pages."""
