"""Persistence: SQLAlchemy 2 async models, engine factory, repositories, Alembic migrations."""
