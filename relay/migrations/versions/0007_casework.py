"""casework: channels, officers, hazard acknowledgement, case types, transfers out, 督办, 回访, extensions, reminders

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(32), nullable=False, server_default="web"))
        batch_op.add_column(sa.Column("entered_by", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("assigned_to", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("ack_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("case_type", sa.String(32), nullable=True))
        batch_op.add_column(sa.Column("final_due_note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("transferred_to", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("transfer_receiver", sa.String(64), nullable=True))
        batch_op.create_index("ix_items_assigned_to", ["assigned_to"])
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("display_name", sa.String(64), nullable=True))
    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("items.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_by", sa.String(64), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True)),
        sa.Column("met", sa.Boolean()),
    )
    op.create_table(
        "callbacks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("items.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True)),
        sa.Column("done_by", sa.String(64)),
        sa.Column("reached", sa.Boolean()),
        sa.Column("satisfied", sa.Boolean()),
        sa.Column("corrected", sa.Boolean()),
        sa.Column("note", sa.Text()),
    )
    op.create_table(
        "extensions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("items.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("days", sa.SmallInteger(), nullable=False),
        sa.Column("decided_by", sa.String(64)),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("granted", sa.Boolean()),
        sa.Column("decision_note", sa.Text()),
    )
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("items.id", ondelete="CASCADE"), nullable=False),
        sa.Column("deadline", sa.String(32), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stage", sa.String(8), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("item_id", "deadline", "due_at", "stage", name="uq_reminders_once"),
    )


def downgrade() -> None:
    for table in ("reminders", "extensions", "callbacks", "escalations"):
        op.drop_table(table)
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("display_name")
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index("ix_items_assigned_to")
        for column in (
            "transfer_receiver",
            "transferred_to",
            "final_due_note",
            "case_type",
            "acknowledged_at",
            "ack_due_at",
            "assigned_to",
            "entered_by",
            "channel",
        ):
            batch_op.drop_column(column)
