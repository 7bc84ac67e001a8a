"""People and studios: sign-up, sign-in and credentials (`users`), studios and their members
and invitations (`studios`), and outgoing mail (`mail`).

May import models and the mail adapter; nothing from the other service packages.
"""
