import pytest

from forum import passwords


@pytest.fixture(autouse=True)
def _context(app_ctx):
    yield


@pytest.mark.parametrize(
    "password",
    [
        "Tr7!kp#Vz2qL",  # 12 characters mixing the four kinds
        "la scie du menuisier chante",  # a lower-case passphrase
        "copeauxdebouleaux",  # 17 lower-case letters
    ],
)
def test_strong_passwords_pass(password):
    assert passwords.problem(password) is None


def test_seventeen_lower_case_letters_reach_eighty_bits_but_sixteen_do_not():
    assert passwords.problem("copeauxdeboulea") is not None
    assert passwords.problem("copeauxdebouleau") is not None
    assert passwords.problem("copeauxdebouleaux") is None


def test_eleven_characters_are_too_short_whatever_their_mix():
    message = passwords.problem("Tr7!kp#Vz2q")

    assert "12" in message


def test_twelve_lower_case_letters_are_too_weak():
    message = passwords.problem("abcdefghijkm")

    assert "trop facile" in message


def test_entropy_is_length_times_log2_of_the_alphabets_used():
    assert passwords.entropy_bits("aaaa") == pytest.approx(4 * 4.7004, rel=1e-3)
    assert passwords.entropy_bits("aA1!") == pytest.approx(4 * 6.6294, rel=1e-3)


@pytest.mark.parametrize(
    "password",
    ["motdepasse1234567890", "Azertyuiop123!", "P@ssw0rd2024!!!!", "Marseille13013!!"],
)
def test_common_passwords_and_their_decorations_are_refused(password):
    message = passwords.problem(password)

    assert message is not None
    assert "courants" in message


def test_a_password_containing_the_username_is_refused():
    message = passwords.problem("jeanne-dupont-2026!xyz", personal=("jeanne-dupont",))

    assert "nom d'utilisateur" in message


def test_long_passwords_are_accepted_whole_and_never_truncated(app_ctx):
    hasher = passwords.Hasher(time_cost=1, memory_cost=256, parallelism=1)
    long_password = " ".join(f"planche{n} de chêne massif" for n in range(12))  # 300 characters
    stored = hasher.hash(long_password)

    assert passwords.problem(long_password) is None
    assert hasher.verify(stored, long_password)
    assert not hasher.verify(stored, long_password[:-1])
    assert not hasher.verify(stored, long_password.upper())


def test_the_hasher_uses_argon2id_and_asks_for_a_rehash_when_parameters_change():
    weak = passwords.Hasher(time_cost=1, memory_cost=256, parallelism=1)
    strong = passwords.Hasher(time_cost=2, memory_cost=512, parallelism=1)
    stored = weak.hash("un mot de passe assez long")

    assert stored.startswith("$argon2id$")
    assert not weak.needs_rehash(stored)
    assert strong.needs_rehash(stored)


@pytest.mark.parametrize(
    "password", ["aaaaaaaaaaaaaaaaaaaaaaa!", "Ab1!Ab1!Ab1!Ab1!Ab1!", "établi " * 20]
)
def test_repetitions_are_refused(password):
    assert passwords.problem(password) is not None
