"""The calendar (`/calendrier`): members propose, moderators approve, COET staff publish
official dates; a change of date is kept, raises the SEQUENCE of the iCalendar feeds and is
told to the event's followers; what is not published stays invisible to others."""

from __future__ import annotations

import icalendar
import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Event, EventChange, Notification, Role, User
from forum.models.calendar import APPROVED, CANCELLED, MEETUP, MILESTONE, PENDING, REFUSED
from forum.services import calendar, consents, erasure, exports
from tests.factories import PASSWORD, make_taxonomy, make_user, open_session


def _as(app, user_id: int):
    """A client signed in as the member USER_ID."""
    client = app.test_client()
    with app.app_context(), client.session_transaction() as session:
        session["_user_id"] = open_session(db.session.get(User, user_id))
    return client


def _form(**changes: object) -> dict[str, object]:
    """What a member types in the event form, with CHANGES."""
    data = {
        "title": "Visio entre candidats",
        "kind": MEETUP,
        "stage": "",
        "edition": "28",
        "starts_on": "2030-03-14",
        "starts_time": "20:30",
        "ends_on": "",
        "ends_time": "21:30",
        "place": "",
        "url": "https://visio.example.org/etabli",
        "description": "Préparer le **positionnement** ensemble.",
    }
    return data | changes


def _event(actor: User, **changes: object) -> int:
    """An event ACTOR adds through the service (published at once for a moderator)."""
    values = {
        "title": "Séance de préparation au dossier",
        "kind": MEETUP,
        "edition": 28,
        "starts_on": "2030-03-14",
        "starts_time": "09:00",
        "place": "Atelier partagé, Lyon",
    }
    return calendar.propose(actor, calendar.Draft(**values | changes)).id


def _feed(client, path: str) -> icalendar.Calendar:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.data)


def _titles(feed: icalendar.Calendar) -> set[str]:
    return {str(event["SUMMARY"]) for event in feed.walk("VEVENT")}


def _notices(user_id: int) -> list[Notification]:
    query = select(Notification).where(
        Notification.user_id == user_id, Notification.kind == "event_change"
    )
    return list(db.session.scalars(query))


@pytest.fixture
def people(app):
    """The taxonomy, a moderator, COET staff and three members: their ids by name."""
    with app.app_context():
        make_taxonomy()
        made = {
            "moderator": make_user(username="moderatrice", role=Role.MODERATOR),
            "staff": make_user(username="coet-officiel", role=Role.COET_STAFF),
            "organiser": make_user(username="organisatrice"),
            "other": make_user(username="curieux"),
            "follower": make_user(username="abonnee", email="abonnee@exemple.fr"),
        }
        return {name: user.id for name, user in made.items()}


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)


# --- proposing and reviewing ---------------------------------------------------------------


def test_a_members_proposal_waits_unseen_until_a_moderator_approves_it(app, people):
    organiser, other = _as(app, people["organiser"]), _as(app, people["other"])
    moderator = _as(app, people["moderator"])

    sent = organiser.post("/calendrier/new", data=_form(trades=["boulangerie"]))

    with app.app_context():
        event = db.session.scalar(select(Event))
        event_id, uid = event.id, event.uid
        assert (event.status, event.kind, event.is_official) == (PENDING, MEETUP, False)
        assert uid.endswith("@etabli") and event.sequence == 0
        assert [trade.slug for trade in event.trades] == ["boulangerie"]
    assert sent.status_code == 302 and sent.location.endswith(f"/calendrier/{event_id}")
    own = organiser.get(f"/calendrier/{event_id}").get_data(as_text=True)
    assert "En attente de validation" in own and "<strong>positionnement</strong>" in own
    assert other.get(f"/calendrier/{event_id}").status_code == 404
    assert "Visio entre candidats" not in other.get("/calendrier").get_data(as_text=True)
    assert "Visio entre candidats" in moderator.get("/calendrier/proposals").get_data(as_text=True)

    approved = moderator.post(f"/calendrier/{event_id}/approve")

    assert approved.status_code == 302
    assert "Visio entre candidats" in app.test_client().get("/calendrier").get_data(as_text=True)
    assert _titles(_feed(app.test_client(), "/calendrier.ics")) == {"Visio entre candidats"}
    with app.app_context():
        event = db.session.get(Event, event_id)
        assert (event.status, event.uid, event.sequence) == (APPROVED, uid, 0)
        assert event.reviewed_by_id == people["moderator"]
        assert [change.what for change in event.changes] == ["created", "approved"]
        assert len(_notices(people["organiser"])) == 1  # the organiser hears of it


