"""The ``preview`` of a generated chat: its last message, in every shape the contract allows.

Text, notices, media with attachments (voice notes with transcriptions, stickers, GIFs), link
previews, reactions, mentions, each variant of ``seen`` (a boolean, a date-time, a map keyed by
participant) and every send status: the shapes a client's rendering code must survive.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from fake_beeper.data.pools import EMOJI, REACTION_SHORTCODES, Pools
from fake_beeper.timestamps import to_iso

MESSAGE_TYPES = ("TEXT", "NOTICE", "IMAGE", "VIDEO", "VOICE", "AUDIO", "FILE", "STICKER",
                 "LOCATION", "REACTION")
_TYPE_WEIGHTS = (60, 4, 10, 4, 6, 2, 4, 3, 2, 5)
_SEND_STATUSES = ("SUCCESS", "PENDING", "FAIL_RETRIABLE", "FAIL_PERMANENT")
MEDIA_KINDS = ("IMAGE", "VIDEO", "VOICE", "AUDIO", "FILE", "STICKER")  # the kinds with attachments


@dataclass(frozen=True)
class Sender:
    id: str
    name: str | None
    is_self: bool


@dataclass(frozen=True)
class MessageContext:
    """What a message needs to know about its chat."""

    chat_id: str
    account_id: str
    is_group: bool
    participants: tuple[Sender, ...]  # everyone who may have sent or seen it
    timestamp_millis: int


@dataclass(frozen=True)
class Essentials:
    """What a message is before its details: its sender, kind and text, which a search reads."""

    sender: Sender
    kind: str
    text: str | None


def draw_essentials(rng: random.Random, pools: Pools, senders: tuple[Sender, ...]) -> Essentials:
    """A message's essentials, drawn first (``history_message`` draws the rest from the same ``rng``)."""
    sender = rng.choice(senders)
    kind = rng.choices(MESSAGE_TYPES, _TYPE_WEIGHTS)[0]
    return Essentials(sender, kind, _body(rng, pools, kind))


