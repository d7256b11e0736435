"""The calendar: `/calendrier`, an event's page, proposals, review, the iCalendar feeds."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from babel.dates import format_date, format_datetime, format_time
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from markupsafe import Markup, escape
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)

from forum import pagination, policy
from forum.cache import cached_page
from forum.errors import InvalidInput
from forum.models import Event
from forum.models.calendar import MEETUP, MILESTONE
from forum.services import calendar, follows, taxonomy
from forum.services.profiles import EDITIONS
from forum.web import BaseForm, current_actor
from forum.web.forms import choices, optional_int
from forum.web.forum.forms import FollowForm
from forum.web.forum.views import limit_posting, page_number, query_arg

bp = Blueprint("calendar", __name__)

KINDS = {
    MEETUP: _l("Rencontre entre candidats : réunion en ligne, salon, séance de préparation…"),
    MILESTONE: _l("Étape du concours : inscription, positionnement, épreuves, résultats…"),
}
FORMATS = {"day": "EEEE d MMMM yyyy", "moment": "EEEE d MMMM yyyy, HH:mm", "time": "HH:mm"}


class EventForm(BaseForm):
    title = StringField(_l("Titre"), render_kw={"maxlength": calendar.TITLE_MAX})
    kind = RadioField(_l("Type d'événement"), choices=choices(KINDS.items()), validate_choice=False)
    stage = SelectField(_l("Étape du concours"), validate_choice=False)
    edition = SelectField(_l("Session"), validate_choice=False)
    trades = SelectMultipleField(_l("Métiers concernés"), validate_choice=False)
    starts_on = StringField(_l("Date de début"), render_kw={"type": "date"})
    starts_time = StringField(_l("Heure de début"), render_kw={"type": "time"})
    ends_on = StringField(_l("Date de fin (facultatif)"), render_kw={"type": "date"})
    ends_time = StringField(_l("Heure de fin (facultatif)"), render_kw={"type": "time"})
    all_day = BooleanField(_l("Toute la journée (sans heure)"))
    place = StringField(_l("Lieu"), render_kw={"maxlength": calendar.PLACE_MAX})
    url = StringField(_l("Lien"), render_kw={"type": "url", "maxlength": calendar.URL_MAX})
    description = TextAreaField(_l("Description (Markdown, facultatif)"), render_kw={"rows": 6})
    note = StringField(_l("Ce qui change, en quelques mots (facultatif)"))

    def with_choices(self) -> EventForm:
        self.stage.choices = choices([("", _("— aucune —")), *calendar.list_stages()])
        self.edition.choices = choices((str(n), _("%(n)de session", n=n)) for n in EDITIONS)
        return self

    def draft(self) -> calendar.Draft:
        return calendar.Draft(
            title=self.title.data or "",
            kind=self.kind.data or "",
            stage=self.stage.data or "",
            edition=optional_int(self.edition.data),
            trades=[slug for slug in self.trades.data or [] if isinstance(slug, str)],
            starts_on=self.starts_on.data or "",
            starts_time=self.starts_time.data or "",
            ends_on=self.ends_on.data or "",
            ends_time=self.ends_time.data or "",
            all_day=bool(self.all_day.data),
            place=self.place.data or "",
            url=self.url.data or "",
            description=self.description.data or "",
        )


class NoteForm(BaseForm):
    """Approve, refuse or cancel, with an optional note kept in the event's history."""

    note = StringField(_l("Note (facultatif)"), render_kw={"maxlength": calendar.NOTE_MAX})


@bp.context_processor
def _helpers() -> dict:
    return {
        "calendar_time": _time_tag,
        "same_day": lambda a, b: calendar.local(a).date() == calendar.local(b).date(),
        "stage_name": calendar.stage_name,
        "all_editions": EDITIONS,
    }


