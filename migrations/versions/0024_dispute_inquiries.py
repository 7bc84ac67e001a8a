"""open inquiries on orders: the buyer's bank asked about a payment before any chargeback (no
money moved), shown on the order page until it closes or escalates

Revision ID: 0024_dispute_inquiries
Revises: 0023_ticket_country

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0024_dispute_inquiries"
down_revision = "0023_ticket_country"
branch_labels = None
depends_on = None


# Plain ALTER TABLE on every database (SQLite adds and drops a plain column in place): a
# batch copy of the orders table cannot drop it on SQLite while other tables' rows refer to it.
def upgrade():
    op.add_column("orders", sa.Column("inquiry_opened_at", sa.DateTime(), nullable=True))
    op.add_column("orders", sa.Column("inquiry_due_at", sa.DateTime(), nullable=True))


def downgrade():
    op.drop_column("orders", "inquiry_due_at")
    op.drop_column("orders", "inquiry_opened_at")
