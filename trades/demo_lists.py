def seed(stdout) -> None:
    """Filled in by the lists area."""
