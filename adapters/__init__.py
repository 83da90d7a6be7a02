"""Adapters: chat platforms (slack, discord, console), the runtime wiring and the command line."""
