"""nextinterview core: the platform-neutral accountability buddy."""
