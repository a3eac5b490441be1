"""A bare application answering which process served it (tests of cli.serving)."""

from __future__ import annotations

import os

from fastapi import FastAPI


def create_app() -> FastAPI:
    """The application: GET /pid answers the serving process's id."""
    app = FastAPI()

    @app.get("/pid")
    def pid() -> int:
        return os.getpid()

    return app
