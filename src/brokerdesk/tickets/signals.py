"""Signals for the apps above tickets (tickets imports none of them; they connect in their AppConfig.ready()).

`ticket_callback_due` (sender=Ticket, ticket_id=int): a resolved ticket awaits its satisfaction callback. Sent
from a job after the commit that began the callback (tasks.ticket_callback_announce), so a receiver runs in the
job worker and a failing one is retried without undoing the ticket's step; receivers must be idempotent. The
return-visits app answers it by generating the callback visit (and its generation catches up by itself on the
next run should a send be lost).
"""

import django.dispatch

ticket_callback_due = django.dispatch.Signal()
