"""The read models' revisions: the ``read_models`` branch of the schema's history."""
