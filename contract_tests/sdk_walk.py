"""Walk ``chats.list()`` with whichever ``beeper-desktop-api`` this Python has, in strict mode, and
print the outcome as one JSON object. ``test_compatibility_matrix.py`` runs it with each SDK
version's own virtualenv (two versions of one package cannot share an environment):

    .venv-sdks/4.3.0/bin/python contract_tests/sdk_walk.py http://127.0.0.1:PORT TOKEN [CHAT_ID ...]
    .venv-sdks/4.3.0/bin/python contract_tests/sdk_walk.py --each URL TOKEN [URL TOKEN ...]

Output: ``{"ok": true, "chats": N}``, or ``{"ok": false, "field": "title", "type": "string_type",
"input": null}`` for the first field pydantic rejected (``APIResponseValidationError``). With chat
IDs, it then walks each chat's ``messages.list()`` too (each SDK's own pager: the last item's
``sortKey`` before 5.0.0, ``oldestCursor`` from it), adding ``"messages": {chat ID: [message ID, ...]}``.
With ``--each``, the chats of every server named, and a JSON list of their outcomes in that order
(one interpreter for many servers: importing the SDK is most of a walk's cost).
"""

from __future__ import annotations

import json
import sys

import beeper_desktop_api
from beeper_desktop_api import APIResponseValidationError, BeeperDesktop


def main() -> None:
    arguments = sys.argv[1:]
    if arguments[:1] == ["--each"]:
        targets = arguments[1:]
        print(json.dumps([walk(base_url, token) for base_url, token in zip(targets[::2], targets[1::2], strict=True)],
                         default=str))
        return
    base_url, token, *chat_ids = arguments
    print(json.dumps(walk(base_url, token, chat_ids), default=str))


def walk(base_url: str, token: str, chat_ids: list[str] | None = None) -> dict[str, object]:
    client = BeeperDesktop(base_url=base_url, access_token=token, max_retries=0, _strict_response_validation=True)
    outcome: dict[str, object] = {"sdk": beeper_desktop_api.__version__}
    try:
        outcome.update(ok=True, chats=sum(1 for _ in client.chats.list()))
        if chat_ids:
            outcome["messages"] = {chat_id: [message.id for message in client.messages.list(chat_id)]
                                   for chat_id in chat_ids}
    except APIResponseValidationError as exc:
        errors = exc.__cause__.errors() if hasattr(exc.__cause__, "errors") else [{}]
        first = errors[0]
        place = [str(part) for part in first.get("loc", ())]
        field = ".".join(part for part in place[2:] if not part.isdigit())  # past "items.<n>."
        value = first.get("input")
        outcome.update(ok=False, field=field, type=first.get("type"),
                       input=value if not isinstance(value, dict | list) else None)
    return outcome


if __name__ == "__main__":
    main()
