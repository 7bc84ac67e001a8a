"""when a festival's tickets and passes go on sale: empty (every festival so far) means as soon
as the festival is published, ahead of its screenings' windows

Revision ID: 0025_festival_sales_open
Revises: 0024_dispute_inquiries

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0025_festival_sales_open"
down_revision = "0024_dispute_inquiries"
branch_labels = None
depends_on = None


# Plain ALTER TABLE on every database, as in 0024: screenings and passes refer to festivals.
def upgrade():
    op.add_column("festivals", sa.Column("sales_open_at", sa.DateTime(), nullable=True))


def downgrade():
    op.drop_column("festivals", "sales_open_at")
