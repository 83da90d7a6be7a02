"""Conversation, not commands: greetings, thanks, a plea for help, "what now?".

Read only when no command or sentence matched, so "thanked Jane" stays a log and
"hi" gets a warm answer instead of "I don't know `hi`".
"""

from __future__ import annotations

import re

from bot.reading.text import strip_emoji

_INTENTS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (intent, re.compile(rf"^(?:{pattern})\b", re.IGNORECASE))
    for intent, pattern in (
        (
            "whatnow",
            r"what(?:'s| is)? (?:should|do|can|shall) i (?:do|focus on|work on|try)"
            r"|what(?:'s|s| is)? (?:next|now|up next)|what now|what next|now what"
            r"|any (?:suggestions|ideas|tips)|where (?:do|should) i (?:start|begin)"
            r"|what(?:'s| is) my next (?:step|move)|give me (?:a|my) next step|i'?m stuck"
            r"|what do you suggest|what would you suggest"
            r"|who should i (?:talk|reach out|write|follow up)"
            r"|.{0,30}\bwhat should i do\b|give me something to do|what(?:'s| is) on my plate"
            r"|what do i owe|what(?:'s| is) due",
        ),
        (
            "help",
            r"help|how (?:does|do) (?:this|it|you) work|what can (?:you|i) do"
            r"|how (?:do|can|should) i\b|what do i (?:type|say|write)|commands\b|i'?m lost"
            r"|how to use|what are you|who are you|what is this|instructions|usage|menu"
            r"|what commands|which commands|what do you do|can you explain|explain how"
            r"|how (?:does|do) (?:logging|nudges|streaks|this bot)",
        ),
        (
            "thanks",
            r"thanks|thank you|thank u|thx|thnx|ty\b|tysm|tyvm|cheers|appreciate (?:it|that|you)"
            r"|much appreciated|(?:great|awesome|perfect|cool|ok|okay|nice|good),? thanks"
            r"|you'?re (?:the best|great|awesome)|great job|nice one|legend",
        ),
        (
            "greeting",
            r"hi|hello|hey|heya|hiya|yo|sup|howdy|hola|greetings|good (?:morning|afternoon|"
            r"evening|night|day)|morning|evening|gm|gn|bye|goodbye|good ?bye|see (?:ya|you)"
            r"|later|cya|ttyl|what'?s up|wassup|how are (?:you|u)|how'?s it going|how are things"
            r"|hey there|hi there|hello there|i'?m back|back again|salut|hallo|ciao",
        ),
    )
)
_STRETCHED = re.compile(r"(\w)\1{2,}")
_OPENER = re.compile(r"^(?:ok(?:ay)?|so+|um+|uh+|hm+|well|hey|hi|buddy|bot)\b[,!.…]*\s*")
# Long messages are about something; an intent is read in short ones only.
_MAX_WORDS = 12


def read_intent(text: str) -> str | None:
    """greeting | thanks | help | whatnow, or None."""
    cleaned = strip_emoji(text).strip().lower().lstrip("@,.!¡¿ ")
    cleaned = _STRETCHED.sub(r"\1", cleaned)  # "heyyy" is "hey"
    if not cleaned or len(cleaned.split()) > _MAX_WORDS:
        return None
    # "hey, what should I do today?": the question matters more than the greeting.
    bare = _OPENER.sub("", cleaned)
    for candidate in (bare, cleaned) if bare else (cleaned,):
        for intent, pattern in _INTENTS:
            if pattern.search(candidate):
                return intent
    return None
