"""Mail leaves through one module: .eml files in the outbox, or a real SMTP server."""

import asyncio
import email
import email.policy
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from aiosmtpd.controller import Controller
from werkzeug.serving import make_server

from forum import jobs
from tests.conftest import IS_POSTGRES
from tests.factories import PASSWORD, make_user


class Recorder:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(recorder: Recorder, *, before_stop=lambda: None):
    """A real SMTP server on loopback handing every message to RECORDER."""
    controller = Controller(recorder, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, recorder
    before_stop()
    jobs.wait_until_idle(10)  # what the app still sends says goodbye (QUIT) before the stop
    controller.stop()


@pytest.fixture
def smtp_server():
    yield from _serve(Recorder())


def _register(client):
    return client.post(
        "/auth/register",
        data={
            "email": "lea@exemple.fr",
            "username": "lea",
            "password": PASSWORD,
            "accept_terms": "y",
        },
    )


def test_without_a_mail_server_mails_are_written_to_the_outbox(client, outbox):
    _register(client)

    (message,) = outbox.messages
    assert message["To"] == "lea@exemple.fr"
    assert message["Subject"] == "Confirmez votre adresse sur L'Établi"
    assert "http://etabli.test/auth/verify/" in message.get_content()


def test_with_a_mail_server_mails_go_through_smtp(app_factory, smtp_server, outbox):
    controller, recorder = smtp_server
    app = app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)

    response = _register(app.test_client())

    assert response.status_code == 302
    (envelope,) = recorder.envelopes
    assert envelope.rcpt_tos == ["lea@exemple.fr"]
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert message["Subject"] == "Confirmez votre adresse sur L'Établi"
    assert "http://etabli.test/auth/verify/" in message.get_content()
    assert outbox.messages == []


def test_a_mail_server_that_is_down_does_not_break_registration(app_factory, caplog):
    app = app_factory(MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port())

    response = _register(app.test_client())

    assert response.status_code == 302
    assert "not sent" in caplog.text
    assert "lea@exemple.fr" not in caplog.text


# --- account mail is sent outside the request: a slow mail server tells nobody anything -----


class HeldUntilReleased(Recorder):
    """An SMTP server that keeps each message waiting until the test lets it through."""

    def __init__(self):
        super().__init__()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 30)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def held_smtp_server():
    recorder = HeldUntilReleased()
    yield from _serve(recorder, before_stop=recorder.release.set)


@pytest.fixture
def server_with_held_mail(app_factory, held_smtp_server, tmp_path):
    controller, recorder = held_smtp_server
    overrides = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": controller.port}
    if not IS_POSTGRES:  # a server thread needs a file, not the in-memory database
        overrides["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'mail.db'}"
    app = app_factory(**overrides)
    with app.app_context():
        make_user(username="lea", email="lea@exemple.fr")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", recorder
    recorder.release.set()
    server.shutdown()
    thread.join(timeout=5)


def _post(url: str, path: str, fields: dict[str, str]) -> int:
    """POST FIELDS and read the whole answer; a request waiting on SMTP never gets one."""
    request = urllib.request.Request(url + path, data=urllib.parse.urlencode(fields).encode())
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=15) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _wait_for(recorder, count: int) -> list:
    deadline = time.monotonic() + 15
    while len(recorder.envelopes) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return recorder.envelopes


@pytest.mark.parametrize(
    ("path", "fields", "recipient"),
    [
        ("/auth/reset", {"email": "lea@exemple.fr"}, "lea@exemple.fr"),
        (
            "/auth/register",
            {
                "email": "lea@exemple.fr",
                "username": "autre",
                "password": PASSWORD,
                "accept_terms": "y",
            },
            "lea@exemple.fr",
        ),
        (
            "/auth/register",
            {
                "email": "zoe@exemple.fr",
                "username": "zoe",
                "password": PASSWORD,
                "accept_terms": "y",
            },
            "zoe@exemple.fr",
        ),
    ],
    ids=["reset", "address already registered", "verification"],
)
def test_account_mail_leaves_after_the_response(server_with_held_mail, path, fields, recipient):
    url, recorder = server_with_held_mail

    status = _post(url, path, fields)  # the SMTP server holds every message meanwhile
    recorder.release.set()

    assert status == 302
    (envelope,) = _wait_for(recorder, 1)
    assert envelope.rcpt_tos == [recipient]
