import pytest

from yundan.exceptions.kinds import ExceptionAction as A
from yundan.exceptions.kinds import ExceptionState as S
from yundan.exceptions.workflow import MOVES, IllegalMove, allowed_actions, next_state


def test_the_return_then_resend_path():
    state = S.OPEN
    for action, expected in [(A.CONTACT_BUYER, S.IN_PROGRESS), (A.CONTACT_COURIER, S.IN_PROGRESS),
                             (A.REQUEST_RETURN, S.RETURN_REQUESTED), (A.NOTE, S.RETURN_REQUESTED),
                             (A.MARK_RETURNED, S.RETURNED_TO_WAREHOUSE), (A.RESEND, S.RESOLVED)]:
        state = next_state(state, action)
        assert state == expected, action


def test_a_lost_parcel_can_be_refunded_or_resent_at_once():
    assert next_state(S.OPEN, A.REFUND) == S.RESOLVED
    assert next_state(S.IN_PROGRESS, A.RESEND) == S.RESOLVED


@pytest.mark.parametrize("state, action, why", [
    (S.RETURN_REQUESTED, A.RESEND, "退回途中"),
    (S.RETURN_REQUESTED, A.REFUND, "退回途中"),
    (S.RETURNED_TO_WAREHOUSE, A.REQUEST_RETURN, "已退回仓库"),
    (S.RESOLVED, A.REFUND, "已解决"),
    (S.CLOSED, A.CONTACT_BUYER, "已关闭"),
    (S.CLOSED, A.CLOSE, "已关闭"),
])
def test_illegal_moves_are_refused_with_a_reason(state, action, why):
    with pytest.raises(IllegalMove, match=why):
        next_state(state, action)


def test_unknown_actions_are_named():
    with pytest.raises(IllegalMove, match="refnud"):
        next_state(S.OPEN, "refnud")


def test_notes_can_be_added_even_after_the_end():
    assert next_state(S.CLOSED, A.NOTE) == S.CLOSED


def test_every_state_offers_what_the_table_allows_and_nothing_ends_in_a_dead_end():
    for state in S.values:
        offered = allowed_actions(state)
        assert offered == [a for a, (sources, _) in MOVES.items() if state in sources]
        if state not in (S.RESOLVED, S.CLOSED):
            assert A.CLOSE in offered
