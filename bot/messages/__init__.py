"""Everything the buddy says, in one place (see VOICE.md: warm, brief, one next step).

Handlers use `from bot import messages as msg`; each area lives in its own module.
"""

from bot.messages.chat import *  # noqa: F403
from bot.messages.contacts import *  # noqa: F403
from bot.messages.data import *  # noqa: F403
from bot.messages.discord import *  # noqa: F403
from bot.messages.errors import *  # noqa: F403
from bot.messages.followups import *  # noqa: F403
from bot.messages.forms import *  # noqa: F403
from bot.messages.group_settings import *  # noqa: F403
from bot.messages.groups import *  # noqa: F403
from bot.messages.links import *  # noqa: F403
from bot.messages.logged import *  # noqa: F403
from bot.messages.meetings import *  # noqa: F403
from bot.messages.pipeline import *  # noqa: F403
from bot.messages.progress import *  # noqa: F403
from bot.messages.reading import *  # noqa: F403
from bot.messages.repeats import *  # noqa: F403
from bot.messages.settings import *  # noqa: F403
from bot.messages.slack import *  # noqa: F403
from bot.messages.undo import *  # noqa: F403
