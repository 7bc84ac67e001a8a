"""Money: checkout, orders and entitlements, fulfilment from processor events, refunds,
disputes, Stripe Connect accounts, the platform's fee, ledger rows and reconciliation.

May import models, the payments adapter and `services.catalog` (the availability rule); the
webhook table in `webhooks` names every event handler.
"""