def _time_tag(moment: datetime, style: str = "moment") -> str:
    """MOMENT in the calendar's zone as `<time>` markup: a day, a day and time, or a time."""
    here, locale = calendar.local(moment).replace(second=0, microsecond=0), get_locale()
    if style == "day":
        text, machine = format_date(here.date(), FORMATS[style], locale=locale), here.date()
    elif style == "time":
        text, machine = format_time(here, FORMATS[style], locale=locale), here
    else:
        text, machine = format_datetime(here, FORMATS[style], locale=locale), here
    machine_text = machine.isoformat(timespec="minutes") if style != "day" else machine.isoformat()
    return Markup('<time datetime="{}">{}</time>').format(machine_text, escape(text))


def _filters() -> calendar.Filters:
    found = calendar.parse_filters(
        trade=query_arg("trade", 200),
        stage=query_arg("stage", 200),
        edition=query_arg("edition", 8),
    )
    if found is None:
        abort(404)
    return found


def _listing(template: str, *, past: bool, **extra):
    actor, filters = current_actor(), _filters()
    try:
        events = calendar.list_events(actor, filters, past=past, page=page_number())
    except pagination.PageOutOfRange as out:
        return redirect(url_for(request.endpoint, **filters.args, page=out.last))
    return render_template(
        template,
        events=events,
        filters=filters,
        trades=taxonomy.list_trades(),
        stages=calendar.list_stages(),
        editions=calendar.past_editions(actor),
        **extra,
    )


@bp.get("/calendrier")
@cached_page
def index():
    """What is to come (`?trade=`, `?stage=`, `?edition=`); a session's past events too."""
    filters = _filters()
    past = calendar.list_events(current_actor(), filters, past=True) if filters.edition else None
    return _listing("calendar/index.html", past=False, past_events=past)


@bp.get("/calendrier/passes")
def past():
    """Past events, latest session first; browsable per session with `?edition=`."""
    return _listing("calendar/past.html", past=True)


def _visible(event_id: int) -> Event:
    found = calendar.get_event(current_actor(), event_id)
    if found is None:
        abort(404)
    return found


@bp.get("/calendrier/<int:event_id>")
def event(event_id: int):
    found = _visible(event_id)
    following = follows.follows(current_actor(), found)
    return render_template(
        "calendar/event.html", event=found, following=following, note_form=NoteForm()
    )


def _edit(found: Event | None):
    actor = current_actor()
    if found is not None:
        policy.require(policy.can_edit_event(actor, found))
    form = EventForm().with_choices()
    if request.method == "GET":
        draft = asdict(calendar.draft_of(found) if found else calendar.Draft())
        form.process(data=draft | {"edition": str(draft["edition"] or calendar.current_edition())})
    if form.validate_on_submit():
        try:
            saved = (
                calendar.edit_event(actor, found, form.draft(), note=form.note.data or "")
                if found
                else calendar.propose(actor, form.draft())
            )
        except InvalidInput as error:
            form.add_error(error)
        else:
            flash(_saved_message(saved, found is None), "success")
            return redirect(url_for("calendar.event", event_id=saved.id))
    status = 400 if request.method == "POST" else 200
    return render_template("calendar/edit.html", form=form, event=found), status


def _saved_message(event: Event, created: bool) -> str:
    if event.is_pending and created:
        return _("Merci ! Votre proposition sera publiée dès qu'un modérateur l'aura validée.")
    if created:
        return _("L'événement est publié dans le calendrier.")
    return _("L'événement est à jour ; ceux qui le suivent sont prévenus d'un changement de date.")


@bp.route("/calendrier/new", methods=["GET", "POST"])
@login_required
@limit_posting
def new():
    policy.require(policy.can_propose_event(current_actor()))
    return _edit(None)


