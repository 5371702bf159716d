"""Admin for this area of trades."""
