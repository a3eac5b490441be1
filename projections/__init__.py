"""Read models rebuilt from the event log: report state, audit trail, inboxes, year overview.

Each projection keeps a checkpoint (a global log position) in the same transaction as
its rows, catches up idempotently, and can be dropped and rebuilt from zero to the same
tables. Projections are how people see the events; they are never the truth.

- :mod:`projections.registry` — every projection, wired for the CLI and the worker
  (``projection_runner(store)``); :mod:`projections.runner` runs them.
- :mod:`projections.report_state` — ``pj_report_state``: each report revision's view and
  headline figures (``report_row``, ``report_document``, ``list_reports``).
- :mod:`projections.audit_trail` — ``pj_audit_trail``: one row per change (``audit_trail``).
- :mod:`projections.inboxes` — what waits for whom (``inbox``).
- :mod:`projections.year_overview` — every department of a fiscal year (``year_overview``).
- :mod:`projections.history` — a report at any past moment and diffs (``report_as_of``,
  ``report_diff``), read from the log itself.
- :mod:`projections.replay` — audit replay of a fiscal year with the chain verified
  (``replay_year``, ``write_json``, ``write_csv``), read from the log itself.

May import: events, workflow. Never imports worker or cli.
"""
