"""Project exceptions: every message names the field, the value and what was expected."""


class CoachError(Exception):
    """A user-facing error: pages show it with st.error, the CLI prints it and exits 1."""


class DatabaseError(CoachError):
    """The DuckDB file cannot be opened, created or migrated."""


class DatabaseBusyError(DatabaseError):
    """Another process held the database file's lock for longer than the bounded wait."""


class TokenizerError(CoachError):
    """A tokenizer encoding is unknown or its official file cannot be loaded offline."""


class NotFoundError(CoachError):
    """An athlete, session, ID or version that does not exist."""


class NotationError(CoachError):
    """A text that does not follow the notation it was parsed as."""
