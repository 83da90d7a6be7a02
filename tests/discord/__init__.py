"""Discord tests: a local fake Discord (fake_discord.py) driven by the real discord.py."""

import warnings

# discord.py 2.7 imports the stdlib audioop (for voice), deprecated since Python 3.11; with
# filterwarnings=error that import fails collection. Import it once here, quietly.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    import discord  # noqa: F401
