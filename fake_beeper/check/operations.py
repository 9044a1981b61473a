"""Which operations a check holds a server to: those asked for (``--operations``), less those the
server does not serve.

A server may implement the list and nothing around it (a stub, an older or partial
reimplementation). Held to every operation, it fails each of them in several checks with a line
of 404s each; here an operation whose route answers 404 to a request for something the server
itself listed (a chat's own ID, an account's) is one finding, "not served", and is left out of
every later check. ``fake-beeper check URL --operations listChats,getChat`` chooses what to hold a
server to; the list is always among them, since every other check compares with its walk.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

import httpx

from fake_beeper.check.pagination import Walk
from fake_beeper.check.report import Finding, curl
from fake_beeper.contract import spec
from fake_beeper.contract.stages import Stage
from fake_beeper.errors import FakeBeeperError


def _operation_id(path: str) -> str:
    return next(name for name, at in spec.operation_ids().items() if at == path)


LIST = _operation_id(spec.LIST_CHATS_PATH)  # "listChats": read off openapi.yaml, as every ID here
SEARCH = _operation_id(spec.SEARCH_CHATS_PATH)
LIST_MESSAGES = _operation_id(spec.LIST_MESSAGES_PATH)


class OperationsError(FakeBeeperError):
    """``--operations`` names an operation the contract (or its stage) does not have."""


def chosen(names: Iterable[str] | None, stage: Stage) -> tuple[str, ...]:
    """The operation IDs to hold a server of stage ``stage`` to, in document order (``None``: all)."""
    every = spec.operation_ids()
    in_stage = [name for name, path in every.items() if stage.has_operation(path)]
    if names is None:
        return tuple(in_stage)
    asked = list(dict.fromkeys(names))
    for name in asked:
        if name not in every:
            raise OperationsError(f"unknown operation {name!r}; the operations are {', '.join(every)}")
        if name not in in_stage:
            raise OperationsError(f"{name} is not in stage {stage} of the contract (it has {', '.join(in_stage)})")
    if LIST not in asked:
        raise OperationsError(f"{LIST} is always checked (every other check compares with its walk): "
                              f"--operations {','.join([LIST, *asked])}")
    return tuple(name for name in in_stage if name in asked)


def served(http: httpx.Client, base_url: str, operations: tuple[str, ...], full: Walk | None,
           findings: list[Finding]) -> tuple[str, ...]:
    """``operations`` less those the server does not serve: each such one a finding of its own."""
    kept = []
    for name in operations:
        target = _probe_target(name, full)
        if name == LIST or target is None:
            kept.append(name)  # the list is walked; a template with nothing to fill it cannot be told
            continue
        answer = http.get(target)
        if answer.status_code != 404:
            kept.append(name)
            continue
        findings.append(Finding("violation", "operations: served",
                                f"{name} is not served: GET {target} answered 404, for what the server "
                                f"itself listed; left out of every other check (--operations chooses them)",
                                curl(base_url, target)))
    return tuple(kept)


def _probe_target(name: str, full: Walk | None) -> str | None:
    """A request for ``name`` that a server serving it cannot answer with 404: what it listed."""
    path = spec.operation_ids()[name]
    first = full.chats[0] if full is not None and full.chats else None
    if name == SEARCH:
        return path
    if "{messageID}" in path:  # the newest message of a chat, as the list showed it
        shown = next((chat for chat in full.chats if isinstance(chat.get("preview"), dict)
                      and isinstance(chat["preview"].get("id"), str)), None) if full is not None else None
        if shown is None:
            return None
        return path.replace("{chatID}", quote(shown["id"], safe="")).replace(
            "{messageID}", quote(shown["preview"]["id"], safe=""))
    if "{chatID}" in path:
        return path.replace("{chatID}", quote(first["id"], safe="")) if first else None
    if "{accountID}" in path:
        return path.replace("{accountID}", quote(first["accountID"], safe="")) if first else None
    return path

