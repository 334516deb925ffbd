"""How service packages and suitability plug into the shell: menu entries and the customer-360 section."""
