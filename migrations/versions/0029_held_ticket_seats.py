"""a festival ticket whose payment is held for an admin keeps its seat until the admin
refunds it; the flag says the seat is still held, so it goes back exactly once

Revision ID: 0029_held_ticket_seats
Revises: 0028_admin_action_operator

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0029_held_ticket_seats"
down_revision = "0028_admin_action_operator"
branch_labels = None
depends_on = None


# Plain ALTER TABLE on every database, as in 0025. Orders held before this change are not
# marked: whether such an order's seat was still held (or given back when its checkout closed)
# cannot be told afterwards, and giving back a seat twice would oversell the screening.
def upgrade():
    op.add_column(
        "orders",
        sa.Column("seat_held_for_review", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade():
    op.drop_column("orders", "seat_held_for_review")