def test_a_moderator_refuses_with_a_note_the_organiser_reads(app, people):
    with app.app_context():
        event_id = _event(_user(people["organiser"]))
    moderator, organiser = _as(app, people["moderator"]), _as(app, people["organiser"])

    moderator.post(f"/calendrier/{event_id}/refuse", data={"note": "Ce salon n'existe plus."})

    page = organiser.get(f"/calendrier/{event_id}").get_data(as_text=True)
    assert "a été refusée" in page and "Ce salon n&#39;existe plus." in page
    assert organiser.get(f"/calendrier/{event_id}/edit").status_code == 403
    with app.app_context():
        assert db.session.get(Event, event_id).status == REFUSED
        assert len(_notices(people["organiser"])) == 1


@pytest.mark.parametrize("who", ["other", "organiser", "staff"])
def test_only_moderators_review_proposals(app, people, who):
    with app.app_context():
        event_id = _event(_user(people["organiser"]))
    client = _as(app, people[who])

    assert client.get("/calendrier/proposals").status_code == 403
    assert client.post(f"/calendrier/{event_id}/approve").status_code in (403, 404)
    assert client.post(f"/calendrier/{event_id}/refuse").status_code in (403, 404)
    with app.app_context():
        assert db.session.get(Event, event_id).status == PENDING


def test_visitors_read_the_calendar_but_log_in_to_propose_or_follow(app, people):
    with app.app_context():
        event_id = _event(_user(people["moderator"]))
    visitor = app.test_client()

    assert visitor.get("/calendrier").status_code == 200
    assert visitor.get(f"/calendrier/{event_id}").status_code == 200
    for response in (
        visitor.get("/calendrier/new"),
        visitor.post("/calendrier/new", data=_form()),
        visitor.post(f"/calendrier/{event_id}/follow", data={"follow": "1"}),
        visitor.get("/calendrier/proposals"),
    ):
        assert response.status_code == 302 and "/auth/login" in response.location
    with app.app_context():
        assert db.session.scalar(select(Event.id).where(Event.id != event_id)) is None


# --- official dates --------------------------------------------------------------------------


def test_coet_staff_publish_official_dates_nobody_else_may_edit(app, people):
    staff = _as(app, people["staff"])

    sent = staff.post(
        "/calendrier/new",
        data=_form(title="Clôture des inscriptions", kind="", stage="inscription"),
    )

    with app.app_context():
        event = db.session.scalar(select(Event))
        event_id = event.id
        assert (event.status, event.kind, event.is_official) == (APPROVED, MILESTONE, True)
    assert sent.status_code == 302
    page = app.test_client().get(f"/calendrier/{event_id}").get_data(as_text=True)
    assert "Date officielle COET-MOF" in page and "Officiel COET-MOF" in page
    for who in ("moderator", "other"):
        client = _as(app, people[who])
        assert client.get(f"/calendrier/{event_id}/edit").status_code == 403
        assert client.post(f"/calendrier/{event_id}/edit", data=_form()).status_code == 403
        assert client.post(f"/calendrier/{event_id}/cancel").status_code == 403
    assert "Modifier cet événement" not in _as(app, people["moderator"]).get(
        f"/calendrier/{event_id}"
    ).get_data(as_text=True)
    edited = staff.post(
        f"/calendrier/{event_id}/edit",
        data=_form(title="Clôture des inscriptions", stage="inscription", starts_on="2030-03-21"),
    )
    assert edited.status_code == 302


