"""Selling tools: studio preview rules live in watching/access; here live promo and comp
codes (`codes` checks and prices a code, `redemptions` holds and spends its uses, `manage`
creates and lists them for a studio) and pre-orders (`preorders`).
"""
