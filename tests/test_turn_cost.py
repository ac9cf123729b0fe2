"""The cost of a turn with a real model: over a conversation, a turn's request stays bounded.

An 8-turn clerk conversation (tests/bench/conversation.py's first turns) through the real
agents on LLM_MODE=openai against the scripted server. Without condensing older function
results (assistant/history.py) the 8th turn's first request is well over twice the first's.
"""

from tests.bench.conversation import TURNS, converse

SHORT = TURNS[:8]  # lists, details, stock, a customer and her rentals, overdue, a write


async def test_the_last_turns_request_is_at_most_twice_the_first(official_url):
    played = await converse(official_url, SHORT)
    sizes = [t.request_bytes for t in played.turns]
    assert all(sizes), "every turn reached the model"
    # each follow-up ("the second one", "her", "the second comedy") found its ids in the
    # condensed history, and every function the script uses is offered
    assert not played.problems, played.problems
    assert all(t.answer for t in played.turns)
    first, last = played.turns[0].first, played.turns[-1].first
    assert last <= 2 * first, f"turn 8 sent {last:,} bytes, turn 1 {first:,}: {sizes}"
