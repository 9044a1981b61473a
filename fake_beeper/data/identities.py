"""Beeper-shaped identifiers: accounts, users and chat IDs, derived from (seed, index) alone.

Real IDs look like ``!whatsapp_15550101002:ba_EvYDBBsZbRQAy3UOSWqG0LuTVkc.local-whatsapp.localhost``
(chat), ``local-whatsapp_ba_EvYDBBsZbRQAy3UOSWqG0LuTVkc`` (account) and
``@15550101002:local-whatsapp.localhost`` (user). Each chat's identity is a pure function of the
seed and its index, so a merged chat can name its member chats (and they it) without the
generator holding earlier chats in memory.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass

from fake_beeper.data.networks import NETWORKS, Network

_TOKEN_ALPHABET = string.ascii_letters + string.digits
# One merge block every MERGE_EVERY chats: a merged chat followed by its two member chats.
MERGE_EVERY = 53
MERGE_HEAD = 11
MERGE_MEMBERS = 2


def rng_for(seed: int, *parts: object) -> random.Random:
    """A generator seeded by a string: ``random`` hashes str seeds with SHA-512, the same everywhere."""
    return random.Random(":".join(["fake-beeper", str(seed), *map(str, parts)]))


# Where each generated account runs, by its index: mostly on this device, with every provider of
# the contract among the first twelve (the default dataset has twelve accounts).
PROVIDER_CYCLE = ("local", "local", "cloud", "local", "local", "self-hosted",
                  "local", "cloud", "local", "platform-sdk", "local", "cloud")


@dataclass(frozen=True)
class Account:
    id: str
    network: Network
    token: str  # the ``ba_…`` part shared by the account, its self user and its chat IDs
    provider: str = "local"

    @property
    def self_user_id(self) -> str:
        return f"@ba_{self.token}:{self.network.homeserver}"


def make_accounts(seed: int, count: int) -> tuple[Account, ...]:
    """``count`` accounts over the networks, each network once before any repeats.

    The account ID says where it runs, as Beeper's do (``fake_beeper.world.accounts.bridge_of`` reads
    it back): ``local-whatsapp_ba_…`` on this device, ``discordgo`` (or ``slackgo.<token>`` for a
    second account of a network) in Beeper Cloud, and ``sh-…``/``sdk-…`` for self-hosted and
    platform-SDK bridges, whose real ID forms are not documented.
    """
    rng = rng_for(seed, "accounts")
    order = list(NETWORKS)
    rng.shuffle(order)
    accounts = []
    cloud_networks: set[str] = set()
    for i in range(count):
        network = order[i % len(order)]
        token = "".join(rng.choice(_TOKEN_ALPHABET) for _ in range(27))
        provider = PROVIDER_CYCLE[i % len(PROVIDER_CYCLE)]
        if provider == "cloud":
            bridge = f"{network.slug}go"
            account_id = bridge if bridge not in cloud_networks else f"{bridge}.{token[:12]}"
            cloud_networks.add(bridge)
        else:
            prefix = {"local": "local", "self-hosted": "sh", "platform-sdk": "sdk"}[provider]
            account_id = f"{prefix}-{network.slug}_ba_{token}"
        accounts.append(Account(account_id, network, token, provider))
    return tuple(accounts)


def unique_number(seed: int, index: int) -> int:
    """A 32-bit number that no other index below 2**32 gets for this seed.

    Multiplying by an odd constant modulo 2**32 is a bijection, and adding a seed-derived offset
    keeps it one, so chat IDs built from it cannot collide however many chats are generated.
    """
    offset = rng_for(seed, "offset").getrandbits(32)
    return (index * 2_654_435_761 + offset) % 2**32


def remote_user_id(network: Network, number: int, handle: str) -> str:
    """How ``network`` names a person, e.g. ``14155550123`` (phone) or ``alice_1f3a`` (handle).

    ``number`` (32 bits) makes the ID unique: each style spends all of it.
    """
    style = network.user_ids
    if style == "phone":
        return f"1{number:010d}"
    if style == "uuid":
        h = f"{number:08x}{random.Random(number).getrandbits(96):024x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
    if style == "snowflake":
        return str(10**17 + number * 10**7 + number % 9_999_991)
    if style == "slack":
        return f"T0{number % 10**8:08d}-U0{number:010d}"
    if style == "urn":
        return f"ACoAA{number:010d}"
    if style == "handle":
        return f"{handle.lower()}_{number:x}"
    return str(10**10 + number)


def user_id(network: Network, remote: str) -> str:
    return f"@{remote}:{network.homeserver}"


def chat_id(account: Account, remote: str) -> str:
    return f"!{account.network.slug}_{remote}:ba_{account.token}.{account.network.homeserver}"


def merged_chat_id(seed: int, head_index: int) -> str:
    return f"!merged_{rng_for(seed, head_index, 'merged').getrandbits(64):016x}:beeper.local"


@dataclass(frozen=True)
class MergeRole:
    """Where a chat stands in its merge block: the merged chat (``head``) or a member."""

    head_index: int
    is_head: bool

    @property
    def member_indexes(self) -> range:
        return range(self.head_index + 1, self.head_index + 1 + MERGE_MEMBERS)


def merge_role(index: int) -> MergeRole | None:
    offset = index % MERGE_EVERY - MERGE_HEAD
    if 0 <= offset <= MERGE_MEMBERS:
        return MergeRole(index - offset, offset == 0)
    return None
