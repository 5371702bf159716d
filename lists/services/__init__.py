"""Writes for have and want lists: items.py (rows, visibility, reservations), imports.py (CSV uploads)."""
