"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL: an
index or column added to a model without its migration would be missing on every existing
deployment (the bot migrates on start), and the queries that rely on it would read whole
tables (tests/test_query_plans.py)."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from storage import migrate
from storage.db import create_engine
from storage.models import Base


async def test_the_migrated_schema_is_the_models_schema(database_url: str) -> None:
    def differences(connection: Connection) -> list[Any]:
        return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))

    engine = create_engine(database_url)
    try:
        await migrate.upgrade(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(differences) == []
    finally:
        await engine.dispose()