def test_an_official_date_needs_its_stage(app, people):
    staff = _as(app, people["staff"])

    refused = staff.post("/calendrier/new", data=_form(title="Clôture des inscriptions"))

    assert refused.status_code == 400
    assert "Une étape du concours se rattache" in refused.get_data(as_text=True)


# --- changes, history and followers ---------------------------------------------------------


def test_a_new_date_is_kept_in_the_history_and_told_to_followers(app, people, outbox):
    with app.app_context():
        event_id = _event(_user(people["organiser"]))
        calendar.approve(_user(people["moderator"]), db.session.get(Event, event_id))
        consents.set_consent(_user(people["follower"]), "email_notifications", True, via="test")
        uid = db.session.get(Event, event_id).uid
    for who in ("follower", "other"):
        assert (
            _as(app, people[who])
            .post(f"/calendrier/{event_id}/follow", data={"follow": "1"})
            .status_code
            == 302
        )
    organiser = _as(app, people["organiser"])
    form = organiser.get(f"/calendrier/{event_id}/edit").get_data(as_text=True)
    assert 'value="2030-03-14"' in form and 'value="09:00"' in form
    changed = _form(
        title="Séance de préparation au dossier",
        url="",
        place="Atelier partagé, Lyon",
        starts_on="2030-03-21",
        starts_time="09:00",
        ends_time="",
        note="La salle est prise le 14.",
    )

    response = organiser.post(f"/calendrier/{event_id}/edit", data=changed)

    assert response.status_code == 302
    page = app.test_client().get(f"/calendrier/{event_id}").get_data(as_text=True)
    assert "date changée par" in page and "La salle est prise le 14." in page
    assert "jeudi 14 mars 2030, 09:00" in page and "jeudi 21 mars 2030, 09:00" in page
    assert '<time datetime="2030-03-21T09:00+01:00">' in page
    with app.app_context():
        event = db.session.get(Event, event_id)
        assert (event.uid, event.sequence) == (uid, 1)
        change = db.session.scalar(select(EventChange).where(EventChange.what == "rescheduled"))
        assert change.old_starts_at.isoformat() == "2030-03-14T08:00:00+00:00"  # 09:00 in Paris
        assert change.new_starts_at.isoformat() == "2030-03-21T08:00:00+00:00"
        assert len(_notices(people["follower"])) == len(_notices(people["other"])) == 1
        assert len(_notices(people["organiser"])) == 1  # the approval; not their own change
    (mail,) = outbox.to("abonnee@exemple.fr")  # consent given: one mail
    assert "Séance de préparation au dossier" in mail.get_content()
    assert outbox.to("curieux@exemple.fr") == []  # no consent: in the inbox only
    inbox = _as(app, people["other"]).get("/me/notifications").get_data(as_text=True)
    assert "Changement dans le calendrier" in inbox
    (vevent,) = _feed(app.test_client(), f"/calendrier/{event_id}.ics").walk("VEVENT")
    assert (str(vevent["UID"]), vevent.sequence) == (uid, 1)


def test_a_change_of_wording_only_raises_no_sequence_and_tells_nobody(app, people):
    with app.app_context():
        event_id = _event(_user(people["moderator"]))
        calendar.set_following(_user(people["follower"]), db.session.get(Event, event_id), True)
        draft = calendar.draft_of(db.session.get(Event, event_id))

        calendar.edit_event(
            _user(people["moderator"]),
            db.session.get(Event, event_id),
            calendar.Draft(**{**draft.__dict__, "description": "Apportez vos croquis."}),
        )

        event = db.session.get(Event, event_id)
        assert event.sequence == 0 and event.changes[-1].what == "edited"
        assert _notices(people["follower"]) == []


