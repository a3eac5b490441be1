"""The store's revisions: the ``store`` branch of the schema's history."""
