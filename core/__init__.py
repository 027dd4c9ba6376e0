"""Coach Context Lab's product code: no Streamlit, everything testable with pytest alone.

Leaf modules every package may use: `errors` (project exceptions), `tokens` (exact counts),
`quoting` (the one escaping of free text in model-facing text), `access` (password hashes, the
loopback rule, the sign-in mode). Each package's docstring ends
with a `May import:` line that `tests/test_layout.py` enforces.
"""