def test_a_cancelled_event_stays_listed_struck_through_and_is_cancelled_in_the_feeds(app, people):
    with app.app_context():
        event_id = _event(_user(people["organiser"]))
        calendar.approve(_user(people["moderator"]), db.session.get(Event, event_id))
        calendar.set_following(_user(people["follower"]), db.session.get(Event, event_id), True)
    organiser = _as(app, people["organiser"])

    organiser.post(f"/calendrier/{event_id}/cancel", data={"note": "Trop peu d'inscrits."})

    listing = app.test_client().get("/calendrier").get_data(as_text=True)
    assert "<s>Séance de préparation au dossier</s>" in listing
    (vevent,) = _feed(app.test_client(), "/calendrier.ics").walk("VEVENT")
    assert (vevent["STATUS"], vevent.sequence) == ("CANCELLED", 1)
    with app.app_context():
        assert db.session.get(Event, event_id).status == CANCELLED
        assert len(_notices(people["follower"])) == 1


# --- feeds ---------------------------------------------------------------------------------


def test_the_feeds_are_valid_icalendar_filtered_per_trade_and_stage(app, people):
    with app.app_context():
        moderator = _user(people["moderator"])
        first = _event(
            moderator,
            title="Positionnement boulangerie",
            kind=MILESTONE,
            stage="positionnement",
            trades=["boulangerie"],
        )
        _event(
            moderator,
            title="Finale ébénisterie",
            kind=MILESTONE,
            stage="epreuves-finales",
            trades=["ebenisterie"],
            starts_on="2030-06-02",
            ends_on="2030-06-04",
            starts_time="",
            all_day=True,
        )
        _event(moderator, title="Apéro des candidats")
        uid = db.session.get(Event, first).uid
    visitor = app.test_client()

    everything = _feed(visitor, "/calendrier.ics")
    per_trade = _feed(visitor, "/calendrier/metier/boulangerie.ics")
    per_trade_query = _feed(visitor, "/calendrier.ics?trade=boulangerie")
    per_stage = _feed(visitor, "/calendrier/etape/epreuves-finales.ics")

    assert everything["VERSION"] == "2.0" and "Etabli" in everything["PRODID"]
    assert "calendrier du concours" in everything["X-WR-CALNAME"]
    assert _titles(everything) == {
        "Positionnement boulangerie",
        "Finale ébénisterie",
        "Apéro des candidats",
    }
    assert (
        _titles(per_trade)
        == _titles(per_trade_query)
        == {
            "Positionnement boulangerie",
            "Apéro des candidats",  # no trade: it concerns every trade
        }
    )
    (final,) = per_stage.walk("VEVENT")
    assert final.categories == ["Épreuves finales"]
    assert (final.start.isoformat(), final.end.isoformat()) == ("2030-06-02", "2030-06-05")
    positioning = next(e for e in everything.walk("VEVENT") if str(e["UID"]) == uid)
    assert positioning.start.isoformat() == "2030-03-14T08:00:00+00:00"
    assert positioning["URL"] == f"http://etabli.test/calendrier/{first}"
    assert positioning["STATUS"] == "CONFIRMED" and positioning.sequence == 0
    assert "Boulangerie" in per_trade["X-WR-CALNAME"]


@pytest.mark.parametrize(
    "path",
    [
        "/calendrier/metier/inconnu.ics",
        "/calendrier/etape/inconnue.ics",
        "/calendrier.ics?trade=inconnu",
        "/calendrier.ics?stage=inconnue",
        "/calendrier?trade=inconnu",
        "/calendrier?edition=abc",
        "/calendrier?edition=999",
        "/calendrier/passes?stage=inconnue",
        "/calendrier/999.ics",
    ],
)
def test_unknown_filters_and_events_are_not_found(app, people, path):
    assert app.test_client().get(path).status_code == 404


# --- what is not published ------------------------------------------------------------------


