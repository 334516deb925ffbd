"""Survey pages: the public response page (public.py), staff pages (staff.py), NPS analytics (analytics.py)."""
