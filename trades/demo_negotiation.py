def seed(stdout) -> None:
    """Filled in by the negotiation area."""
