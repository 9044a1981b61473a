"""Deterministic fixture chats: ``generate_chats(seed, count)`` gives the same chats on every machine.

Chat *i* is a pure function of ``(seed, i, accounts)``: it draws from a ``random.Random`` seeded
with a string naming the seed and the index, and from word pools picked once per seed from the
committed ``pools.json`` (see ``pools``). So output is byte-identical for a seed on every machine,
whatever else is installed, the generator streams in constant memory
to any count, and the first N chats of a larger dataset are the chats of a smaller one.

The mix aims at the contract's corners as much as at realism: every optional field is sometimes
absent, every nullable field sometimes ``null``, every enum value appears, and the edge cases a
client trips on (ties in ``lastActivity``, chats without it, empty participant lists, groups past
the 20-participant cap, emoji, right-to-left and very long titles, huge unread counts) recur in
any few hundred chats. ``tests/test_generate.py`` checks this coverage against ``openapi.yaml``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from fake_beeper.contract import spec
from fake_beeper.data.identities import (
    Account,
    MergeRole,
    chat_id,
    make_accounts,
    merge_role,
    merged_chat_id,
    remote_user_id,
    rng_for,
    unique_number,
    user_id,
)
from fake_beeper.data.messages import MessageContext, Sender, dimensions, preview_message
from fake_beeper.data.networks import Network
from fake_beeper.data.pools import EMOJI, NAME_LOCALES, Pools, pools
from fake_beeper.defaults import DEFAULT_ACCOUNTS, DEFAULT_COUNT, DEFAULT_SEED
from fake_beeper.timestamps import to_iso

__all__ = ["DEFAULT_ACCOUNTS", "DEFAULT_COUNT", "DEFAULT_SEED", "generate_chats"]
PARTICIPANT_CAP = 20  # "List and search endpoints return up to 20 participants per chat."
NOW = 1_793_534_400_000  # 2026-11-01T12:00:00.000Z: the generated world's "now", fixed for determinism
_DAY = 86_400_000
_TIES_EVERY = 40  # chats in a block of 40 may share one "burst" instant: ties in lastActivity
_AVATARS = "file:///Users/me/Library/Application Support/BeeperTexts/media"


@dataclass(frozen=True)
class Person:
    remote: str
    name: str
    handle: str
    phone: str


@dataclass(frozen=True)
class Identity:
    """Who a chat is with, computed before (and independently of) the rest of the chat."""

    id: str
    account: Account
    type: str  # "single" | "group"
    person: Person | None  # the other side of a single chat
    merge: MergeRole | None


def generate_chats(seed: int = DEFAULT_SEED, count: int = DEFAULT_COUNT,
                   accounts: int = DEFAULT_ACCOUNTS, *, first: int = 0) -> Iterator[dict[str, Any]]:
    """Yield ``count`` chats (``ChatListResponse`` objects) for ``seed``, in index order.

    ``first`` skips ahead: chat *i* depends only on the seed and *i*, so the chats from ``first``
    on are the same as in one long run, and ranges can be generated in parallel.
    """
    if count < 0 or first < 0:
        raise ValueError("count and first must be zero or more")
    if accounts < 1:
        raise ValueError("there must be at least one account")
    world = _World(seed, make_accounts(seed, accounts), pools(seed))
    for index in range(first, first + count):
        yield world.chat(index)


@dataclass(frozen=True)
class _World:
    seed: int
    accounts: tuple[Account, ...]
    pools: Pools

    def person(self, rng: random.Random) -> Person:
        """Someone to chat with; ``remote`` (their network ID) is filled in by the caller."""
        locale = rng.choice(("en_US", "en_GB")) if rng.random() < 0.6 else rng.choice(NAME_LOCALES)
        name = rng.choice(self.pools.names[locale])
        handle = rng.choice(self.pools.user_names)
        return Person(remote="", name=name, handle=handle, phone=f"+1555{rng.randrange(10**7):07d}")

    def identity(self, index: int) -> Identity:
        role = merge_role(index)
        if role is not None:
            return self._merge_identity(index, role)
        rng = rng_for(self.seed, index, "identity")
        account = rng.choice(self.accounts)
        number = unique_number(self.seed, index)
        if rng.random() < 0.35:
            return Identity(chat_id(account, f"g{number:010d}"), account, "group", None, None)
        person = self.person(rng)
        person = replace(person, remote=remote_user_id(account.network, number, person.handle))
        return Identity(chat_id(account, person.remote), account, "single", person, None)

    def _merge_identity(self, index: int, role: MergeRole) -> Identity:
        """One person across several accounts: a merged chat and its member chats."""
        rng = rng_for(self.seed, role.head_index, "person")
        person = self.person(rng)
        first = rng.randrange(len(self.accounts))
        member = 0 if role.is_head else index - role.head_index - 1
        account = self.accounts[(first + member) % len(self.accounts)]
        person = replace(person, remote=remote_user_id(account.network, unique_number(self.seed, index), person.handle))
        ident = merged_chat_id(self.seed, role.head_index) if role.is_head else chat_id(account, person.remote)
        return Identity(ident, account, "single", person, role)

    def last_activity(self, index: int) -> int | None:
        """Milliseconds of the chat's last activity, or ``None`` for a chat that never had any."""
        role = merge_role(index)
        if role is not None and role.is_head:  # a merged chat is as recent as its latest member
            members = [self.last_activity(i) for i in role.member_indexes]
            return max((m for m in members if m is not None), default=None)
        rng = rng_for(self.seed, index, "time")
        roll = rng.random()
        if roll < 0.02:
            return None
        if roll < 0.08:  # a shared instant: ties that a cursor must break
            burst = rng_for(self.seed, index // _TIES_EVERY, "burst")
            return NOW - burst.randrange(0, 400 * _DAY // 1000) * 1000
        return NOW - min(int(rng.expovariate(1 / (30 * _DAY))), 3 * 365 * _DAY)

    def chat(self, index: int) -> dict[str, Any]:
        ident = self.identity(index)
        rng = rng_for(self.seed, index, "chat")
        network = ident.account.network
        participants, senders = self._participants(rng, ident)
        chat: dict[str, Any] = {
            "id": ident.id,
            "accountID": ident.account.id,
            "network": network.name,
            "participants": participants,
            "title": self._title(rng, ident),
            "type": ident.type,
            "unreadCount": _unread_count(rng),
        }
        if rng.random() < 0.88:
            chat["capabilities"] = self._capabilities(rng, ident)
        _optional_nullable(rng, chat, "description",
                           rng.choice(self.pools.sentences) if ident.type == "group" else None)
        _optional_nullable(rng, chat, "draft", self._draft(rng, index), present=0.25)
        _optional_nullable(rng, chat, "imgURL", f"{_AVATARS}/{rng.getrandbits(64):016x}.jpg")
        for flag, p_true in (("isArchived", 0.1), ("isLowPriority", 0.05), ("isMarkedUnread", 0.05),
                             ("isMuted", 0.15), ("isPinned", 0.05), ("isReadOnly", 0.03)):
            if rng.random() < 0.8:
                chat[flag] = rng.random() < p_true
        if rng.random() < 0.2:
            chosen = rng.sample(self.pools.labels, k=rng.randrange(1, min(3, len(self.pools.labels)) + 1))
            chat["labels"] = [{"id": label_id, "name": name} for label_id, name in chosen]
        millis = self.last_activity(index)
        if millis is not None:
            chat["lastActivity"] = to_iso(millis)
        if rng.random() < 0.85:
            chat["lastReadMessageSortKey"] = str(rng.randrange(10**11, 10**12))
        _optional_nullable(rng, chat, "localChatID", str(rng.randrange(1, 200_000)))
        self._merge_fields(rng, ident, chat)
        _optional_nullable(rng, chat, "messageExpirySeconds", rng.choice((86_400, 604_800, 7_776_000)))
        _optional_nullable(rng, chat, "reminder", _reminder(rng, millis), present=0.15)
        _optional_nullable(rng, chat, "snooze", _snooze(rng, millis), present=0.15)
        if rng.random() < 0.8:
            chat["unreadMentionsCount"] = 0 if rng.random() < 0.85 else min(chat["unreadCount"], rng.randrange(1, 9))
        if senders and (millis is not None or rng.random() < 0.3) and rng.random() < 0.93:
            ctx = MessageContext(ident.id, ident.account.id, ident.type == "group", senders,
                                 millis if millis is not None else NOW - 900 * _DAY)
            chat["preview"] = preview_message(rng, self.pools, ctx)
            _read_state_agrees(chat, chat["preview"])
        return chat

    def _participants(self, rng: random.Random, ident: Identity) -> tuple[dict[str, Any], tuple[Sender, ...]]:
        network = ident.account.network
        me = {"id": ident.account.self_user_id, "fullName": "Me", "isSelf": True}
        if ident.type == "single" and ident.person is not None:  # a single chat always has its person
            roll = rng.random()
            if roll < 0.01:  # a chat whose participants the bridge has not synced yet
                return {"hasMore": False, "items": [], "total": 0}, ()
            other = self._user(rng, ident.person, ident.account)
            items = [other, me]
        else:
            roll = rng.random()
            if roll < 0.02:
                return {"hasMore": False, "items": [], "total": 0}, ()
            total = rng.randrange(21, 1200) if roll < 0.2 else rng.randrange(3, 16)
            shown = min(total, PARTICIPANT_CAP)
            items = [me] + [
                self._user(rng, _person_from(self.person(rng), network, rng), ident.account, group=True)
                for _ in range(shown - 1)
            ]
            rng.shuffle(items)
        total = len(items) if ident.type == "single" else total
        senders = tuple(Sender(u["id"], u.get("fullName"), u.get("isSelf", False)) for u in items)
        return {"hasMore": total > len(items), "items": items, "total": total}, senders

    def _user(self, rng: random.Random, person: Person, account: Account, group: bool = False) -> dict[str, Any]:
        network = account.network
        user: dict[str, Any] = {"id": user_id(network, person.remote)}
        if rng.random() < 0.95:
            user["fullName"] = person.name if rng.random() < 0.97 else f"{person.name} {rng.choice(EMOJI)}"
        if network.user_ids == "phone" or rng.random() < 0.1:
            user["phoneNumber"] = person.phone
        if network.user_ids in ("handle", "snowflake", "slack") or rng.random() < 0.3:
            user["username"] = f"@{person.handle}"
        if rng.random() < 0.15:
            user["email"] = f"{person.handle}@{rng.choice(self.pools.domains)}"
        if rng.random() < 0.5:
            user["imgURL"] = f"mxc://{network.homeserver}/{rng.getrandbits(80):020x}"
        if rng.random() < 0.7:
            user["isSelf"] = False
        if rng.random() < 0.4:
            user["cannotMessage"] = rng.random() < 0.1
        if group:
            for flag, p_true in (("isAdmin", 0.15), ("isNetworkBot", 0.03), ("isPending", 0.05)):
                if rng.random() < 0.6:
                    user[flag] = rng.random() < p_true
        return user

    def _title(self, rng: random.Random, ident: Identity) -> str:
        roll = rng.random()
        if roll < 0.015:  # very long titles break layouts
            return " ".join(rng.choice(self.pools.sentences) for _ in range(8))
        if ident.person is not None:
            return ident.person.name if ident.person.name else ident.person.phone
        if roll < 0.1:
            return rng.choice(self.pools.rtl_group_names)
        if roll < 0.2:
            return f"{rng.choice(EMOJI)} {rng.choice(self.pools.group_names)} {rng.choice(EMOJI)}"
        return rng.choice(self.pools.group_names)

    def _capabilities(self, rng: random.Random, ident: Identity) -> dict[str, Any]:
        capabilities = dict(ident.account.network.capabilities)
        if ident.type == "group" and "participantActions" not in capabilities:
            capabilities["participantActions"] = {"ban": 0, "invite": 1, "kick": 1, "leave": 2, "revokeInvite": 0}
        varied: dict[str, Any] = _vary(rng, capabilities, spec.component("ChatCapabilities"))
        return varied

    def _draft(self, rng: random.Random, index: int) -> dict[str, Any]:
        draft: dict[str, Any] = {"text": rng.choice(self.pools.sentences)}
        if rng.random() < 0.4:
            attachment_id = f"draft-{index}-{rng.getrandbits(32):08x}"
            kind = rng.choice(("file", "gif", "recorded_audio"))
            attachment: dict[str, Any] = {"id": attachment_id, "type": kind}
            if kind == "recorded_audio":
                attachment.update(audioDurationSeconds=round(rng.uniform(1, 120), 1), mimeType="audio/ogg")
            else:
                name = f"{rng.choice(self.pools.words)}.{'gif' if kind == 'gif' else 'png'}"
                attachment.update(fileName=name, filePath=f"/tmp/beeper/drafts/{name}",
                                  fileSize=rng.randrange(1_000, 5_000_000), size=dimensions(rng, 640, 480))
                if rng.random() < 0.8:
                    attachment["mimeType"] = "image/gif" if kind == "gif" else "image/png"
                if kind == "gif" and rng.random() < 0.5:
                    attachment["stickerID"] = f"sticker-{rng.getrandbits(32):08x}"
            draft["attachments"] = {attachment_id: attachment}
        return draft

    def _merge_fields(self, rng: random.Random, ident: Identity, chat: dict[str, Any]) -> None:
        role = ident.merge
        if role is None:
            return
        if role.is_head:
            members = [self.identity(i).id for i in role.member_indexes]
            chat["merge"] = {"chatIDs": members}
            if rng.random() < 0.5:
                chat["merge"]["defaultChatID"] = rng.choice(members)
        else:
            chat["mergedIntoChatID"] = merged_chat_id(self.seed, role.head_index)


def _person_from(person: Person, network: Network, rng: random.Random) -> Person:
    """A group member: random rather than unique IDs, since users may recur across chats."""
    return replace(person, remote=remote_user_id(network, rng.getrandbits(32), person.handle))


_ANY: Mapping[str, Any] = {}  # the schema of a key no schema names: one object, so the walker's cache keeps one node


def _vary(rng: random.Random, value: Any, schema: Mapping[str, Any]) -> Any:
    """Walk a network's capability profile beside its schema, as bridges differ in what they report.

    Now and then an optional key is left out, and a support level (any ``SupportLevel`` in the
    schema, found by its ``$ref``) is swapped for another of the contract's levels.
    """
    if schema.get("$ref", "").endswith("/SupportLevel"):
        return rng.choice(spec.component("SupportLevel")["enum"]) if rng.random() < 0.4 else value
    if not isinstance(value, dict):
        return value
    node = spec.schemas().node(schema)
    varied = {}
    for key, item in value.items():
        if key in node.properties and key not in node.required and rng.random() < 0.08:
            continue
        extra = node.additional
        item_schema = node.properties.get(key, extra if isinstance(extra, Mapping) else _ANY)
        varied[key] = _vary(rng, item, item_schema)
    return varied


def _read_state_agrees(chat: dict[str, Any], preview: dict[str, Any]) -> None:
    """Make ``unreadCount``, ``lastReadMessageSortKey`` and the preview tell one story (the
    history of ``data/history.py`` is fitted to them): a chat whose newest message is the user's
    own has nothing unread; the last read message is the preview when nothing is, else one with a
    lower sort key, with room for the unread ones between. Reads no more of the generator, so
    every other field is as it was."""
    own = {person["id"] for person in chat["participants"]["items"] if person.get("isSelf")}
    if preview.get("isSender") or preview["senderID"] in own:
        chat["unreadCount"] = 0
    unread = chat["unreadCount"]
    if unread == 0 and chat.get("unreadMentionsCount"):
        chat["unreadMentionsCount"] = 0
    if "isUnread" in preview:
        preview["isUnread"] = unread > 0
    if "lastReadMessageSortKey" in chat:
        drawn = int(chat["lastReadMessageSortKey"])
        newest = int(preview["sortKey"])
        chat["lastReadMessageSortKey"] = str(newest - unread * (1 + drawn % 5_000)) if unread else str(newest)


def _unread_count(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.55:
        return 0
    if roll < 0.97:
        return int(rng.expovariate(1 / 6)) + 1
    return rng.randrange(1_000, 250_000)


def _optional_nullable(rng: random.Random, chat: dict[str, Any], key: str, value: Any,
                       present: float = 0.5) -> None:
    """Give a field of the ``T | null`` kind its three states: a value, ``null``, or absent."""
    roll = rng.random()
    if roll < present and value is not None:
        chat[key] = value
    elif roll < present + (1 - present) / 2:
        chat[key] = None


def _reminder(rng: random.Random, millis: int | None) -> dict[str, Any]:
    reminder: dict[str, Any] = {}
    if rng.random() < 0.9:
        reminder["remindAt"] = to_iso((millis or NOW) + rng.randrange(1, 14) * _DAY)
    if rng.random() < 0.7:
        reminder["dismissOnIncomingMessage"] = rng.random() < 0.5
    return reminder


def _snooze(rng: random.Random, millis: int | None) -> dict[str, Any]:
    snooze: dict[str, Any] = {}
    start = (millis or NOW) + rng.randrange(1, 3_600_000)
    if rng.random() < 0.9:
        snooze["snoozeUntil"] = to_iso(start + rng.randrange(1, 7) * _DAY)
    if rng.random() < 0.8:
        snooze["userSnoozedAt"] = to_iso(start)
    return snooze



def more_participants(chat: dict[str, Any], count: int) -> list[dict[str, Any]]:
    """``count`` members of a group chat beyond the ones it shows, the same on every call.

    A chat in a list shows at most 20 participants (and a fixture file holds no more), while
    ``GET /v1/chats/{chatID}`` returns up to 500, or all: the rest of a chat's ``total`` is made up
    here, from the chat's ID, with the default seed's names, on the chat's homeserver.
    """
    rng = rng_for(DEFAULT_SEED, chat["id"], "more participants")
    word_pools = pools(DEFAULT_SEED)
    shown = chat["participants"]["items"]
    server = shown[0]["id"].partition(":")[2] if shown and ":" in shown[0]["id"] else "beeper.local"
    members = []
    for n in range(count):
        locale = rng.choice(NAME_LOCALES)
        handle = rng.choice(word_pools.user_names)
        member: dict[str, Any] = {"id": f"@{handle.lower()}_m{n}:{server}",
                                  "fullName": rng.choice(word_pools.names[locale]), "isSelf": False}
        if rng.random() < 0.3:
            member["username"] = f"@{handle}"
        members.append(member)
    return members