@pytest.mark.parametrize("status", [PENDING, REFUSED])
def test_proposals_and_refused_events_stay_hidden_from_others(app, people, status):
    with app.app_context():
        event = db.session.get(Event, _event(_user(people["organiser"]), title="Projet secret"))
        event.status = status
        db.session.commit()
        event_id = event.id
    for client in (app.test_client(), _as(app, people["other"]), _as(app, people["staff"])):
        for path in (
            f"/calendrier/{event_id}",
            f"/calendrier/{event_id}.ics",
            f"/calendrier/{event_id}/edit",
        ):
            assert client.get(path).status_code in (302, 404), path
        for action in ("follow", "cancel", "approve", "refuse"):
            assert client.post(f"/calendrier/{event_id}/{action}").status_code in (302, 404)
        for path in ("/calendrier", "/calendrier/passes", "/calendrier?edition=28"):
            assert "Projet secret" not in client.get(path).get_data(as_text=True)
        assert _titles(_feed(client, "/calendrier.ics")) == set()
    # Not even its organiser's calendar app: the feeds carry published dates only.
    assert _as(app, people["organiser"]).get(f"/calendrier/{event_id}.ics").status_code == 404


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message", "kept"),
    [
        ({"ends_time": "19:00"}, "ends_time", "La fin doit venir après le début.", "19:00"),
        ({"starts_on": "demain midi"}, "starts_on", "Donnez une date comme", "demain midi"),
        ({"starts_on": "2030-02-30"}, "starts_on", "Donnez une date comme", "2030-02-30"),
        ({"starts_time": "25:00"}, "starts_time", "Donnez une heure comme 14:30.", "25:00"),
        ({"title": "x" * 100_000}, "title", "ne peut pas dépasser 150 caractères", "x" * 150),
        ({"trades": ["patisserie-lunaire"]}, "trades", "Ce métier n&#39;existe pas", ""),
        ({"stage": "finale-lunaire"}, "stage", "Choisissez une étape de la liste.", ""),
        ({"url": "javascript:alert(1)"}, "url", "commence par https://", "javascript:alert(1)"),
        ({"url": "", "place": ""}, "place", "Indiquez un lieu, ou un lien", ""),
        ({"edition": "99"}, "edition", "Choisissez une session de la liste.", ""),
        ({"kind": MILESTONE}, "stage", "Une étape du concours se rattache", ""),
        ({"starts_on": "2030-03-14", "ends_on": "2032-03-14"}, "ends_on", "plus d&#39;un an", ""),
    ],
)
def test_bad_input_is_refused_next_to_its_field_keeping_the_text(
    app, people, changes, field, message, kept
):
    organiser = _as(app, people["organiser"])

    response = organiser.post("/calendrier/new", data=_form(**changes))

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="{field}-error"' in page and message in page
    assert f'value="{kept}"' in page or f">{kept}<" in page
    assert "Préparer le **positionnement** ensemble." in page  # the rest is kept too
    with app.app_context():
        assert db.session.scalar(select(Event.id)) is None


def test_a_french_date_and_time_are_understood(app, people):
    organiser = _as(app, people["organiser"])

    organiser.post("/calendrier/new", data=_form(starts_on="14/03/2030", starts_time="20h30"))

    with app.app_context():
        event = db.session.scalar(select(Event))
        assert event.starts_at.isoformat() == "2030-03-14T19:30:00+00:00"
        assert event.ends_at.isoformat() == "2030-03-14T20:30:00+00:00"


# --- past sessions -------------------------------------------------------------------------


def test_past_events_stay_browsable_per_edition(app, people):
    with app.app_context():
        moderator = _user(people["moderator"])
        _event(moderator, title="Finale de la 27e", edition=27, starts_on="2023-05-10")
        _event(moderator, title="Finale de la 26e", edition=26, starts_on="2019-05-10")
        _event(moderator, title="Positionnement de la 28e", starts_on="2030-01-10")
    visitor = app.test_client()

    upcoming = visitor.get("/calendrier").get_data(as_text=True)
    past = visitor.get("/calendrier/passes").get_data(as_text=True)
    edition = visitor.get("/calendrier/passes?edition=27").get_data(as_text=True)
    by_query = visitor.get("/calendrier?edition=27").get_data(as_text=True)

    assert "Positionnement de la 28e" in upcoming and "Finale de la 27e" not in upcoming
    assert 'href="/calendrier/passes?edition=27"' in upcoming
    assert past.index("Finale de la 27e") < past.index("Finale de la 26e")
    assert "Positionnement de la 28e" not in past
    assert "Finale de la 27e" in edition and "Finale de la 26e" not in edition
    assert "Finale de la 27e" in by_query and "Déjà passés (27e session)" in by_query
    assert visitor.get("/calendrier/passes?page=9").location.endswith("/calendrier/passes?page=1")


