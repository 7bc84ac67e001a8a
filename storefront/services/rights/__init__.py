"""Co-productions: who holds a title besides its owner, how each sale is split, and each
holder's share.

- ``holders``: inviting studios as rights holders of a title, accepting, who holds what;
- ``splits``: split rules per title (territory set x rent/buy/both x percentages), the check
  that they add up to 100 % wherever the title is offered, and the split in force for one
  country and kind;
- ``shares``: the split snapshotted on an order at checkout, and **the one entry point that
  turns a sale's net settlement amount into each holder's share**
  (:func:`shares.record_order_shares`);
- ``statements``: what one holder sees of the titles it holds (its own shares only).

Moving the money (transfers, reversals, amounts owed) is ``services.payments.transfers``.
"""
