"""Huey task modules, one per area, listed in storefront/jobs.py TASK_MODULES."""
