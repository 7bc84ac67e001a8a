"""The catalogue's rules: titles and their details, offers and prices, the one territory and
window rule (`availability`), and the public catalogue built on it.

May import models, the shared helpers of `storefront` (countries, money, languages) and
`services.accounts` (studios); from payments only `connect.payment_blockers`, which publishing
asks (lazily) whether the studio can be paid.
"""
