"""Members and their roles."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Enum, ForeignKey, String, Table, Text, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from forum.models.base import Base, utcnow
from forum.models.taxonomy import Trade
from gdpr.annotations import not_personal, personal


class Role(StrEnum):
    MEMBER = "member"
    MODERATOR = "moderator"
    ADMIN = "admin"
    COET_STAFF = "coet_staff"


IDENTITY = personal(
    "identity", purpose="account and attribution", basis="contract", retention="account"
)
# The ciphertext and its look-up hash: the export gives the address itself instead.
CONTACT_ENCRYPTED = personal(
    "contact",
    purpose="account and notifications",
    basis="contract",
    retention="account",
    export=False,
    encrypted=True,
)
CONTACT_STORED = personal(
    "contact",
    purpose="account and notifications",
    basis="contract",
    retention="account",
    export=False,
)
SECURITY = personal(
    "security", purpose="authentication", basis="contract", retention="account", export=False
)
SECURITY_ENCRYPTED = personal(
    "security",
    purpose="authentication",
    basis="contract",
    retention="account",
    export=False,
    encrypted=True,
)
# The account's number: how the rest of the data points at the member.
ACCOUNT_KEY = personal(
    "identity", purpose="account", basis="contract", retention="account", export=False
)
ACCOUNT = personal("account", purpose="account", basis="contract", retention="account")
PREFERENCE = personal(
    "preference", purpose="interface language", basis="contract", retention="account"
)
PROFILE = personal("profile", purpose="member profile", basis="consent", retention="account")
PROFILE_RENDERED = personal(
    "profile", purpose="member profile", basis="consent", retention="account", export=False
)
NOTIFYING = personal("preference", purpose="notification", basis="contract", retention="account")
VISIBILITY = personal(
    "preference", purpose="optional purposes chosen", basis="consent", retention="account"
)

SANCTION = personal(
    "moderation", purpose="moderation", basis="legitimate_interest", retention="account"
)
RESTRICTION = personal(
    "legal", purpose="restriction of processing", basis="legal_obligation", retention="account"
)

user_trades = Table(
    "user_trades",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, info=PROFILE),
    Column("trade_id", ForeignKey("trades.id"), primary_key=True, index=True, info=PROFILE),
    info={"subject": "user_id"},
)


class User(Base):
    __tablename__ = "users"
    # AUTOINCREMENT: SQLite must never give an erased member's id to a new account, since
    # proofs kept after erasure (consents, requests) refer to it.
    __table_args__ = {"info": {"subject": "id"}, "sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True, info=ACCOUNT_KEY)
    username: Mapped[str] = mapped_column(String(30), info=IDENTITY)
    # Look-alike-proof form of the username (case, accents, confusable digits): unique.
    username_key: Mapped[str] = mapped_column(String(60), unique=True, info=IDENTITY)
    # The e-mail address is stored encrypted; the keyed hash serves look-ups and uniqueness.
    email_encrypted: Mapped[str] = mapped_column(Text, info=CONTACT_ENCRYPTED)
    email_hash: Mapped[str] = mapped_column(String(64), unique=True, info=CONTACT_STORED)
    password_hash: Mapped[str] = mapped_column(String(255), info=SECURITY)
    role: Mapped[Role] = mapped_column(
        Enum(
            Role,
            native_enum=False,
            create_constraint=True,
            length=20,
            name="role",
            values_callable=lambda roles: [role.value for role in roles],
        ),
        default=Role.MEMBER,
        info=ACCOUNT,
    )
    locale: Mapped[str | None] = mapped_column(String(8), info=PREFERENCE)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, info=ACCOUNT)
    email_verified_at: Mapped[datetime | None] = mapped_column(info=ACCOUNT)
    last_login_at: Mapped[datetime | None] = mapped_column(info=ACCOUNT)
    # Retention of inactive accounts: warned by e-mail first, erased later unless they log in.
    inactivity_warned_at: Mapped[datetime | None] = mapped_column(info=ACCOUNT)
    password_changed_at: Mapped[datetime | None] = mapped_column(info=ACCOUNT)

    # Profile: each field beyond the username is shown only if the member chose to show it.
    display_name: Mapped[str | None] = mapped_column(String(60), info=PROFILE)
    region_code: Mapped[str | None] = mapped_column(String(8), info=PROFILE)
    edition: Mapped[int | None] = mapped_column(info=PROFILE)
    bio_source: Mapped[str] = mapped_column(Text, default="", server_default="", info=PROFILE)
    bio_html: Mapped[str] = mapped_column(
        Text, default="", server_default="", info=PROFILE_RENDERED
    )
    show_display_name: Mapped[bool] = mapped_column(
        default=False, server_default=false(), info=VISIBILITY
    )
    show_trades: Mapped[bool] = mapped_column(
        default=False, server_default=false(), info=VISIBILITY
    )
    show_region: Mapped[bool] = mapped_column(
        default=False, server_default=false(), info=VISIBILITY
    )
    show_edition: Mapped[bool] = mapped_column(
        default=False, server_default=false(), info=VISIBILITY
    )
    show_bio: Mapped[bool] = mapped_column(default=False, server_default=false(), info=VISIBILITY)

    # Two-factor authentication (TOTP): the secret encrypted, recovery codes as hashes.
    totp_secret_encrypted: Mapped[str | None] = mapped_column(String(500), info=SECURITY_ENCRYPTED)
    two_factor_enabled_at: Mapped[datetime | None] = mapped_column(info=SECURITY)
    recovery_codes: Mapped[str | None] = mapped_column(Text, info=SECURITY)  # JSON of SHA-256
    # The last time step whose code was accepted: a code works once (no replay in its window).
    totp_last_step: Mapped[int | None] = mapped_column(info=SECURITY)

    # Sanctions: a suspended or banned member reads and keeps their privacy rights, but cannot post.
    posting_blocked_until: Mapped[datetime | None] = mapped_column(info=SANCTION)

    # Restriction of processing (art. 18): frozen while a dispute is examined.
    restricted_at: Mapped[datetime | None] = mapped_column(info=RESTRICTION)
    restriction_reason: Mapped[str | None] = mapped_column(String(500), info=RESTRICTION)

    # Optional purposes, each with its own consent (off by default, logged in gdpr_consent_events).
    notify_by_email: Mapped[bool] = mapped_column(
        default=False, server_default=false(), info=VISIBILITY
    )
    in_directory: Mapped[bool] = mapped_column(
        default=False, server_default=false(), info=VISIBILITY
    )
    # How notices reach the member: e-mails one by one, or one a day (digest); whether posting
    # in a thread follows it; everything older than `all_read_at` counts as read.
    email_digest: Mapped[bool] = mapped_column(
        default=False, server_default=false(), info=NOTIFYING
    )
    follow_on_post: Mapped[bool] = mapped_column(
        default=True, server_default=true(), info=NOTIFYING
    )
    all_read_at: Mapped[datetime | None] = mapped_column(info=NOTIFYING)
    # Whether other members may start a private conversation with them.
    accepts_messages: Mapped[bool] = mapped_column(
        default=True, server_default=true(), info=NOTIFYING
    )

    trades: Mapped[list[Trade]] = relationship(secondary=user_trades, order_by=Trade.name)

    # Flask-Login's protocol. The session id names the signed-in device as well as the member
    # (see Device); it is set when the session is opened or loaded, never stored on the row.
    is_anonymous = False
    session_id = None  # str once a device session is opened or loaded; not a column

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return True

    @property
    def subject_ref(self) -> str:
        """How gdpr/'s tables name this member: an opaque reference, no foreign key."""
        return str(self.id)

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_restricted(self) -> bool:
        return self.restricted_at is not None

    @property
    def has_two_factor(self) -> bool:
        return self.two_factor_enabled_at is not None

    @property
    def is_suspended(self) -> bool:
        return self.posting_blocked_until is not None and self.posting_blocked_until > utcnow()

    @validates("role")
    def _refuse_staff_moderation(self, _key: str, role: Role) -> Role:
        """COET-MOF staff never moderate: such an account cannot become moderator or admin."""
        if self.role is Role.COET_STAFF and role in (Role.MODERATOR, Role.ADMIN):
            raise ValueError("a coet_staff account cannot become moderator or admin")
        return role

    def get_id(self) -> str:
        if self.session_id is None:
            raise RuntimeError("no device session opened for this member")
        return self.session_id

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}>"


