"""The email channel: parse.py (pure, stdlib `email`) and listener.py (an aiosmtpd SMTP server)."""
