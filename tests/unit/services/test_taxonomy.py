import pytest
from sqlalchemy import func, select

from forum.errors import InvalidInput, NotAllowed
from forum.extensions import db
from forum.models import Role, Topic, Trade, TradeGroup
from forum.services import taxonomy
from tests.factories import make_thread, make_user


@pytest.fixture
def admin(app_ctx):
    return make_user(role=Role.ADMIN)


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_loading_the_reference_taxonomy_is_idempotent(app_ctx):
    first = taxonomy.load_reference()
    second = taxonomy.load_reference()

    assert (first.groups, first.topics) == (17, 11) and first.trades > 100
    assert (second.groups, second.trades, second.topics) == (0, 0, 0)
    assert _count(Trade) == first.trades and _count(TradeGroup) == 17


def test_the_reference_copy_matches_the_shared_taxonomy():
    from pathlib import Path

    shared = Path(__file__).resolve().parents[4] / "shared" / "data" / "mof_taxonomy.json"
    if not shared.exists():
        pytest.skip("no ../shared beside this checkout")

    assert taxonomy.REFERENCE.read_text(encoding="utf-8") == shared.read_text(encoding="utf-8")


def test_a_renamed_trade_keeps_its_old_address(app_ctx, admin):
    taxonomy.load_reference()
    trade = taxonomy.get_trade("boulangerie")

    taxonomy.rename(admin, trade, name="Boulangerie-viennoiserie")

    assert trade.slug == "boulangerie-viennoiserie"
    assert taxonomy.get_trade("boulangerie").id == trade.id
    assert taxonomy.load_reference().trades == 0  # the old slug does not come back


def test_renaming_to_a_name_already_used_is_refused(app_ctx, admin):
    taxonomy.load_reference()

    with pytest.raises(InvalidInput) as error:
        taxonomy.rename(admin, taxonomy.get_trade("glacier"), name="Boulangerie")

    assert error.value.field == "name"


def test_merging_trades_moves_their_threads_and_redirects(app_ctx, admin):
    taxonomy.load_reference()
    both = make_thread(trades=("glacier", "chocolaterie-confiserie"))
    only_source = make_thread(trades=("glacier",))
    source, target = taxonomy.get_trade("glacier"), taxonomy.get_trade("chocolaterie-confiserie")

    taxonomy.merge(admin, source, target)

    assert taxonomy.get_trade("glacier").id == target.id
    assert [t.slug for t in both.trades] == ["chocolaterie-confiserie"]
    assert [t.slug for t in only_source.trades] == ["chocolaterie-confiserie"]
    assert target.thread_count == 2 and source.thread_count == 0
    assert not source.is_active


def test_merging_topics_moves_their_threads(app_ctx, admin):
    thread = make_thread(topic="divers")
    source, target = taxonomy.get_topic("divers"), taxonomy.get_topic("vie-pratique")

    taxonomy.merge(admin, source, target)

    assert thread.topic_id == target.id and target.thread_count == 1
    assert taxonomy.get_topic("divers").id == target.id


def test_a_retired_trade_keeps_its_threads_and_can_be_restored(app_ctx, admin):
    thread = make_thread(trades=("glacier",))
    trade = taxonomy.get_trade("glacier")

    taxonomy.set_retired(admin, trade, retired=True)
    retired_list = taxonomy.list_trades()
    taxonomy.set_retired(admin, trade, retired=False)

    assert trade not in retired_list
    assert [t.slug for t in thread.trades] == ["glacier"]
    assert trade in taxonomy.list_trades()


def test_admins_can_add_a_trade_and_a_topic(app_ctx, admin):
    taxonomy.load_reference()
    group = db.session.scalar(select(TradeGroup).where(TradeGroup.slug == "alimentation"))

    trade = taxonomy.create_trade(admin, name="Crêperie", group_id=group.id)
    topic = taxonomy.create_topic(admin, name="Santé et sécurité")

    assert trade.slug == "creperie" and trade.group_id == group.id
    assert taxonomy.get_topic("sante-et-securite").id == topic.id


@pytest.mark.parametrize("role", [Role.MEMBER, Role.MODERATOR, Role.COET_STAFF])
def test_only_admins_change_the_taxonomy(app_ctx, role):
    taxonomy.load_reference()
    actor = make_user(role=role)

    with pytest.raises(NotAllowed):
        taxonomy.rename(actor, taxonomy.get_topic("divers"), name="Autres")
    with pytest.raises(NotAllowed):
        taxonomy.create_topic(actor, name="Nouveau")


def test_a_topic_cannot_be_merged_into_itself(app_ctx, admin):
    taxonomy.load_reference()
    topic = taxonomy.get_topic("divers")

    with pytest.raises(InvalidInput):
        taxonomy.merge(admin, topic, topic)

    assert db.session.get(Topic, topic.id).merged_into_id is None


def test_an_entry_already_merged_cannot_be_merged_again(app_ctx, admin):
    taxonomy.load_reference()
    glacier, chocolat, primeur = (
        taxonomy.get_trade(s) for s in ("glacier", "chocolaterie-confiserie", "primeur")
    )
    taxonomy.merge(admin, glacier, chocolat)

    with pytest.raises(InvalidInput):
        taxonomy.merge(admin, glacier, primeur)

    assert taxonomy.get_trade("glacier").id == chocolat.id


def test_a_name_taken_by_a_concurrent_request_is_refused_not_a_crash(app_ctx, admin, monkeypatch):
    taxonomy.load_reference()
    monkeypatch.setattr(taxonomy, "_free_slug", lambda model, kind, name, own: "boulangerie")

    with pytest.raises(InvalidInput) as error:
        taxonomy.rename(admin, taxonomy.get_trade("glacier"), name="Boulangerie")

    assert error.value.field == "name"
    assert taxonomy.get_trade("glacier") is not None
