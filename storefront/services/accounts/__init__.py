"""People and studios: sign-up, sign-in and credentials (`users`), studios and their members
and invitations (`studios`), account mails (`mail`), and every transactional mail the store
sends (`notifications`, whose `notify` is the one way to queue a mail for an event).

May import models and the mail adapter. Only `notifications` reads other service packages
(a title's names, a studio's time zone, a ticket's film times) to fill its mails.
"""
