import pytest

from forum import usernames


@pytest.fixture(autouse=True)
def _context(app_ctx):
    yield


@pytest.mark.parametrize(
    "name", ["Jérôme", "julien-boulanger", "sophie_ebeniste", "MOF2027", "abc"]
)
def test_ordinary_usernames_are_accepted(name):
    assert usernames.problem(name) is None


@pytest.mark.parametrize(
    "name",
    ["ab", "a" * 31, "jean luc", "jean.luc", "<script>", "_jean", "-jean", "jean@luc", "é\u0301"],
)
def test_usernames_of_the_wrong_shape_are_refused(name):
    assert usernames.problem(name) is not None


@pytest.mark.parametrize("name", ["аdmin", "раul", "ΑΒΓ123"])  # Cyrillic/Greek look-alikes
def test_usernames_imitating_latin_letters_are_refused(name):
    message = usernames.problem(name)

    assert message is not None
    assert "imitent" in message


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Paul", "paul"),
        ("Jérôme", "jerome"),
        ("paulo", "paul0"),
        ("Il", "ll"),
        ("jean_luc", "jean-luc"),
    ],
)
def test_look_alike_usernames_share_a_key(first, second):
    assert usernames.key(first) == usernames.key(second)


def test_different_usernames_have_different_keys():
    assert usernames.key("camille") != usernames.key("camilla")
