"""The only package that talks SQL. Submodules group queries by the domain they serve.

May import: core.errors
"""

from core.db.connection import DEFAULT_DB_PATH, connect, db_path_from_env, insert_frame

__all__ = ["DEFAULT_DB_PATH", "connect", "db_path_from_env", "insert_frame"]
