"""what a rights holder's own balance moved for each payout: its connected account's balance
transaction (a transfer's destination payment, a reversal's refund of it), in the account's
settlement currency with the processor's exchange rate

Revision ID: 0030_holder_settlement
Revises: 0029_held_ticket_seats

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0030_holder_settlement"
down_revision = "0029_held_ticket_seats"
branch_labels = None
depends_on = None

COLUMNS = (
    ("holder_balance_transaction_id", sa.String(255)),
    ("holder_currency", sa.String(3)),
    ("holder_amount", sa.BigInteger()),
    ("holder_exchange_rate", sa.String(32)),
)


# Plain ALTER TABLE on every database, as in 0029. Payouts made before this change keep these
# empty and read as before (in the transfer's currency); reconcile reports any whose holder's
# balance moved another currency, so nothing is guessed.
def upgrade():
    for name, type_ in COLUMNS:
        op.add_column("holder_payouts", sa.Column(name, type_, nullable=True))


def downgrade():
    for name, _type in reversed(COLUMNS):
        op.drop_column("holder_payouts", name)
