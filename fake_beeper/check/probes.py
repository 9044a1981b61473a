"""Behaviour probes: how a server answers where ``openapi.yaml`` is silent, read off its answers.

Each probe sends a few GET requests chosen so that the possible behaviours give different
answers, and reports one value under the key the fake's ``--behaviour`` uses
(``fake_beeper.contract.behaviour``), or a fact of its own:

* ``after``: ``adjacent`` | ``newest`` (a ``direction=after`` page from the oldest dated chat);
* ``undated``: ``last`` | ``none-seen`` (``omitted`` cannot be told from "there are none" through
  the list alone, so it is never claimed);
* ``accountIDsComma``: ``split`` | ``literal`` (``accountIDs=a,b`` as one value);
* ``repeatedParams``: ``rejected`` | ``first`` | ``last`` (``limit=2&limit=3``);
* ``emptyDirection``: ``rejected`` | ``before`` (``direction=``);
* ``limit``: ``honoured`` | ``ignored`` (``limit=3``; under a profile without ``limit``, where
  ignoring it is what the stage did, not a violation);
* ``unknownParams``: ``ignored`` | ``rejected`` (a query parameter the contract does not name);
* ``emptyCursor``: ``first-page`` | ``rejected`` (``cursor=``).

A probe whose data cannot tell the answers apart (too few chats, one account) says ``unknown``,
and one whose answer matches none of them says ``other``; both keep the default in the
``serve`` flags. A probe that sees the contract broken (a ``limit`` ignored, a 5xx) adds a
violation. The hygiene probe adds warnings: an unknown path should get a 404 with the
contract's ``Error`` body.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from fake_beeper.check.pagination import LIST_CHATS, Walk, page_body
from fake_beeper.check.report import OTHER, UNKNOWN, Finding, curl
from fake_beeper.contract import spec
from fake_beeper.contract.behaviour import (
    CHOICES,
    FIXED,
    AccountIDsComma,
    After,
    EmptyDirection,
    Limit,
    RepeatedParams,
    Undated,
    parse_behaviour,
)
from fake_beeper.contract.stages import LATEST, STAGES, Stage, stages_of


@dataclass
class Probing:
    """What the probes share: the client, the server's chats in list order, and the findings."""

    http: httpx.Client
    base_url: str
    walk: Walk  # every chat, in list order, as pages of up to 200 (or of the server's size)
    findings: list[Finding]
    stage: Stage = LATEST  # the stage the server is held to

    @property
    def has_limit(self) -> bool:
        return self.stage.has_list_limit

    def limited(self, query: str, limit: int) -> str:
        """``query`` with ``limit`` added where the stage has one."""
        if not self.has_limit:
            return query
        return f"{query}&limit={limit}" if query else f"limit={limit}"

    @property
    def chats(self) -> list[dict[str, Any]]:
        return self.walk.chats

    @property
    def ids(self) -> list[str]:
        return self.walk.ids

    def get(self, query: str) -> httpx.Response:
        """``GET /v1/chats?<query>``, the query exactly as written (repeated or empty values)."""
        response = self.http.get(f"{LIST_CHATS}?{query}")
        if response.status_code >= 500:
            self.violation("probes: no server errors", f"HTTP {response.status_code} for GET {LIST_CHATS}?{query}: "
                           f"{response.text[:200]}", query)
        return response

    def page_ids(self, query: str) -> list[str] | None:
        """The chat IDs of a 200 page, or ``None`` for any other answer."""
        response = self.get(query)
        return _ids(response, query) if response.status_code == 200 else None

    def violation(self, check: str, message: str, query: str, *, path: str = LIST_CHATS) -> None:
        self.findings.append(Finding("violation", check, message, curl(self.base_url, f"{path}?{query}")))

    def warning(self, check: str, message: str, path: str) -> None:
        self.findings.append(Finding("warning", check, message, curl(self.base_url, path)))


