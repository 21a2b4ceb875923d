"""Which action may move an exception from which state, and where to: one table, plain rules.

``open → in_progress → return_requested → returned_to_warehouse → resolved | closed``. Contacting
someone starts the work; a return is requested while the parcel is out, confirmed once it is back;
a resend or a refund resolves the case; closing (with a reason) ends it anywhere.
"""

from __future__ import annotations

from yundan.exceptions.kinds import CLOSED_STATES, ExceptionAction, ExceptionState
from yundan.text import chinese

A, S = ExceptionAction, ExceptionState

WORKING = frozenset({S.OPEN, S.IN_PROGRESS, S.RETURN_REQUESTED, S.RETURNED_TO_WAREHOUSE})

# action → (states it may start from, state it leads to; None = stays, but open becomes in_progress)
MOVES: dict[str, tuple[frozenset[str], str | None]] = {
    A.CONTACT_BUYER: (WORKING, None),
    A.CONTACT_COURIER: (WORKING, None),
    A.NOTE: (frozenset(S), None),
    A.REQUEST_RETURN: (frozenset({S.OPEN, S.IN_PROGRESS}), S.RETURN_REQUESTED),
    A.MARK_RETURNED: (frozenset({S.OPEN, S.IN_PROGRESS, S.RETURN_REQUESTED}), S.RETURNED_TO_WAREHOUSE),
    # A lost parcel is resent without coming back; one on its way back is resent once it is back.
    A.RESEND: (frozenset({S.OPEN, S.IN_PROGRESS, S.RETURNED_TO_WAREHOUSE}), S.RESOLVED),
    A.REFUND: (frozenset({S.OPEN, S.IN_PROGRESS, S.RETURNED_TO_WAREHOUSE}), S.RESOLVED),
    A.CLOSE: (WORKING, S.CLOSED),
}

WHY_NOT = {
    (A.RESEND, S.RETURN_REQUESTED): "包裹正在退回途中，请在退回仓库后再补发（先「确认已退回仓库」）",
    (A.REFUND, S.RETURN_REQUESTED): "包裹正在退回途中，请在退回仓库后再退款（先「确认已退回仓库」）",
    (A.REQUEST_RETURN, S.RETURN_REQUESTED): "已经申请过退回",
    (A.REQUEST_RETURN, S.RETURNED_TO_WAREHOUSE): "包裹已退回仓库，无需再申请退回",
    (A.MARK_RETURNED, S.RETURNED_TO_WAREHOUSE): "已经确认退回仓库",
}


class IllegalMove(ValueError):
    """An action this exception's state does not allow; the message says why, in Chinese."""


def next_state(state: str, action: str) -> str:
    if action not in MOVES:
        raise IllegalMove(f"未知的操作「{action}」，可选：{'、'.join(MOVES)} (unknown action)")
    allowed_from, target = MOVES[action]
    if state not in allowed_from:
        if state in CLOSED_STATES:
            raise IllegalMove(f"异常{chinese(ExceptionState(state).label)}，不能再「{chinese(ExceptionAction(action).label)}」")
        reason = WHY_NOT.get((action, state)) or f"当前状态「{chinese(ExceptionState(state).label)}」不能「{chinese(ExceptionAction(action).label)}」"
        raise IllegalMove(reason)
    if target is not None:
        return target
    return S.IN_PROGRESS if state == S.OPEN else state


def allowed_actions(state: str) -> list[str]:
    """The actions offered for an exception in this state (the console shows these buttons)."""
    return [action for action, (allowed_from, _) in MOVES.items() if state in allowed_from]
