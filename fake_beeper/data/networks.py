"""The messaging networks a Beeper account can bridge, and what each one can do.

The capability profiles are plausible, not measured from the real bridges: they give the
generated chats the variety a client meets (a network without edits, one with disappearing
timers, one that rejects voice notes), which is what a test of client code needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Network:
    slug: str  # the bridge name in Beeper IDs: local-<slug>, !<slug>_…
    name: str  # display name, the chat's ``network`` field
    user_ids: str  # how the network names people: phone, uuid, number, handle, snowflake, slack
    capabilities: dict[str, Any] = field(default_factory=dict)

    @property
    def homeserver(self) -> str:
        return f"local-{self.slug}.localhost"


_MEDIA = {
    "m.image": {"mimeTypes": {"image/*": 2}, "caption": 2, "maxSize": 104_857_600},
    "m.video": {"mimeTypes": {"video/mp4": 2, "video/*": 1}, "caption": 2, "maxSize": 104_857_600},
    "m.file": {"mimeTypes": {"*/*": 2}, "caption": 1, "maxSize": 2_147_483_648},
}
_VOICE = {"org.matrix.msc3245.voice": {"mimeTypes": {"audio/ogg": 2}, "maxDuration": 3600}}
_FORMATTING = {"bold": 2, "italic": 2, "strikethrough": 2, "inline_code": 1, "code_block": 1}

NETWORKS: tuple[Network, ...] = (
    Network("whatsapp", "WhatsApp", "phone", {
        "reaction": 2, "reactionCount": 1, "edit": 2, "editMaxAge": 900, "delete": 2,
        "deleteMaxAge": 172_800, "reply": 2, "readReceipts": True, "typingNotifications": True,
        "disappearingTimer": {"types": ["afterSend"], "timers": [86_400_000, 604_800_000, 7_776_000_000]},
        "attachments": {**_MEDIA, **_VOICE}, "formatting": _FORMATTING, "archive": True,
        "participantActions": {"invite": 2, "kick": 2, "leave": 2, "ban": 0}, "poll": 2, "locationMessage": 2,
        "state": {"title": {"level": 2}, "description": {"level": 2}, "avatar": {"level": 2},
                  "disappearingTimer": {"level": 2}},
    }),
    Network("signal", "Signal", "uuid", {
        "reaction": 2, "reactionCount": 1, "edit": 2, "editMaxCount": 10, "delete": 2, "reply": 2,
        "readReceipts": True, "typingNotifications": True, "deleteForMe": True,
        "disappearingTimer": {"types": ["afterRead", "afterReadByRecipient"], "omitEmptyTimer": True},
        "attachments": {**_MEDIA, **_VOICE}, "maxTextLength": 2000,
        "state": {"disappearingTimer": {"level": 2}, "title": {"level": 1}}, "locationMessage": 0, "poll": 0,
    }),
    Network("telegram", "Telegram", "number", {
        "reaction": 2, "edit": 2, "editMaxAge": 172_800, "delete": 2, "reply": 2, "thread": 1,
        "poll": 1, "locationMessage": 2, "customEmojiReactions": True, "readReceipts": True,
        "typingNotifications": True, "attachments": {**_MEDIA, **_VOICE}, "maxTextLength": 4096,
        "formatting": {**_FORMATTING, "code_block.syntax_highlighting": 2},
        "participantActions": {"ban": 2, "invite": 2, "kick": 2, "leave": 2, "revokeInvite": 1},
        "state": {"title": {"level": 2}, "description": {"level": 2}, "avatar": {"level": 2}},
    }),
    Network("instagram", "Instagram", "handle", {
        "reaction": 2, "reactionCount": 1, "delete": 2, "reply": 2, "edit": 0, "readReceipts": True,
        "typingNotifications": True, "attachments": {"m.image": _MEDIA["m.image"]},
        "messageRequest": {"acceptWithButton": 2, "acceptWithMessage": -1},
    }),
    Network("facebook", "Messenger", "number", {
        "reaction": 2, "reactionCount": 1, "edit": 2, "editMaxAge": 900, "editMaxCount": 5,
        "delete": 2, "reply": 2, "readReceipts": True, "typingNotifications": True, "markAsUnread": True,
        "attachments": {**_MEDIA, **_VOICE}, "deleteChat": True,
        "messageRequest": {"acceptWithButton": 2, "acceptWithMessage": 2},
        "state": {"title": {"level": 2}, "avatar": {"level": 1}}, "poll": 1, "locationMessage": 1,
    }),
    Network("discord", "Discord", "snowflake", {
        "reaction": 2, "customEmojiReactions": True, "edit": 2, "delete": 2, "reply": 2, "thread": 2,
        "typingNotifications": True, "readReceipts": False, "maxTextLength": 2000,
        "attachments": {"m.image": _MEDIA["m.image"], "m.file": _MEDIA["m.file"]},
        "formatting": {**_FORMATTING, "code_block.syntax_highlighting": 2, "spoiler": 2},
    }),
    Network("slack", "Slack", "slack", {
        "reaction": 2, "customEmojiReactions": True, "edit": 2, "delete": 2, "reply": 2, "thread": 2,
        "typingNotifications": False, "readReceipts": False, "attachments": {"m.file": _MEDIA["m.file"]},
        "formatting": _FORMATTING,
    }),
    Network("linkedin", "LinkedIn", "urn", {
        "reaction": 1, "allowedReactions": ["👍", "❤️", "😂", "😮", "👏"], "edit": 2, "delete": 2,
        "reply": 0, "readReceipts": True, "typingNotifications": True,
        "attachments": {"m.image": _MEDIA["m.image"], "m.file": _MEDIA["m.file"]},
        "messageRequest": {"acceptWithButton": 2, "acceptWithMessage": 1},
    }),
    Network("imessage", "iMessage", "phone", {
        "reaction": 1, "allowedReactions": ["❤️", "👍", "👎", "😂", "‼️", "❓"], "edit": 2,
        "editMaxAge": 900, "editMaxCount": 5, "delete": 2, "deleteMaxAge": 120, "reply": 2,
        "readReceipts": True, "typingNotifications": True, "markAsUnread": True,
        "attachments": {**_MEDIA, **_VOICE, "m.sticker": {"mimeTypes": {"image/png": 2}, "viewOnce": False}},
    }),
    Network("gmessages", "Google Messages", "phone", {
        "reaction": 2, "edit": -2, "delete": 1, "reply": 2, "readReceipts": True,
        "typingNotifications": True, "attachments": {"m.image": {**_MEDIA["m.image"], "maxWidth": 4096,
                                                                 "maxHeight": 4096, "maxCaptionLength": 1000}},
    }),
    Network("twitter", "X", "number", {
        "reaction": 2, "reactionCount": 1, "edit": 2, "editMaxAge": 3600, "delete": 2, "reply": 2,
        "readReceipts": True, "typingNotifications": True, "maxTextLength": 10_000,
        "attachments": {"m.image": {**_MEDIA["m.image"], "viewOnce": True}, "m.video": _MEDIA["m.video"]},
        "deleteChatForEveryone": False, "messageRequest": {"acceptWithButton": 2, "acceptWithMessage": 0},
    }),
)
