"""The Huey instance (persistent job queue). Apps define tasks in their tasks.py with @huey.task()."""

from huey.contrib.djhuey import HUEY as huey

__all__ = ["huey"]
