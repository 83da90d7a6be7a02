"""The composition root: settings -> storage -> core -> scheduler -> adapters."""
