"""Framework floor for the peer benchmark: the cheapest Flask pages.

    /        small static HTML page (string, no template)
    /jinja   Jinja template (floor_templates/list.html) with a 50-item loop

A copy of ../shared/bench/floor_app.py (and floor_templates/), so that the project measures
its floor with its own venv; bench/run.py serves it with the same command as the forum:
    cd bench/floor && ../../.venv/bin/gunicorn -w 2 -k sync -b 127.0.0.1:8202 \
        --no-control-socket floor_app:app
"""

import os

from flask import Flask, render_template

app = Flask(__name__, template_folder=os.path.join(os.path.dirname(__file__), "floor_templates"))

HELLO = (
    '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
    "<title>Bonjour</title></head><body><h1>Bonjour le forum</h1>"
    "<p>Page minimale.</p></body></html>"
)

ITEMS = [
    {
        "id": i,
        "title": f"Sujet numéro {i} & <discussion>",
        "author": f"membre{i:04d}",
        "replies": i * 3 % 17,
        "views": i * 37 % 1000,
    }
    for i in range(1, 51)
]


@app.get("/")
def hello():
    return HELLO


@app.get("/jinja")
def jinja():
    return render_template("list.html", title="Forum", items=ITEMS)
