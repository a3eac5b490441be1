"""Alembic's environment: migrations run on the connection the caller hands over.

There is no alembic.ini: :func:`events.migrations.upgrade` builds the configuration in code
and passes its open connection as ``config.attributes["connection"]``.
"""

from alembic import context

context.configure(
    connection=context.config.attributes["connection"],
    transaction_per_migration=False,
)
with context.begin_transaction():
    context.run_migrations()
