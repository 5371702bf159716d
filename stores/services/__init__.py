"""Every write of the stores app (STYLE: services write, selectors read)."""
