"""Events the desktop and wallboard push to browsers (realtime.py listens). Sent after the transaction commits.

call_presented  (call_id, agent_id)  a call was put through to the agent: ringing, screen-pop now
call_connected  (call_id, agent_id)  the agent picked up
call_finished   (call_id, agent_id)  the caller or the agent hung up, or the call was transferred away
agent_state_changed (agent_id, state, center_id)
queue_changed   (center_id)          calls entered or left a center's queue (wallboard)
"""

from django.dispatch import Signal

call_presented = Signal()
call_connected = Signal()
call_finished = Signal()
agent_state_changed = Signal()
queue_changed = Signal()
