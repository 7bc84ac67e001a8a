"""the country a festival ticket was booked in, on the ticket itself: a ticket bought on its own
and one booked with a pass keep playing there whatever the organiser does to the screening's
territories later (one rule, one column)

Revision ID: 0023_ticket_country
Revises: 0022_festival_artwork

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0023_ticket_country"
down_revision = "0022_festival_artwork"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("entitlements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("country", sa.String(length=2), nullable=True))
    # A ticket bought on its own was sold in its order's country; a pass records no country,
    # so tickets booked with one before this revision keep following the screening's territories.
    op.execute(
        "UPDATE entitlements SET country = (SELECT orders.country FROM orders"
        " WHERE orders.id = entitlements.order_id"
        " AND orders.screening_id = entitlements.screening_id)"
        " WHERE screening_id IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table("entitlements", schema=None) as batch_op:
        batch_op.drop_column("country")
