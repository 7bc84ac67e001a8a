"""Money: checkout, orders and entitlements, fulfilment from processor events, refunds,
disputes, Stripe Connect accounts, the platform's fee, ledger rows and reconciliation.

May import models, the payments adapter, `services.catalog` (the availability rule) and
`services.promotion.redemptions` (a paid or abandoned order spends or frees its code); the
webhook table in `webhooks` names every event handler.
"""
