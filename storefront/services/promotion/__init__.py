"""Promotion: festivals (programme, invitations and the festival's share), screenings (windows,
territories, seat caps, tickets), passes, and the checkout and fulfilment of what they sell."""
