"""Alembic environment: runs on a synchronous connection (see bot.db.Database.migrate_sync)."""

from alembic import context
from sqlalchemy import create_engine, pool
from sqlmodel import SQLModel

import bot.models  # noqa: F401  (registers the core tables)

# Upgrades run the explicit operations in versions/ and need no metadata. For autogenerate, import
# salesbot.tables first (the composition root knows every capability's tables; the core does not).
config = context.config
target_metadata = SQLModel.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
