"""Walk ``chats.list()`` with whichever ``beeper-desktop-api`` this Python has, in strict mode, and
print the outcome as one JSON object. ``test_compatibility_matrix.py`` runs it with each SDK
version's own virtualenv (two versions of one package cannot share an environment):

    .venv-sdks/4.3.0/bin/python contract_tests/sdk_walk.py http://127.0.0.1:PORT TOKEN [CHAT_ID ...]

Output: ``{"ok": true, "chats": N}``, or ``{"ok": false, "field": "title", "type": "string_type",
"input": null}`` for the first field pydantic rejected (``APIResponseValidationError``). With chat
IDs, it then walks each chat's ``messages.list()`` too (each SDK's own pager: the last item's
``sortKey`` before 5.0.0, ``oldestCursor`` from it), adding ``"messages": {chat ID: [message ID, ...]}``.
"""

from __future__ import annotations

import json
import sys

import beeper_desktop_api
from beeper_desktop_api import APIResponseValidationError, BeeperDesktop


def main() -> None:
    base_url, token, *chat_ids = sys.argv[1:]
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
    print(json.dumps(outcome, default=str))


if __name__ == "__main__":
    main()
