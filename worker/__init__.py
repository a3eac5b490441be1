"""The Celery side: the app, the outbox relay, and the render tasks with their templates.

Rendering is at-least-once with exactly-once effects: a task is keyed by report,
revision, format and template version, writes files atomically and records one
`ReportRendered` event, so a redelivered task changes nothing. A render past its time
limits records one `RenderFailed` per attempt instead, and the worker moves on.

What the CLI calls:

- :func:`worker.runner.run_worker` (``jixiao worker start``; also ``python -m worker``):
  a Celery worker subprocess plus the outbox relay and reconciliation sweep, until stopped.
- :func:`worker.runner.render_and_wait`: start a worker, relay, wait for the revision's
  ``ReportRendered``, stop the worker; returns the artifacts (the demo's real render).
- :func:`worker.verify.verify_rendering` / :func:`worker.verify.verify_file`: prove that
  the files of a rendered revision (or one published file) match their events.
- :func:`worker.render.render_revision`: render and record in this process (no broker).

May import: events, workflow, projections. Never imports cli.
"""
