"""Security tests: each attack from issue 11 stated as a test (see README.md in this folder)."""
