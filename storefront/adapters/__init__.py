"""Adapters to the outside world (storage, payments, mail...)."""
