"""SQLite with its connections kept between requests (settings.DATABASES ENGINE for the embedded mode)."""
