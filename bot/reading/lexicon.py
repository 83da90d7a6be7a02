"""The words of the reader: verb phrases and what they mean, and the little words around
them. Data only; bot/reading/sentence.py does the reading.

A pattern is a string of tokens: `a|an` is either word, a trailing `?` makes a token
optional, and `ADJ` stands for any run of adjectives and determiners ("had a really
great call with"). Patterns are matched against lower-cased words with punctuation off.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.domain import ActivityKind


def word_set(text: str) -> frozenset[str]:
    """A set of words written as running text (easier to read and extend than a list)."""
    return frozenset(text.split())


class Tense(enum.StrEnum):
    PAST = "past"  # it happened: "met", "interviewed"
    FUTURE = "future"  # it will: "have a call with", "meeting Jane tomorrow"
    NEUTRAL = "neutral"  # the date decides: "coffee with Jane tomorrow"


class Slot(enum.StrEnum):
    """What the words right after the verb name."""

    PERSON = "person"  # "met Jane ..."
    COMPANY = "company"  # "applied to Hooli", "interviewed at Initech"
    EITHER = "either"  # "interview with Acme" / "interview with Jane Doe"
    ROLE = "role"  # "applied for ML engineer at Hugging Face" (else the organisation)


Element = tuple[tuple[tuple[str, ...], ...], bool]  # (alternatives as word runs, optional)


@dataclass(frozen=True, slots=True)
class Verb:
    pattern: tuple[Element, ...]
    command: str  # log | lead | followup | schedule
    kind: ActivityKind
    tense: Tense
    slot: Slot
    weak: bool = False  # a guess: the reply says so


ADJECTIVES = word_set(
    """a an the my our another quick short long great good nice lovely amazing awesome
    productive solid fantastic really super very first second third fourth final
    last 1st 2nd 3rd 4th technical virtual video quick brief informal formal initial
    intro introductory casual fun helpful useful wonderful fab excellent promising
    big huge 30 45 60 15 20 min mins minute minutes hour hour-long 30-minute 30-min
    45-minute one-hour half-hour real proper official follow-up followup in-person
    warm upcoming panel case coding behavioral behavioural tech hr hm phone group
    final onsite take-home culture culture-fit fit system design virtual zoom"""
)
# Conversations, by the noun people use for them.
MEETING_NOUNS = (
    "coffee_chat|coffee|call|chat|meeting|zoom|lunch|breakfast|dinner|drinks|conversation"
    "|convo|catch-up|catchup|catch_up|informational|networking_call|video_call|phone_call|1:1"
    "|1-1|one-on-one|sync|meetup|meet-up|teams_call|hangout|info_chat|coffee_meeting|zoom_call"
)
INTERVIEW_NOUNS = (
    "interview|phone_screen|screen|screening|screening_call|recruiter_call|recruiter_screen"
    "|round|onsite|on-site|panel|final_round|hiring_manager_call|technical|loop|interviews"
)
# Held with an organisation, not a person: "my onsite with Pied Piper".
COMPANY_INTERVIEWS = "onsite|on-site|loop|panel|final_round|superday|assessment_centre"
# "informational interview" is a networking conversation: a meeting, not an interview.
INFORMATIONAL = "informational_interview|info_interview|informational_call|networking_interview"

_PHRASES: list[tuple[str, str, ActivityKind, Tense, Slot]] = []


def _add(pattern: str, command: str, kind: ActivityKind, tense: Tense, slot: Slot) -> None:
    _PHRASES.append((pattern, command, kind, tense, slot))


M, IV, OUT = ActivityKind.MEETING, ActivityKind.INTERVIEW, ActivityKind.OUTREACH
F, T, A = ActivityKind.FOLLOWUP, ActivityKind.THANKYOU, ActivityKind.APPLICATION
OFFER, REF = ActivityKind.OFFER, ActivityKind.REFERRAL
P, C, E = Slot.PERSON, Slot.COMPANY, Slot.EITHER
PAST, FUT, NEU = Tense.PAST, Tense.FUTURE, Tense.NEUTRAL

for head, tense in (
    (
        "had|did|finished|completed|wrapped_up|nailed|aced|crushed|survived|hopped_on"
        "|jumped_on|got_on|joined|attended ADJ",
        PAST,
    ),
    ("have|got|will_have|going_to_have|gonna_have|have_got ADJ", FUT),
    (
        "scheduled|booked|set_up|lined_up|arranged|confirmed|planned|setting_up|scheduling"
        "|booking|arranging ADJ",
        FUT,
    ),
    ("ADJ", NEU),
):
    _add(f"{head} {INFORMATIONAL} with|at?", "log", M, tense, P)
    _add(f"{head} {INTERVIEW_NOUNS} at|for", "log", IV, tense, C)
    _add(f"{head} {INTERVIEW_NOUNS} with", "log", IV, tense, E)
    _add(f"{head} {COMPANY_INTERVIEWS} with", "log", IV, tense, C)
    _add(f"{head} {INTERVIEW_NOUNS}", "log", IV, tense, E)
    _add(f"{head} {MEETING_NOUNS} with|w", "log", M, tense, P)
    _add(f"{head} {MEETING_NOUNS} at", "log", M, tense, C)

# Conversations that happened.
_add("met up with|w", "log", M, PAST, P)
_add("met with|w?", "log", M, PAST, P)
_add("spoke|talked|chatted|networked with|to", "log", M, PAST, P)
_add("caught up with|w", "log", M, PAST, P)
_add("grabbed|got ADJ coffee|lunch|drinks|breakfast|dinner|tea with|w", "log", M, PAST, P)
_add(
    "will|gonna|going_to grab|get|have ADJ coffee|lunch|drinks|breakfast|dinner|tea|call|chat"
    " with",
    "log", M, FUT, P,
)  # fmt: skip
_add("catching|meeting up with", "log", M, FUT, P)
_add("zoomed|facetimed|skyped|called|phoned|rang with?", "log", M, PAST, P)
_add("video called|video-called", "log", M, PAST, P)
_add("sat down with", "log", M, PAST, P)
_add("ran into|bumped into", "log", M, PAST, P)
_add("interviewed at", "log", IV, PAST, C)
_add("interviewed for", "log", IV, PAST, Slot.ROLE)
_add("interviewed with", "log", IV, PAST, E)
_add("interviewed", "log", IV, PAST, P)
_add("screened with", "log", IV, PAST, E)
# Conversations to come.
_add("meeting with?", "log", M, FUT, P)
_add("seeing", "log", M, FUT, P)
_add("will|gonna|going_to meet|see|talk|speak|chat with|to?", "log", M, FUT, P)
_add("am|i'm|im meeting|seeing with?", "log", M, FUT, P)
_add("talking|speaking|chatting to|with", "log", M, FUT, P)
_add("interviewing at", "log", IV, FUT, C)
_add("interviewing for", "log", IV, FUT, Slot.ROLE)
_add("interviewing with", "log", IV, FUT, E)
# Outreach.
_add("reached out to?", "log", OUT, PAST, P)
_add("cold emailed|messaged|called|dmed|dm'd|pitched|reached_out_to", "log", OUT, PAST, P)
_add("cold-emailed|cold-messaged|cold-called", "log", OUT, PAST, P)
_add(
    "emailed|e-mailed|messaged|texted|pinged|dmed|dm'd|dm-ed|inmailed|contacted",
    "log", OUT, PAST, P,
)  # fmt: skip
_add("wrote to", "log", OUT, PAST, P)
_add(
    "sent ADJ message|email|e-mail|dm|note|inmail|text|request|invite|invitation|intro"
    " to",
    "log", OUT, PAST, P,
)  # fmt: skip
_add(
    "sent ADJ linkedin_message|linkedin_msg|connection_request|cold_email|linkedin_note|msg to",
    "log", OUT, PAST, P,
)  # fmt: skip
_add(
    "ADJ linkedin_message|linkedin_msg|cold_email|linkedin_dm|inmail sent? to",
    "log", OUT, PAST, P,
)  # fmt: skip
_add("left ADJ voicemail|message for|with", "log", OUT, PAST, P)
_add("connected with", "log", OUT, PAST, P)
_add("added", "log", OUT, PAST, P)
# Follow-ups sent.
_add("followed up with|on?", "log", F, PAST, P)
_add("f/u'd|fu'd|f/ued|followed-up with|on?", "log", F, PAST, P)
_add("checked|circled back in? with|to|on?", "log", F, PAST, P)
_add("checked in with", "log", F, PAST, P)
_add(
    "sent ADJ follow-up|followup|follow_up email|note|message? to|for",
    "log", F, PAST, P,
)  # fmt: skip
_add("nudged|bumped|chased", "log", F, PAST, P)
_add("wrote|got back to", "log", F, PAST, P)
_add("replied|responded to", "log", F, PAST, P)
# Thank-yous.
_add("thanked", "log", T, PAST, P)
_add(
    "sent|wrote|emailed|mailed ADJ thanks|thank-you|thankyou|ty|thank_you|thanks_note"
    " note|email|card|message? to",
    "log", T, PAST, P,
)  # fmt: skip
_add("said thanks|thank_you to", "log", T, PAST, P)
_add(
    "thank-you|thankyou|ty|thank_you|thanks|thank_u note|email|card? sent|went? to|for",
    "log", T, PAST, P,
)  # fmt: skip
_add("sent|wrote ADJ thank_u|thanks|ty note|email|card? to", "log", T, PAST, P)
# Applications.
_add("applied online? to|at|with?", "log", A, PAST, C)
_add("applied online? for", "log", A, PAST, Slot.ROLE)
_add("submitted|sent|put_in ADJ application|app to|at|for|with?", "log", A, PAST, C)
_add("sent ADJ resume|résumé|cv to", "log", A, PAST, C)
_add("application|app sent|submitted? to|at|for", "log", A, PAST, C)
# Offers.
_add("got|received|landed|have ADJ job? offer from|at|with", "log", OFFER, PAST, C)
_add("offer from|at", "log", OFFER, PAST, C)
# Leads: a referral or introduction received.
_add("got|received ADJ intro|introduction|referral|lead to|for?", "lead", REF, PAST, P)
_add("ADJ intro|introduction|referral to", "lead", REF, PAST, P)
_add("got|was|been introduced|referred|connected to|with", "lead", REF, PAST, P)
_add("new? lead|referral|intro", "lead", REF, PAST, P)
# Follow-ups planned for a day.
_add(
    "remind_me_to|don't_let_me_forget_to|dont_let_me_forget_to|remember_to|reminder_to"
    " follow_up|followup|follow-up|check_back|check_back_in|check_in|circle_back|f/u with|on?",
    "followup", F, FUT, P,
)  # fmt: skip
_add("remind me to ping|email|text|message|nudge|chase|thank", "followup", F, FUT, P)
_add(
    "need_to|needs_to|gotta|should|will|must|have_to|going_to|gonna|i'll|ill|want_to"
    " follow_up|followup|check_back|check_back_in|check_in|circle_back|f/u with|on?",
    "followup", F, FUT, P,
)  # fmt: skip
_add("follow_up|follow-up|followup|fu|f/u with|on?", "followup", F, NEU, P)


# "Sam referred me to Priya": the referrer comes first, then these words.
INTRO_MIDDLES = tuple(
    w.split()
    for w in (
        "referred me to",
        "referred me",
        "introduced me to",
        "intro'd me to",
        "intro’d me to",
        "introed me to",
        "connected me with",
        "connected me to",
        "put me in touch with",
        "gave me an intro to",
        "gave me a referral to",
        "gave me a lead at",
        "is introducing me to",
        "will introduce me to",
        "will intro me to",
        "offered to introduce me to",
        "passed me to",
        "got me an intro to",
        "got me a referral to",
        "got me in touch with",
        "said i should talk to",
        "said i should reach out to",
        "said i should meet",
        "told me to reach out to",
        "told me to talk to",
        "suggested i talk to",
        "suggested i reach out to",
        "recommended i talk to",
        "wants me to meet",
    )
)
# "Acme made me an offer": the organisation comes first.
OFFER_MIDDLES = tuple(
    w.split() for w in ("made me an offer", "offered me a job", "offered me the job", "offered me")
)


def _compile(pattern: str) -> tuple[Element, ...]:
    """`a|an` alternatives, `_` joins the words of one alternative, `?` optional."""
    out: list[Element] = []
    for token in pattern.split():
        optional = token.endswith("?")
        alts = tuple(tuple(alt.split("_")) for alt in token.rstrip("?").split("|"))
        alts = tuple(sorted(alts, key=len, reverse=True))  # "check back in" before "check back"
        out.append((alts, optional))
    return tuple(out)


def _verbs() -> tuple[Verb, ...]:
    verbs = [
        Verb(_compile(pattern), command, kind, tense, slot, weak=pattern.startswith("added"))
        for pattern, command, kind, tense, slot in _PHRASES
    ]
    # Longest first, so "had a coffee chat with" wins over "had a coffee".
    return tuple(sorted(verbs, key=lambda v: -len(v.pattern)))


VERBS = _verbs()

# Words before the verb that carry nothing: "So I finally had a call with...".
FILLERS = word_set(
    """i i've ive i'd we just finally so also and then ok okay update fyi quick yay woo
    upcoming reminder heads-up heads note woohoo omg lol well btw guess what great
    good news big exciting update: today's actually officially today tonight
    yesterday this morning happy to say excited pleased proud"""
)
# A channel is how it happened, not who or where: "messaged Kim on linkedin".
CHANNEL_MARKERS = frozenset({"on", "via", "over", "by", "through", "thru", "in"})
CHANNELS = word_set(
    """linkedin email e-mail mail phone zoom teams slack text sms discord meet hangouts
    skype facetime twitter x whatsapp signal telegram video dm dms messenger inmail
    webex call person msg"""
)
# Words that start a note: "about their data team", "to discuss the PM role".
PURPOSE = frozenset({"about", "re", "regarding", "re:", "concerning"})
PURPOSE_PAIRS = (("to", "discuss"), ("to", "talk", "about"), ("to", "chat", "about"))
# Nouns that end a role: "the data analyst role", "a PM position".
ROLE_NOUNS = frozenset(
    {"role", "position", "job", "opening", "spot", "opportunity", "req", "posting", "gig"}
)
# Words that open a description rather than a name: "met a recruiter from Acme".
DETERMINERS = frozenset(
    {"a", "an", "the", "their", "his", "her", "some", "someone", "somebody", "two", "three"}
)
# After the words, these make a plan of it: "phone screen with Raj is set for tuesday".
PLANNED = (
    ("is", "set"), ("is", "scheduled"), ("is", "booked"), ("is", "confirmed"), ("is", "on"),
    ("coming", "up"), ("is", "coming", "up"), ("is", "planned"),
)  # fmt: skip
# Words that end a name: what follows is the member's remark ("...went well").
ENDERS = word_set(
    """went was were is are and but who which that because it its it's i i'm we they so
    really very super which, had has have will would could should done finished
    complete completed booked set confirmed scheduled again"""
)
COMPANY_MARKERS = frozenset({"at", "from", "of", "@"})
REFERRER_MARKERS = (
    ("with", "a", "referral", "from"),
    ("referral", "from"),
    ("via",),
    ("thanks", "to"),
    ("referred", "by"),
    ("introduced", "by"),
)
# "Bank of America", "City of Pawnee": `of` inside an organisation's name.
ORG_HEADS = word_set(
    """bank city university univ department dept state county office ministry school
    college institute museum church republic government board bureau academy port
    society league house hall center centre council commonwealth district town
    village"""
)
# Endings that make a name an organisation's: "Globex Corp", "Pope & Associates".
ORG_ENDINGS = word_set(
    """inc corp corporation co llc ltd plc gmbh ag sa group labs lab bank pd company
    industries partners associates capital systems technologies tech health foods
    motors university college institute agency studios studio consulting solutions
    ventures media holdings hospital foundation"""
)
ABBREVIATIONS = frozenset(
    {"dr", "mr", "mrs", "ms", "jr", "sr", "st", "prof", "inc", "co", "corp", "ltd", "llc"}
)
