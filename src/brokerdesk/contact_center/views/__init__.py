"""The contact center's pages: the agent desktop, the wallboard and reports, the interaction page."""