def preview_message(rng: random.Random, pools: Pools, ctx: MessageContext) -> dict[str, Any]:
    sender = rng.choice(ctx.participants)
    kind = rng.choices(MESSAGE_TYPES, _TYPE_WEIGHTS)[0]
    message: dict[str, Any] = {
        "id": str(rng.randrange(10**5, 10**9)),
        "accountID": ctx.account_id,
        "chatID": ctx.chat_id,
        "senderID": sender.id,
        "sortKey": str(ctx.timestamp_millis // 10 * 3 + rng.randrange(3)),
        "timestamp": to_iso(ctx.timestamp_millis),
    }
    _head(rng, message, sender, kind)
    return _details(rng, pools, ctx, message, Essentials(sender, kind, _body(rng, pools, kind)))


def history_message(rng: random.Random, pools: Pools, ctx: MessageContext, essentials: Essentials) -> dict[str, Any]:
    """A message of a chat's history with these essentials (its ``id``, ``sortKey`` and
    ``timestamp`` are the history's to set)."""
    message: dict[str, Any] = {"accountID": ctx.account_id, "chatID": ctx.chat_id,
                               "senderID": essentials.sender.id}
    _head(rng, message, essentials.sender, essentials.kind)
    return _details(rng, pools, ctx, message, essentials)


def _head(rng: random.Random, message: dict[str, Any], sender: Sender, kind: str) -> None:
    _maybe(rng, 0.9, message, "isSender", sender.is_self)
    _maybe(rng, 0.6, message, "isUnread", not sender.is_self and rng.random() < 0.5)
    if sender.name is not None and rng.random() < 0.92:
        message["senderName"] = sender.name
    if rng.random() < 0.96:  # older bridges do not report a type
        message["type"] = kind


def _details(rng: random.Random, pools: Pools, ctx: MessageContext, message: dict[str, Any],
             essentials: Essentials) -> dict[str, Any]:
    sender, kind, body = essentials.sender, essentials.kind, essentials.text
    if body is not None:
        message["text"] = body
    if kind in MEDIA_KINDS:
        message["attachments"] = [_attachment(rng, pools, kind) for _ in range(_attachment_count(rng, kind))]
    if kind == "TEXT" and rng.random() < 0.15:
        message["links"] = [_link_preview(rng, pools)]
    if rng.random() < 0.2:
        message["reactions"] = _reactions(rng, ctx)
    _mentions(rng, ctx, message)
    _seen(rng, ctx, message)
    if sender.is_self and rng.random() < 0.7:
        message["sendStatus"] = _send_status(rng, pools, ctx)
    if rng.random() < 0.06:
        message["editedTimestamp"] = to_iso(ctx.timestamp_millis + rng.randrange(1000, 900_000))
    if rng.random() < 0.1:
        message["linkedMessageID"] = str(rng.randrange(10**5, 10**9))
    _maybe(rng, 0.3, message, "isDeleted", rng.random() < 0.08)
    _maybe(rng, 0.3, message, "isHidden", rng.random() < 0.05)
    if message.get("isDeleted"):
        message.pop("text", None)
        message.pop("attachments", None)
    return message


def _maybe(rng: random.Random, probability: float, target: dict[str, Any], key: str, value: Any) -> None:
    """Set ``key`` with the given probability, so that optional fields are sometimes absent."""
    if rng.random() < probability:
        target[key] = value


def _body(rng: random.Random, pools: Pools, kind: str) -> str | None:
    if kind == "REACTION":
        return f"Reacted {rng.choice(EMOJI)} to a message"
    if kind == "LOCATION":
        return f"geo:{rng.uniform(-80, 80):.5f},{rng.uniform(-170, 170):.5f}"
    if kind in MEDIA_KINDS and rng.random() < 0.7:
        return None  # media without a caption
    sentence = rng.choice(pools.sentences)
    roll = rng.random()
    if roll < 0.15:
        return f"{sentence} {rng.choice(EMOJI)}{rng.choice(EMOJI)}"
    if roll < 0.25:
        word = rng.choice(pools.words)
        return sentence.replace(word, f"<strong>{word}</strong>", 1) if word in sentence else f"<em>{sentence}</em>"
    if roll < 0.3:
        return "\n".join(rng.choice(pools.sentences) for _ in range(rng.randrange(2, 6)))
    return sentence


def _attachment_count(rng: random.Random, kind: str) -> int:
    return rng.choice((1, 1, 1, 2, 4)) if kind == "IMAGE" else 1


def _attachment(rng: random.Random, pools: Pools, kind: str) -> dict[str, Any]:
    word = rng.choice(pools.words)
    media_id = f"mxc://local-beeper.localhost/{rng.getrandbits(96):024x}"
    if kind in ("IMAGE", "STICKER"):
        gif = kind == "IMAGE" and rng.random() < 0.15
        attachment: dict[str, Any] = {"type": "img", "mimeType": "image/gif" if gif else "image/jpeg",
                                      "fileName": f"{word}.{'gif' if gif else 'jpg'}"}
        if gif:
            attachment["isGif"] = True
        if kind == "STICKER":
            attachment.update(isSticker=True, mimeType="image/webp", fileName=f"{word}.webp")
        attachment["size"] = dimensions(rng, rng.choice((512, 720, 1080, 1284, 3024)),
                                         rng.choice((512, 960, 1350, 1920, 4032)))
    elif kind == "VIDEO":
        attachment = {"type": "video", "mimeType": "video/mp4", "fileName": f"{word}.mp4",
                      "duration": round(rng.uniform(1, 600), 2),
                      "posterImg": f"file:///tmp/beeper/media/{rng.getrandbits(64):016x}.jpg",
                      "size": dimensions(rng, 1280, 720)}
    elif kind in ("VOICE", "AUDIO"):
        voice = kind == "VOICE"
        attachment = {"type": "audio", "mimeType": "audio/ogg" if voice else "audio/mpeg",
                      "duration": round(rng.uniform(0.5, 300), 2)}
        if voice:
            attachment["isVoiceNote"] = True
            if rng.random() < 0.5:
                attachment["transcription"] = _transcription(rng, pools)
        else:
            attachment["fileName"] = f"{word}.mp3"
    else:
        attachment = {"type": "unknown", "mimeType": rng.choice(("application/pdf", "application/zip",
                                                                 "text/csv", "application/octet-stream")),
                      "fileName": f"{word}-{rng.randrange(1, 99)}.{rng.choice(('pdf', 'zip', 'csv', 'bin'))}"}
    if rng.random() < 0.1:  # the bridge could not tell
        del attachment["mimeType"]
    if rng.random() < 0.85:
        attachment["id"] = media_id
    if rng.random() < 0.8:
        attachment["fileSize"] = rng.randrange(2_000, 50_000_000)
    if rng.random() < 0.6:
        attachment["srcURL"] = f"file:///tmp/beeper/media/{rng.getrandbits(64):016x}"
    return attachment


def dimensions(rng: random.Random, width: int, height: int) -> dict[str, Any]:
    """Pixel dimensions; a bridge sometimes knows only one of them."""
    roll = rng.random()
    if roll < 0.15:
        return {"width": width}
    if roll < 0.3:
        return {"height": height}
    return {"width": width, "height": height}


def _transcription(rng: random.Random, pools: Pools) -> dict[str, Any]:
    transcription = {"engine": rng.choice(("whisper", "apple-speech", "google-stt")),
                     "transcription": rng.choice(pools.sentences)}
    if rng.random() < 0.6:
        transcription["language"] = rng.choice(("en", "de", "tr", "ja", "ar"))
    return transcription


def _link_preview(rng: random.Random, pools: Pools) -> dict[str, Any]:
    domain = rng.choice(pools.domains)
    url = f"https://{domain}/{rng.choice(pools.words)}"
    link: dict[str, Any] = {"title": rng.choice(pools.sentences).rstrip("."), "url": url}
    if rng.random() < 0.6:
        link["summary"] = rng.choice(pools.sentences)
    if rng.random() < 0.5:
        link["img"] = f"https://{domain}/og-image.png"
        link["imgSize"] = dimensions(rng, 1200, 630)
    if rng.random() < 0.4:
        link["favicon"] = f"https://{domain}/favicon.ico"
    if rng.random() < 0.2:
        link["originalURL"] = f"https://t.co/{rng.getrandbits(40):010x}"
    return link


def _reactions(rng: random.Random, ctx: MessageContext) -> list[dict[str, Any]]:
    reactors = rng.sample(ctx.participants, k=min(len(ctx.participants), rng.randrange(1, 5)))
    reactions = []
    for reactor in reactors:
        emoji = rng.random() < 0.85
        key = rng.choice(EMOJI) if emoji else rng.choice(REACTION_SHORTCODES)
        reaction: dict[str, Any] = {"id": reactor.id, "participantID": reactor.id, "reactionKey": key}
        if rng.random() < 0.8:
            reaction["emoji"] = emoji
        if not emoji:
            reaction["imgURL"] = f"mxc://local-beeper.localhost/{key}"
        reactions.append(reaction)
    return reactions


def _mentions(rng: random.Random, ctx: MessageContext, message: dict[str, Any]) -> None:
    roll = rng.random()
    if roll < 0.1:
        message["mentions"] = None  # a legacy message: clients must scan the text
    elif roll < 0.3 and ctx.is_group:
        picked = rng.sample(ctx.participants, k=min(2, len(ctx.participants)))
        message["mentions"] = [p.id for p in picked] + (["@room"] if rng.random() < 0.2 else [])
    elif roll < 0.4:
        message["mentions"] = []


def _seen(rng: random.Random, ctx: MessageContext, message: dict[str, Any]) -> None:
    roll = rng.random()
    if roll < 0.3:
        return
    if roll < 0.55:
        message["seen"] = rng.random() < 0.7
    elif roll < 0.75 or not ctx.is_group:
        message["seen"] = to_iso(ctx.timestamp_millis + rng.randrange(1000, 3_600_000))
    else:
        message["seen"] = {
            p.id: (to_iso(ctx.timestamp_millis + rng.randrange(1000, 86_400_000)) if rng.random() < 0.5
                   else rng.random() < 0.5)
            for p in ctx.participants[:8] if not p.is_self
        }


def _send_status(rng: random.Random, pools: Pools, ctx: MessageContext) -> dict[str, Any]:
    status = rng.choices(_SEND_STATUSES, (80, 8, 7, 5))[0]
    result: dict[str, Any] = {"status": status,
                              "timestamp": to_iso(ctx.timestamp_millis + rng.randrange(0, 5000))}
    if status == "SUCCESS" and rng.random() < 0.5:
        result["deliveredToUsers"] = [p.id for p in ctx.participants if not p.is_self][:5]
    if status.startswith("FAIL"):
        result["reason"] = rng.choice(("network_error", "rate_limited", "not_allowed", "too_large"))
        result["message"] = rng.choice(("Couldn't send. Tap to retry.", "The recipient can't receive messages."))
        if rng.random() < 0.5:
            result["internalError"] = f"bridge: {rng.choice(pools.words)} failed with code {rng.randrange(400, 600)}"
    elif rng.random() < 0.1:
        result["message"] = "Sent"
    return result