def probe_limit(probing: Probing) -> str:
    if len(probing.chats) < 4:
        return UNKNOWN
    got = probing.page_ids("limit=3")
    if got is None:
        return OTHER
    if len(got) <= 3:
        return Limit.HONOURED
    if not probing.has_limit:
        return Limit.IGNORED  # as the stage's own servers did: no limit before 6.0
    probing.violation("probes: limit is a maximum", f"GET {LIST_CHATS}?limit=3 returned {len(got)} chats; "
                      "openapi.yaml makes limit the most a page may hold", "limit=3")
    return Limit.IGNORED


def probe_after(probing: Probing) -> str:
    at = _deep_cursor(probing)
    if at is None:
        return UNKNOWN
    last, cursor = at
    got = probing.page_ids(probing.limited(f"direction=after&cursor={_quote(cursor)}", 3))
    if not got:
        return OTHER
    count = len(got)
    if count >= last:
        return UNKNOWN  # the page holds every newer chat: adjacent and newest look the same
    if got == probing.ids[last - count:last]:
        return After.ADJACENT
    if got == probing.ids[:count]:
        return After.NEWEST
    return OTHER


def probe_undated(probing: Probing) -> str:
    return Undated.LAST if any(not chat.get("lastActivity") for chat in probing.chats) else "none-seen"


def probe_account_ids_comma(probing: Probing) -> str:
    accounts = list(dict.fromkeys(chat["accountID"] for chat in probing.chats if "," not in chat["accountID"]))
    if len(accounts) < 2:
        return UNKNOWN
    pair = accounts[:2]
    query = probing.limited(f"accountIDs={_quote(','.join(pair))}", 200)
    got = probing.get(query)
    if got.status_code != 200:
        return OTHER
    seen = {chat["accountID"] for chat in _items(got, query)}
    if not seen:
        return AccountIDsComma.LITERAL
    return AccountIDsComma.SPLIT if seen <= set(pair) and len(seen) == 2 else OTHER


def probe_repeated_params(probing: Probing, limit: str) -> str:
    if limit != Limit.HONOURED:
        return UNKNOWN  # told apart by the page size
    got = probing.get("limit=2&limit=3")
    if got.status_code == 400:
        return RepeatedParams.REJECTED
    if got.status_code != 200:
        return OTHER
    return {2: RepeatedParams.FIRST, 3: RepeatedParams.LAST}.get(len(_items(got, "limit=2&limit=3")), OTHER)


def probe_empty_direction(probing: Probing) -> str:
    return _rejected_or_first_page(probing, "direction=", EmptyDirection.BEFORE)


def probe_unknown_params(probing: Probing) -> str:
    got = probing.get("x-fake-beeper-probe=1")
    return {200: FIXED["unknownParams"], 400: REJECTED}.get(got.status_code, OTHER)


def probe_empty_cursor(probing: Probing) -> str:
    return _rejected_or_first_page(probing, "cursor=", FIXED["emptyCursor"])


REJECTED = EmptyDirection.REJECTED.value  # a 400, however the choice that allows one names it


def _rejected_or_first_page(probing: Probing, query: str, as_first_page: str) -> str:
    """``rejected`` for a 400, ``as_first_page`` if ``query`` gets the first page, else ``other``."""
    got = probing.get(query)
    if got.status_code == 400:
        return REJECTED
    first = probing.page_ids("")
    if got.status_code == 200 and first is not None and _ids(got, query) == first:
        return as_first_page
    return OTHER


def hygiene(probing: Probing) -> None:
    """An unknown path gets a 404 with the ``Error`` body (``code``, ``message``)."""
    path = "/v1/fake-beeper-check-no-such-path"
    response = probing.http.get(path)
    if response.status_code != 404:
        probing.warning("hygiene: unknown paths", f"GET {path} answered {response.status_code}, not 404", path)
        return
    try:
        body = response.json()
    except ValueError:
        body = None
    if not (isinstance(body, dict) and isinstance(body.get("code"), str) and isinstance(body.get("message"), str)):
        probing.warning("hygiene: unknown paths", f"GET {path}: the 404 body is not the contract's Error "
                        f"shape: {response.text[:120]!r}", path)


STAGE_SAMPLE = 200  # chats read for the stages a server fits: the first page of the full walk


