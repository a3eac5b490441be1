"""Read models rebuilt from the event log: report state, audit trail, inboxes, year overview.

Each projection keeps a checkpoint (a global log position) in the same transaction as
its rows, catches up idempotently, and can be dropped and rebuilt from zero to the same
tables. Projections are how people see the events; they are never the truth.

May import: events, workflow. Never imports worker or cli.
"""
