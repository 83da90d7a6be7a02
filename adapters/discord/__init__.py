"""The Discord bot (discord.py) on the shared core: the command tree generated from the
registry (commands.py), autocomplete (autocomplete.py), replies as content, embeds and
buttons (render.py), buttons and modals that survive restarts (views.py).

Import it as `adapters.discord` only: a folder named `discord` on sys.path would shadow
the discord.py package."""
