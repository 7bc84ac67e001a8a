"""Selling tools and festivals.

Studio preview rules live in watching/access; here live promo and comp codes (`codes` checks
and prices a code, `redemptions` holds and spends its uses, `manage` creates and lists them for
a studio), pre-orders (`preorders`), screeners, pay what you want (`pwyw`), and festivals
(`festivals`: programme and invitations; `festival_money`: the festival's share of a sale
and what a pass booking pays the film; `screenings`: windows, territories, seat caps,
tickets; passes, bundles, and `festival_sales`: the checkout and fulfilment of what they
sell). May import catalog, rights, watching and payments helpers.
"""
