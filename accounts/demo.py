def seed(stdout) -> None:
    """Demo data for accounts."""