# --- every page, every role ----------------------------------------------------------------

ROLES = [None, Role.MEMBER, Role.COET_STAFF, Role.MODERATOR, Role.ADMIN]


@pytest.mark.parametrize("role", ROLES)
def test_no_calendar_address_fails_whoever_asks_whatever_is_sent(app, people, role):
    with app.app_context():
        event_id = _event(_user(people["moderator"]))
        pending = _event(_user(people["organiser"]), title="Proposition")
        rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("calendar.")]
    client = app.test_client()
    if role is not None:
        with app.app_context(), client.session_transaction() as session:
            session["_user_id"] = open_session(make_user(role=role))

    for rule in rules:
        for value in (event_id, pending, 999):
            path = rule.build({"event_id": value, "slug": "boulangerie"}, append_unknown=False)[1]
            for method in {"GET", "POST"} & set(rule.methods or ()):
                sent = {"follow": "1", "note": "x" * 1000, "title": "", "edition": "x"}
                response = client.open(path, method=method, data=sent)
                assert response.status_code < 500, (method, path)


# --- demo ----------------------------------------------------------------------------------


def test_the_demo_calendar_has_milestones_meetups_a_rescheduled_and_an_official_date(app, people):
    with app.app_context():
        members = [_user(people[name]) for name in ("organiser", "other", "follower")]

        made = calendar.seed_demo(official=_user(people["staff"]), members=members)

        events = db.session.scalars(select(Event)).all()
        assert made == len(events) > 10
        assert [e.title for e in events if e.is_official] == ["Clôture des inscriptions"]
        assert all(e.stage for e in events if e.kind == MILESTONE)
        assert {e.edition for e in events} == {27, 28}
        (moved,) = [e for e in events if e.sequence > 0]
        assert [change.what for change in moved.changes] == ["created", "rescheduled"]
        assert [e.status for e in events].count(PENDING) == 1
        assert calendar.ical(events, name="Démo")  # every one of them fits a feed


def test_dates_are_written_in_the_readers_language(app, people):
    with app.app_context():
        event_id = _event(_user(people["moderator"]), ends_time="12:00")
    visitor = app.test_client()

    french = visitor.get(f"/calendrier/{event_id}").get_data(as_text=True)
    english = visitor.get(f"/calendrier/{event_id}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )

    assert "jeudi 14 mars 2030, 09:00</time> à <time" in french
    assert "Thursday 14 March 2030, 09:00" in english


# --- privacy ---------------------------------------------------------------------------------


def test_an_organisers_events_are_in_their_export_and_stay_without_them_once_erased(
    app, people, time_machine
):
    time_machine.move_to("2026-06-01 10:00", tick=True)
    with app.app_context():
        organiser = _user(people["organiser"])
        event_id = _event(organiser, title="Rencontre au salon Eurobois")
        calendar.approve(_user(people["moderator"]), db.session.get(Event, event_id))
        exported = exports.export_data(organiser)
        erasure.schedule_erasure(organiser, password=PASSWORD, content="anonymise")
    time_machine.shift(60 * 60 * 24 * 8)
    with app.app_context():
        erasure.run_due_erasures()

    page = app.test_client().get(f"/calendrier/{event_id}").get_data(as_text=True)

    tables = exported["tables"]
    assert [row["title"] for row in tables["events"]] == ["Rencontre au salon Eurobois"]
    assert len(tables["event_changes"]) == 1  # her proposal; the approval is the moderator's
    assert "Rencontre au salon Eurobois" in page and "Ancien membre" in page
    with app.app_context():
        assert db.session.get(Event, event_id).organiser_id is None
