"""Around the chat list: the accounts, a list filtered by one of them, a search, one whole chat."""

from beeper_desktop_api import BeeperDesktop

from fake_beeper import FakeBeeper


def test_accounts_then_their_chats_then_a_search_then_one_chat(fake_beeper: FakeBeeper) -> None:
    client = BeeperDesktop(base_url=fake_beeper.base_url, access_token=fake_beeper.token,
                           http_client=fake_beeper.http_client(), _strict_response_validation=True)

    accounts = client.accounts.list()
    whatsapp = next(account for account in accounts if account.network == "WhatsApp")
    its_chats = list(client.chats.list(account_ids=[whatsapp.account_id]))
    found = list(client.chats.search(query="ali", scope="titles"))
    group = next(chat for chat in client.chats.search(type="group") if chat.participants.total > 20)
    everyone = client.chats.retrieve(group.id, max_participant_count=-1)

    # Twelve accounts in the default data, each with chats; every chat of the filter is theirs.
    assert len(accounts) == 12 and its_chats
    assert {chat.account_id for chat in its_chats} == {whatsapp.account_id}
    # "ali" matches the start of a word of a title: "Alicia Johns"
    assert [chat.title for chat in found] == ["Alicia Johns"]
    # A list or search shows 20 participants; the chat itself shows them all.
    assert len(group.participants.items) == 20 and group.participants.has_more
    assert len(everyone.participants.items) == everyone.participants.total
    assert everyone.participants.has_more is False
