"""Flask extensions.  Flask-SQLAlchemy is here only so Flask-Migrate (Alembic) can see the
engine's metadata; the engine itself uses plain SQLAlchemy sessions."""

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy

from engine.schema import Base

db = SQLAlchemy(metadata=Base.metadata)
migrate = Migrate()
