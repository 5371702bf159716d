"""Writes for have and want lists: items.py (rows and visibility), imports.py (CSV uploads)."""
