"""Settings come from the environment, with safe embedded defaults and generated secrets."""

import stat

import config
from forum import passwords


def test_the_instance_folder_holds_the_database_secrets_and_outbox(monkeypatch, tmp_path):
    monkeypatch.setenv("ETABLI_INSTANCE_PATH", str(tmp_path / "ailleurs"))
    for name in ("DATABASE_URL", "SECRET_KEY", "DATA_KEYS", "BLIND_INDEX_KEY"):
        monkeypatch.delenv(name, raising=False)

    values = config.load()

    folder = tmp_path / "ailleurs"
    assert values["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{folder / 'etabli.db'}"
    assert values["MAIL_OUTBOX"] == str(folder / "outbox")
    assert (folder / "secret_key").read_text().strip() == values["SECRET_KEY"]
    assert stat.S_IMODE((folder / "secret_key").stat().st_mode) == 0o600


def test_generated_secrets_are_kept_from_one_start_to_the_next(monkeypatch, tmp_path):
    monkeypatch.setenv("ETABLI_INSTANCE_PATH", str(tmp_path))
    for name in ("SECRET_KEY", "DATA_KEYS", "BLIND_INDEX_KEY"):
        monkeypatch.delenv(name, raising=False)

    first, second = config.load(), config.load()

    for name in ("SECRET_KEY", "DATA_KEYS", "BLIND_INDEX_KEY"):
        assert first[name] == second[name]
    assert len(first["SECRET_KEY"]) >= 32


def test_secrets_from_the_environment_win_and_are_not_written(monkeypatch, tmp_path):
    monkeypatch.setenv("ETABLI_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("DATA_KEYS", "a2V5LW9uZS0xMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMzQ=,b2xkLWtleQ==")

    values = config.load()

    assert values["SECRET_KEY"] == "from-the-environment"
    assert values["DATA_KEYS"] == ["a2V5LW9uZS0xMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMzQ=", "b2xkLWtleQ=="]
    assert not (tmp_path / "secret_key").exists()


def test_postgresql_urls_use_psycopg_3(monkeypatch, tmp_path):
    monkeypatch.setenv("ETABLI_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgres://etabli@db.example/etabli")

    assert (
        config.load()["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://etabli@db.example/etabli"
    )


def test_base_url_defaults_to_host_and_port_and_https_makes_cookies_secure(monkeypatch, tmp_path):
    monkeypatch.setenv("ETABLI_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("PORT", "9000")
    monkeypatch.delenv("BASE_URL", raising=False)
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    default = config.load()
    monkeypatch.setenv("BASE_URL", "https://etabli.example/")
    public = config.load()

    assert default["BASE_URL"] == "http://0.0.0.0:9000"
    assert not default["SESSION_COOKIE_SECURE"]
    assert public["BASE_URL"] == "https://etabli.example"
    assert public["SESSION_COOKIE_SECURE"] and public["REMEMBER_COOKIE_SECURE"]


def test_rate_limits_use_redis_when_redis_url_is_set(monkeypatch, tmp_path):
    monkeypatch.setenv("ETABLI_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")

    assert config.load()["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"


def test_rate_limits_can_be_switched_off(monkeypatch, tmp_path):
    monkeypatch.setenv("ETABLI_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("RATELIMIT_ENABLED", "false")

    assert config.load()["RATELIMIT_ENABLED"] is False


def test_passwords_are_hashed_with_owasps_argon2id_parameters_by_default(monkeypatch, tmp_path):
    """19 MiB a hash: RFC 9106's 64 MiB took a worker checking a password to 200 MB."""
    monkeypatch.setenv("ETABLI_INSTANCE_PATH", str(tmp_path))
    for name in ("ARGON2_TIME_COST", "ARGON2_MEMORY_COST", "ARGON2_PARALLELISM"):
        monkeypatch.delenv(name, raising=False)
    values = config.load()
    hasher = passwords.Hasher(
        time_cost=values["ARGON2_TIME_COST"],
        memory_cost=values["ARGON2_MEMORY_COST"],
        parallelism=values["ARGON2_PARALLELISM"],
    )

    assert hasher.hash("un mot de passe assez long").startswith("$argon2id$v=19$m=19456,t=2,p=1$")
