"""``botfactory run``: API, dashboard and workers in one process, and the ``--demo`` setup around them."""
