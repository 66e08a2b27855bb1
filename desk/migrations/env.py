"""Alembic environment: the URL comes from the caller (desk.db.migrate) or DAOFU_DATABASE_URL."""
from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from desk.models import Base

config = context.config
if not config.get_main_option("sqlalchemy.url"):
    from desk.settings import DeskSettings

    config.set_main_option("sqlalchemy.url", DeskSettings.from_env().database_url.replace("%", "%%"))

connectable = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.",
                                 poolclass=pool.NullPool)
with connectable.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()