@bp.route("/calendrier/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
def edit(event_id: int):
    return _edit(_visible(event_id))


def _act(event_id: int, action, done: str):
    """Run ACTION(actor, event, note) from a note form, then back to the event's page."""
    found, form = _visible(event_id), NoteForm()
    if form.validate_on_submit():
        try:
            action(current_actor(), found, form.note.data or "")
        except InvalidInput as error:
            flash(error.message, "error")
        else:
            flash(done, "success")
    return redirect(url_for("calendar.event", event_id=found.id))


@bp.post("/calendrier/<int:event_id>/approve")
@login_required
def approve(event_id: int):
    return _act(
        event_id, lambda actor, e, _note: calendar.approve(actor, e), _("L'événement est publié.")
    )


@bp.post("/calendrier/<int:event_id>/refuse")
@login_required
def refuse(event_id: int):
    return _act(
        event_id,
        lambda actor, e, note: calendar.refuse(actor, e, note=note),
        _("La proposition est refusée ; son auteur est prévenu."),
    )


@bp.post("/calendrier/<int:event_id>/cancel")
@login_required
def cancel(event_id: int):
    return _act(
        event_id,
        lambda actor, e, note: calendar.cancel(actor, e, note=note),
        _("L'événement est annulé ; ceux qui le suivent sont prévenus."),
    )


@bp.post("/calendrier/<int:event_id>/follow")
@login_required
def follow(event_id: int):
    """Follow the event (`follow=1`) or stop (`follow=0`)."""
    found, form = _visible(event_id), FollowForm()
    if form.validate_on_submit():
        following = form.follow.data == "1"
        calendar.set_following(current_actor(), found, following)
        flash(
            _("Vous serez prévenu si sa date ou son lieu change.")
            if following
            else _("Vous ne suivez plus cet événement."),
            "success",
        )
    return redirect(url_for("calendar.event", event_id=found.id))


@bp.get("/calendrier/proposals")
@login_required
def proposals():
    waiting = calendar.list_pending(current_actor())
    return render_template("calendar/proposals.html", events=waiting, note_form=NoteForm())


# --- iCalendar feeds -------------------------------------------------------------------------


def _ics(events: list[Event], name: str, uid: str, filename: str) -> Response:
    response = Response(calendar.ical(events, name=name, uid=uid), mimetype="text/calendar")
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _feed(filters: calendar.Filters) -> Response:
    parts = [_("L'Établi : calendrier du concours")]
    parts += [filters.trade.name] if filters.trade else []
    parts += [calendar.stage_name(filters.stage)] if filters.stage else []
    parts += [_("%(n)de session", n=filters.edition)] if filters.edition else []
    key = "-".join(str(value) for value in filters.args.values())
    uid = f"calendrier{'-' + key if key else ''}@etabli"
    return _ics(calendar.feed_events(filters), " · ".join(parts), uid, "calendrier.ics")


@bp.get("/calendrier.ics")
@cached_page(shared=True)
def feed():
    """Every published date (`?trade=`, `?stage=`, `?edition=`), for a calendar app."""
    return _feed(_filters())


@bp.get("/calendrier/metier/<slug>.ics")
@cached_page(shared=True)
def trade_feed(slug: str):
    trade = taxonomy.get_trade(slug)
    if trade is None:
        abort(404)
    if trade.slug != slug:  # renamed or merged: the subscription follows it
        return redirect(url_for("calendar.trade_feed", slug=trade.slug), 301)
    return _feed(calendar.Filters(trade=trade))


@bp.get("/calendrier/etape/<slug>.ics")
@cached_page(shared=True)
def stage_feed(slug: str):
    if not calendar.stage_name(slug):
        abort(404)
    return _feed(calendar.Filters(stage=slug))


@bp.get("/calendrier/<int:event_id>.ics")
@cached_page(shared=True)
def event_feed(event_id: int):
    """One event, to add to a calendar: published or cancelled ones only, like the feeds."""
    found = calendar.get_event(None, event_id)
    if found is None:
        abort(404)
    return _ics([found], found.title, found.uid, f"evenement-{found.id}.ics")
