"""The server: a JSON API and server-rendered pages over the same application services as
the CLI, and the only door to the database for preparers and reviewers in a deployment.

``web.app.create_app`` builds the FastAPI application; ``jixiao serve`` runs it with uvicorn.
"""
