"""possible duplicates: the same text from another client is linked, not folded

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 19:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("duplicate_of", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_items_duplicate_of_items"), "items", ["duplicate_of"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_index(op.f("ix_items_duplicate_of"), ["duplicate_of"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index(op.f("ix_items_duplicate_of"))
        batch_op.drop_constraint(op.f("fk_items_duplicate_of_items"), type_="foreignkey")
        batch_op.drop_column("duplicate_of")
