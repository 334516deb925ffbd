"""bench/tickets: the ticket queue page with a million tickets, and the SLA sweep over 100k running clocks."""