def fitting_stages(probing: Probing) -> list[Stage]:
    """The stages of the contract (``fake_beeper.contract.stages``, newest first) that the server's first
    chats and its accounts all fit: valid there, with nothing that stage lacks. An older Beeper
    Desktop fits its own (and, where two stages' shapes agree, the other: 4.1 and js-4.2.3)."""
    accounts: Any = []
    response = probing.http.get(spec.LIST_ACCOUNTS_PATH)
    if response.status_code == 200:
        try:
            accounts = response.json()
        except ValueError:
            accounts = []  # not the accounts: nothing to tell the stages by (the schema check says what it is)
    fits = set(STAGES)
    for chat in probing.chats[:STAGE_SAMPLE]:
        fits &= set(stages_of(chat))
    for account in accounts if isinstance(accounts, list) else []:
        fits &= set(stages_of(account, spec.ACCOUNT_SCHEMA))
    return [found for found in reversed(STAGES) if found in fits]


def learn(probing: Probing) -> dict[str, str]:
    """Every probe's answer, by key (the fake's behaviour keys first, in their order)."""
    limit = probe_limit(probing)
    probes: dict[str, Callable[[], str]] = {
        "after": lambda: probe_after(probing),
        "undated": lambda: probe_undated(probing),
        "accountIDsComma": lambda: probe_account_ids_comma(probing),
        "repeatedParams": lambda: probe_repeated_params(probing, limit),
        "emptyDirection": lambda: probe_empty_direction(probing),
        "limit": lambda: limit,
        "unknownParams": lambda: probe_unknown_params(probing),
        "emptyCursor": lambda: probe_empty_cursor(probing),
    }
    learned = {key: probe() for key, probe in probes.items()}
    hygiene(probing)
    return learned


def serve_flags(learned: dict[str, str], stage: Stage = LATEST) -> str:
    """The ``fake-beeper serve`` flags that make the fake answer as the server did (as the stage
    it was held to, ``--profile``, when that is not the newest: which then ignores ``limit`` itself)."""
    chosen = {key: value for key, value in learned.items() if key in CHOICES and value in CHOICES[key]
              and not (key == "limit" and not stage.has_list_limit)}
    flags = [] if stage.is_latest else [f"--profile {stage}"]
    behaviour = parse_behaviour(chosen, source="what the probes learned").serve_flags()
    return " ".join([*flags, behaviour] if behaviour else flags)


def _deep_cursor(probing: Probing) -> tuple[int, str] | None:
    """A dated chat with at least five chats newer than it, and the cursor that ends there: the
    end of the deepest page of the walk that ends on a dated chat (the more chats newer than it,
    the better the answers differ), or of a first page that stops at the oldest dated chat."""
    end, deepest = 0, None
    for page in probing.walk.pages:
        end += len(page.chats)
        if end > 5 and page.chats[-1].get("lastActivity") and page.body.get("oldestCursor"):
            deepest = end - 1, page.body["oldestCursor"]
    if deepest is not None:
        return deepest
    dated = [i for i, chat in enumerate(probing.chats) if chat.get("lastActivity")]
    if not dated or dated[-1] < 5 or dated[-1] >= 200 or not probing.has_limit:
        return None
    query = f"limit={dated[-1] + 1}"
    response = probing.get(query)
    if response.status_code != 200:
        return None
    body = page_body(response, f"GET {LIST_CHATS}?{query}")
    cursor = body["oldestCursor"]
    if [chat["id"] for chat in body["items"]][-1:] == [probing.ids[dated[-1]]] and cursor:
        return dated[-1], cursor
    return None


def _items(response: httpx.Response, query: str) -> list[dict[str, Any]]:
    """A probe's page, its shape checked (a ``Violation`` naming the request if it is none)."""
    items: list[dict[str, Any]] = page_body(response, f"GET {LIST_CHATS}?{query}")["items"]
    return items


def _ids(response: httpx.Response, query: str) -> list[str]:
    return [chat["id"] for chat in _items(response, query)]


def _quote(value: str) -> str:
    return str(httpx.QueryParams({"v": value}))[2:]
