"""Contact matching: the storage prefix never loses a name the matcher would pick."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.domain import Contact
from bot.matching import candidate_prefix, match_contacts, same_text
from tests.unit.harness import Chat

# Names as members type them: words of letters (any script), dots, hyphens, apostrophes.
WORD = st.text(st.characters(categories=("L",), include_characters=".'-"), min_size=1, max_size=8)
NAME = st.lists(WORD, min_size=1, max_size=3).map(" ".join).filter(lambda n: n[0] not in ".,")
QUERY = st.one_of(
    st.text(min_size=1, max_size=20),
    st.lists(WORD, min_size=1, max_size=3).map(" ".join),
)


def _contacts(names: list[str]) -> list[Contact]:
    return [Contact(member_id=1, name=n, id=i + 1) for i, n in enumerate(names)]


def _with_prefix(contacts: list[Contact], prefix: str) -> list[Contact]:
    key = prefix.casefold()  # what storage compares: the casefolded name key
    return [c for c in contacts if c.name.casefold().startswith(key)]


@given(st.lists(NAME, max_size=12), QUERY)
def test_the_prefix_keeps_every_name_the_matcher_picks(names: list[str], query: str) -> None:
    contacts = _contacts(names)
    narrowed = _with_prefix(contacts, candidate_prefix(query))
    assert match_contacts(query, narrowed) == match_contacts(query, contacts)


@given(st.lists(NAME, min_size=1, max_size=12))
def test_a_name_asked_for_by_its_own_words_survives(names: list[str]) -> None:
    contacts = _contacts(names)
    for c in contacts:  # the full name, the first name, initials, "J. Doe", "Jane D"
        words = c.name.split()
        initial_and_rest = " ".join([words[0][0] + ".", *words[1:]])
        first_and_initial = " ".join([words[0], *(w[0] for w in words[1:])])
        initials = "".join(w[0] for w in words)
        for query in (c.name, words[0], initials, initial_and_rest, first_and_initial):
            narrowed = _with_prefix(contacts, candidate_prefix(query))
            assert match_contacts(query, narrowed) == match_contacts(query, contacts)


def test_the_prefix_is_the_first_word_unless_it_may_be_initials() -> None:
    assert candidate_prefix("Jane Doe") == "jane"
    assert candidate_prefix("jane") == "jane"
    assert candidate_prefix("JD") == "j"  # Jane Doe's initials, or a name "Jd..."
    assert candidate_prefix("J. Doe") == "j"
    assert candidate_prefix(".NET Guy") == "."  # punctuation first: one character, as typed
    assert candidate_prefix("Jane D") == "jane"


def test_a_longer_first_word_reads_fewer_candidates() -> None:
    contacts = _contacts([f"Person{i} Last{j}" for i in range(20) for j in range(3)])
    narrowed = _with_prefix(contacts, candidate_prefix("Person7 Last2"))
    assert [c.name for c in narrowed] == ["Person7 Last0", "Person7 Last1", "Person7 Last2"]
    assert [c.name for c in match_contacts("Person7 Last2", narrowed)] == ["Person7 Last2"]


def test_same_text_ignores_case_as_storage_keys_it() -> None:
    assert same_text("Straße GmbH", "STRASSE GMBH")  # casefold, not lower()
    assert same_text("ACME", "acme") and same_text(None, "")
    assert not same_text("Acme", "Acme Corp") and not same_text("Acme", None)


async def test_a_contact_added_twice_in_other_case_is_found() -> None:
    chat = Chat()
    await chat.ok("contact add Jörg Straße @Hooli")
    again = await chat.ok("contact add JÖRG STRASSE @Hooli")
    assert "already" in again.text().lower()
    assert len(chat.contacts()) == 1