LOGIN = personal(
    "connection", purpose="account security", basis="legitimate_interest", retention="login_history"
)
LOGIN_STORED = personal(
    "connection",
    purpose="account security",
    basis="legitimate_interest",
    retention="login_history",
    export=False,  # the export gives the address decrypted
    encrypted=True,
)


class LoginEvent(Base):
    """A successful login or a change to how the member logs in: when and from where (shown
    to the member, kept six months)."""

    __tablename__ = "login_events"
    __table_args__ = {"info": {"subject": "user_id"}}

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, info=LOGIN
    )
    at: Mapped[datetime] = mapped_column(index=True, info=LOGIN)
    ip_encrypted: Mapped[str | None] = mapped_column(String(500), info=LOGIN_STORED)
    # "login", or a change of two-factor authentication ("two_factor_enabled", …).
    kind: Mapped[str] = mapped_column(
        String(30), default="login", server_default="login", info=LOGIN
    )

    def __repr__(self) -> str:
        return f"<LoginEvent {self.id} {self.kind}>"


DEVICE = personal("connection", purpose="signed-in devices", basis="contract", retention="device")
DEVICE_SECRET = personal(
    "security", purpose="signed-in devices", basis="contract", retention="device", export=False
)
DEVICE_ENCRYPTED = personal(
    "security",
    purpose="signed-in devices",
    basis="contract",
    retention="device",
    export=False,
    encrypted=True,
)


class Device(Base):
    """A browser signed in to an account: a session exists only while its record does.

    The session and "remember me" cookies carry the device's random token; only its hash is
    stored. Logging out deletes the record, so a copy of either cookie is refused afterwards.
    """

    __tablename__ = "devices"
    __table_args__ = {"info": {"subject": "user_id"}}
    also_read = ()  # what the session's lookup read with the device (devices.load_session)

    id: Mapped[int] = mapped_column(primary_key=True, info=not_personal())
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True, info=DEVICE
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, info=DEVICE_SECRET)
    # "Firefox, Android": the browser family only, never the whole user-agent string.
    browser: Mapped[str] = mapped_column(String(80), info=DEVICE)
    created_at: Mapped[datetime] = mapped_column(info=DEVICE)
    last_seen_on: Mapped[date] = mapped_column(index=True, info=DEVICE)
    remembered: Mapped[bool] = mapped_column(default=False, info=DEVICE)
    # A two-factor secret being enrolled from this device (never in the cookie), encrypted:
    # only this device can confirm it, and only for a few minutes.
    totp_pending_encrypted: Mapped[str | None] = mapped_column(String(500), info=DEVICE_ENCRYPTED)
    totp_pending_at: Mapped[datetime | None] = mapped_column(info=DEVICE_SECRET)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<Device {self.id} of {self.user_id}>"
