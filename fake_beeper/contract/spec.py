"""The contract: ``openapi.yaml``, loaded once, and the validators derived from it.

Everything in fake-beeper that needs to know the shape of an operation (the loader that checks
fixture files, the query parser, the app that serves the document, the contract tests) asks
this module, so that no second, hand-written copy of the schema can drift from the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any

import jsonschema_rs
import yaml

from fake_beeper.frozen import freeze, thawed
from fake_beeper.jsonschema import Schemas
from fake_beeper.text import shown

LIST_CHATS_PATH = "/v1/chats"
SEARCH_CHATS_PATH = "/v1/chats/search"
GET_CHAT_PATH = "/v1/chats/{chatID}"
LIST_ACCOUNTS_PATH = "/v1/accounts"
GET_ACCOUNT_PATH = "/v1/accounts/{accountID}"
INFO_PATH = "/v1/info"
LIST_MESSAGES_PATH = "/v1/chats/{chatID}/messages"
GET_MESSAGE_PATH = "/v1/chats/{chatID}/messages/{messageID}"
SEARCH_MESSAGES_PATH = "/v1/messages/search"
REACTIONS_PATH = "/v1/chats/{chatID}/messages/{messageID}/reactions"
REACTION_PATH = "/v1/chats/{chatID}/messages/{messageID}/reactions/{reactionKey}"
START_CHAT_PATH = "/v1/chats/start"
ARCHIVE_CHAT_PATH = "/v1/chats/{chatID}/archive"
READ_CHAT_PATH = "/v1/chats/{chatID}/read"
UNREAD_CHAT_PATH = "/v1/chats/{chatID}/unread"
NOTIFY_ANYWAY_PATH = "/v1/chats/{chatID}/notify-anyway"
REMINDERS_PATH = "/v1/chats/{chatID}/reminders"
METHODS = ("get", "put", "post", "delete", "patch")  # the operations' keys in a path item
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
# The components the code names: a listed chat, an account, a page of the list and of the search,
# a message and a page of messages.
CHAT_SCHEMA = "ChatListResponse"
ACCOUNT_SCHEMA = "Account"
PAGE_SCHEMA = "ListChatsResponse"
SEARCH_PAGE_SCHEMA = "SearchChatsResponse"
MESSAGE_SCHEMA = "Message"
MESSAGE_PAGE_SCHEMA = "MessagePage"


@cache
def spec_text() -> str:
    """The raw YAML, exactly as committed (the package carries it as ``fake_beeper/openapi.yaml``)."""
    return resources.files("fake_beeper").joinpath("openapi.yaml").read_text(encoding="utf-8")


@cache
def spec() -> dict[str, Any]:
    """The parsed document, read-only (``fake_beeper.frozen``: ``copy.deepcopy`` it to change it)."""
    # libyaml's safe loader where PyYAML was built with it (its wheels are): 0.02 s instead of
    # 0.13 s, which every process that reads the contract (each CLI command, each test worker) pays.
    document = yaml.load(spec_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if not isinstance(document, dict):
        raise RuntimeError("openapi.yaml does not hold an OpenAPI document")
    frozen: dict[str, Any] = freeze(document)
    return frozen


def operation(path: str = LIST_CHATS_PATH, method: str = "GET") -> dict[str, Any]:
    """The operation object ``method`` at ``path`` (a template as written: ``/v1/chats/{chatID}``)."""
    found: dict[str, Any] = spec()["paths"][path][method.lower()]
    return found


def list_chats_operation() -> dict[str, Any]:
    """The ``GET /v1/chats`` operation object."""
    return operation(LIST_CHATS_PATH)


def operation_paths() -> list[str]:
    """Every path of the document that has a ``GET`` operation, in document order."""
    return [path for path, item in spec()["paths"].items() if "get" in item]


def operation_ids() -> dict[str, str]:
    """Every ``GET`` operation's ``operationId`` and its path, in document order (``listChats`` …)."""
    return {item["get"]["operationId"]: path for path, item in spec()["paths"].items() if "get" in item}


def query_parameters(path: str = LIST_CHATS_PATH, method: str = "GET") -> dict[str, dict[str, Any]]:
    """An operation's query parameters, by name (their ``schema``, ``style``, ``default`` …),
    with shared ``#/components/parameters`` references followed."""
    parameters = (_resolved(p, "parameters") for p in operation(path, method).get("parameters", ()))
    return {p["name"]: p for p in parameters if p["in"] == "query"}


def body_schema(path: str, method: str) -> dict[str, Any] | None:
    """The JSON schema of an operation's request body (a ``$ref`` into the components), or ``None``."""
    body = operation(path, method).get("requestBody")
    if body is None:
        return None
    found: dict[str, Any] = body["content"]["application/json"]["schema"]
    return found


def response(path: str, status: str) -> dict[str, Any]:
    """The response object of an operation for ``status``, with a ``#/components/responses``
    reference followed."""
    return _resolved(operation(path)["responses"][status], "responses")


def _resolved(item: dict[str, Any], section: str) -> dict[str, Any]:
    if "$ref" in item:
        found: dict[str, Any] = spec()["components"][section][item["$ref"].rsplit("/", 1)[-1]]
        return found
    return item


def component(name: str) -> dict[str, Any]:
    """``components.schemas[name]`` as written in the document."""
    schema: dict[str, Any] = spec()["components"]["schemas"][name]
    return schema


def schema_document(name: str) -> dict[str, Any]:
    """A standalone JSON Schema (2020-12) for ``components.schemas[name]``.

    OpenAPI 3.1 schemas are JSON Schema 2020-12, so the component can be validated as is: the
    document keeps ``components`` beside the root ``$ref`` so that every local reference resolves.
    """
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$ref": f"#/components/schemas/{name}",
        "components": {"schemas": _components()["schemas"]},
    }


@cache
def validator(name: str) -> jsonschema_rs.Validator:
    """A compiled validator for a component schema, with ``format`` (date-time) asserted."""
    return jsonschema_rs.validator_for(schema_document(name), validate_formats=True)


def inline_validator(schema: dict[str, Any]) -> jsonschema_rs.Validator:
    """A compiled validator for a schema fragment of the document (a parameter's schema)."""
    document = {"$schema": JSON_SCHEMA_DIALECT, **thawed(schema), "components": _components()}
    return jsonschema_rs.validator_for(document, validate_formats=True)


@cache
def _components() -> dict[str, Any]:
    """A plain copy of ``components`` for the validators (jsonschema-rs takes exact dicts and lists)."""
    components: dict[str, Any] = thawed(spec()["components"])
    return components


# A quoted value of more than 80 characters in a validator's message: the first 80 are shown.
_LONG_QUOTED = re.compile(r'"((?:[^"\\]|\\.){80})(?:[^"\\]|\\.)+"')


def error_message(error: jsonschema_rs.ValidationError) -> str:
    """A validator's message as it may be shown: the values it quotes cut to 80 characters (a
    35 MB value is not echoed on one line), and nothing a terminal would act on."""
    return shown(_LONG_QUOTED.sub(lambda match: f'"{match.group(1)}…"', error.message), 300)


def instance_place(instance_path: Iterable[str | int]) -> str:
    """Where in a document a validation error points: ``participants.items[2].id`` ("" for the root)."""
    text = ""
    for part in instance_path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


@cache
def schemas() -> Schemas:
    """The newest document's schemas, for walks along them (``fake_beeper.jsonschema``)."""
    return Schemas(spec()["components"]["schemas"])
