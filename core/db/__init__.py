"""The only package that talks SQL: the connection factory, migrations, transactions and queries by domain.

Open the file with `reading(path)` or `writing(path)` (held only while working) or
`snapshot(path)` (an in-memory copy for long jobs).

May import: core.errors
"""

from core.db.connection import (
    DEFAULT_DB_PATH,
    connect,
    db_path_from_env,
    insert_frame,
    reading,
    snapshot,
    writing,
)
from core.db.transactions import transaction

__all__ = [
    "DEFAULT_DB_PATH",
    "connect",
    "db_path_from_env",
    "insert_frame",
    "reading",
    "snapshot",
    "transaction",
    "writing",
]
