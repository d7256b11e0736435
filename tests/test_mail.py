"""Mail leaves through one module: .eml files in the outbox, or a real SMTP server."""

import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller

from tests.factories import PASSWORD


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


@pytest.fixture
def smtp_server():
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield controller, recorder
    controller.stop()


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
