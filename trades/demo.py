"""Demo data for trades: lists first, then the negotiations that use them."""


def seed(stdout) -> None:
    from . import demo_lists, demo_negotiation

    demo_lists.seed(stdout)
    demo_negotiation.seed(stdout)
