"""Huey task modules, each listed in storefront.jobs.TASK_MODULES."""
