"""bench/nps: NPS by branch x month over 1M survey responses, on SQLite and PostgreSQL."""
