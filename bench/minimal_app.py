"""The floor of the HTTP benchmark: a minimal Flask endpoint doing one INSERT, on the app's stack
(Flask + Flask-SQLAlchemy + psycopg 3 + PostgreSQL, served by gunicorn with the same worker count).

    DATABASE_URL=postgresql://... gunicorn -w 2 -b 127.0.0.1:8101 bench.minimal_app:app
"""
from __future__ import annotations

import os

from flask import Flask, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import text

from counter.config import normalise_database_url

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(os.environ["DATABASE_URL"])
app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}
db = SQLAlchemy(app)

with app.app_context():
    db.session.execute(text("CREATE TABLE IF NOT EXISTS bench_ping (id serial PRIMARY KEY, payload text NOT NULL, "
                            "at timestamp NOT NULL DEFAULT now())"))
    db.session.commit()


@app.post("/insert")
def insert():
    new_id = db.session.execute(text("INSERT INTO bench_ping (payload) VALUES (:p) RETURNING id"),
                                {"p": request.form.get("payload", "x")}).scalar()
    db.session.commit()
    return {"id": new_id}, 201
