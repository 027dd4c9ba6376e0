"""`python -m core bench NAME|all`: one module per figure, each with add_arguments / run / render.

May import: core.*
"""
