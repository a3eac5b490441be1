"""The Celery side: the app, the outbox relay, and the render tasks with their templates.

Rendering is at-least-once with exactly-once effects: a task is keyed by report,
revision, format and template version, writes files atomically and records one
`ReportRendered` event, so a redelivered task changes nothing.

May import: events, workflow, projections. Never imports cli.
"""
