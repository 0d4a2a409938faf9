"""Database layer: engine, tables, migrations. Nothing above this layer builds an engine itself."""

from botfactory.db.engine import Database, default_database, get_database, set_default_database

__all__ = ["Database", "default_database", "get_database", "set_default_database"]
