"""The dashboard's shared Streamlit parts: the sign-in gate, the database per page run, the chat panel, the theme and escaped HTML views.

Only this package, app.py and pages/ import Streamlit; ui/ reads from core/ and never runs SQL itself.
"""
