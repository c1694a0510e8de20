"""Pure-Python rules and algorithms. Never imports Django (a test checks it)."""
