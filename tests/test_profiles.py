"""Version profiles: each stage's document is what ``version-history.md`` says, and every chat the
fake projects to a stage is valid in that stage.

The tables below are the reference's (§2), typed in here, not read from the implementation:
R required, R? required and nullable, O optional, O? optional and nullable, — absent.
"""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from fake_beeper import FakeBeeper
from fake_beeper.contract import spec, stages
from fake_beeper.contract.stages import ProfileError
from fake_beeper.data import load_chats

STAGES = ("4.1", "js-4.2.3", "4.2", "5.0", "6.0")

CHAT = {
    "id": "R R R R R", "accountID": "R R R R R", "network": "R R — R R", "participants": "R R R R R",
    "title": "R O? R R R", "type": "R R R R R", "unreadCount": "R R R R R", "isArchived": "O O O O O",
    "isMuted": "O O O O O", "isPinned": "O O O O O", "lastActivity": "O O O O O",
    "lastReadMessageSortKey": "O O O O O", "localChatID": "O? O? O? O? O?", "preview": "O O O O O",
    "description": "— O? — O? O?", "capabilities": "— — — O O", "draft": "— — — O? O?", "imgURL": "— — — O? O?",
    "isLowPriority": "— — — O O", "isMarkedUnread": "— — — O O", "isReadOnly": "— — — O O",
    "messageExpirySeconds": "— — — O? O?", "reminder": "— — — O? O?", "snooze": "— — — O? O?",
    "unreadMentionsCount": "— — — O O", "labels": "— — — — O", "merge": "— — — — O", "mergedIntoChatID": "— — — — O",
}
PARTICIPANT = {
    "id": "R R R R R", "cannotMessage": "O O O O O", "isSelf": "O O O O O", "email": "O O O O O",
    "fullName": "O O O O O", "imgURL": "O O O O O", "phoneNumber": "O O O O O", "username": "O O O O O",
    "isAdmin": "— — — O O", "isNetworkBot": "— — — O O", "isPending": "— — — O O",
}
MESSAGE = {
    **{name: "R R R R R" for name in ("id", "accountID", "chatID", "senderID", "sortKey", "timestamp")},
    **{name: "O O O O O" for name in ("attachments", "isSender", "isUnread", "reactions", "senderName", "text")},
    "linkedMessageID": "— — O O O", "type": "— — O O O", "editedTimestamp": "— — — O O", "isDeleted": "— — — O O",
    "isHidden": "— — — O O", "links": "— — — O O", "mentions": "— — — O? O?", "seen": "— — — O O",
    "sendStatus": "— — — O O",
}
ATTACHMENT = {
    "type": "R R R R R", **{name: "O O O O O" for name in (
        "duration", "fileSize", "fileName", "mimeType", "posterImg", "srcURL", "isGif", "isSticker", "isVoiceNote",
        "size")},
    "id": "— — O O O", "transcription": "— — — O O",
}
TIMER_TYPES = {"4.1": None, "js-4.2.3": None, "4.2": None, "5.0": {"afterRead", "afterSend"},
               "6.0": {"afterRead", "afterSend", "afterReadByRecipient"}}


def shape(document: dict[str, Any], name: str) -> dict[str, str]:
    """Each property of a component (its ``allOf`` parts merged) as R, R?, O or O?."""
    components = document["components"]["schemas"]
    schema = components[name]
    parts = [components[part["$ref"].rsplit("/", 1)[-1]] if "$ref" in part else part
             for part in schema.get("allOf", [schema])]
    required = {field for part in parts for field in part.get("required", ())}
    found = {}
    for part in parts:  # a property in two parts (the list's 20-participant cap) is described by the first
        for field, sub in part.get("properties", {}).items():
            nullable = "null" in (sub.get("type") or []) or {"type": "null"} in sub.get("anyOf", [])
            found.setdefault(field, ("R" if field in required else "O") + ("?" if nullable else ""))
    return found


@pytest.mark.parametrize(("component", "table"), [
    ("ChatListResponse", CHAT), ("ParticipantsItem", PARTICIPANT), ("Message", MESSAGE), ("Attachment", ATTACHMENT)])
def test_each_stage_document_has_exactly_the_fields_of_the_reference(component: str,
                                                                     table: dict[str, str]) -> None:
    for column, stage in enumerate(STAGES):
        expected = {field: codes.split()[column] for field, codes in table.items()
                    if codes.split()[column] != "—"}
        assert shape(stages.stage(stage).document, component) == expected, stage


def test_limit_exists_from_6_0_and_info_from_4_2() -> None:
    for stage in STAGES:
        document = stages.stage(stage).document
        names = [parameter.get("name") for parameter in document["paths"]["/v1/chats"]["get"]["parameters"]]
        assert ("limit" in names) == (stage == "6.0"), stage
        assert ("/v1/info" in document["paths"]) == (stage in ("4.2", "5.0", "6.0")), stage


def test_the_disappearing_timer_types_grow_in_6_0() -> None:
    for stage, values in TIMER_TYPES.items():
        document = stages.stage(stage).document
        timer = document["components"]["schemas"]["DisappearingTimer"]["properties"]["types"]["items"]
        if values is not None:  # capabilities do not exist before 5.0: the schema is there, unused
            assert set(timer["enum"]) == values, stage


def test_the_newest_profile_is_openapi_yaml_itself_and_each_older_one_a_valid_document() -> None:
    from openapi_spec_validator import validate

    assert stages.stage("latest").document is spec.spec()
    for stage in STAGES[:-1]:
        validate(stages.stage(stage).document)  # type: ignore[arg-type]
        assert stages.stage(stage).document["info"]["version"] == (stages.stage(stage).python
                                                               or stages.stage(stage).npm)[0]


@pytest.mark.parametrize("seed", [7, 3, 21])
def test_every_chat_projected_to_a_stage_is_valid_there_and_only_there(seed: int) -> None:
    chats = [chat.to_dict() for chat in (load_chats() if seed == 7 else load_chats(seed=seed, count=500))]
    for stage in STAGES:
        document = stages.stage(stage).document
        validator = jsonschema_rs.validator_for({"$schema": spec.JSON_SCHEMA_DIALECT, "components": copy.deepcopy(
            document["components"]), "$ref": "#/components/schemas/ChatListResponse"}, validate_formats=True)
        projected = [stages.stage(stage).project(chat) for chat in chats]
        for chat in projected:
            assert validator.is_valid(chat), (stage, next(validator.iter_errors(chat)).message)
        keys = {key for chat in projected for key in chat}
        assert keys == {field for field, codes in CHAT.items() if codes.split()[STAGES.index(stage)] != "—"}, stage
        if stage == "js-4.2.3":  # the shapes only this stage allows, each met by some chats
            assert any(chat.get("title", "") is None for chat in projected)
            assert any("title" not in chat for chat in projected)
            assert any(chat.get("description") for chat in projected)


def test_a_projection_keeps_what_the_stage_has_exactly() -> None:
    chat = next(chat.to_dict() for chat in load_chats() if "preview" in chat.to_dict())
    old = stages.stage("4.1").project(chat)
    assert {key: chat[key] for key in old if key != "preview"} == {key: old[key] for key in old if key != "preview"}
    assert set(old["preview"]) <= set(chat["preview"]) - {"type", "linkedMessageID", "seen", "links"}
    assert stages.stage("6.0").project(chat) is chat


def test_an_unknown_profile_names_the_known_ones() -> None:
    with pytest.raises(ProfileError, match=re.escape("unknown profile '7.0': expected one of 4.1, "
                                                              "js-4.2.3, 4.2, 5.0, 6.0 or latest")):
        stages.stage("7.0")


# -- serving a profile --------------------------------------------------------------------------------


def stage_validator(stage: str, schema: str) -> jsonschema_rs.Validator:
    components = copy.deepcopy(stages.stage(stage).document["components"])  # jsonschema-rs takes plain dicts
    return jsonschema_rs.validator_for({"$schema": spec.JSON_SCHEMA_DIALECT, "$ref": f"#/components/schemas/{schema}",
                                        "components": components}, validate_formats=True)


def walk(fake: FakeBeeper, **params: Any) -> list[dict[str, Any]]:
    client, pages, cursor = fake.http_client(), [], None
    while True:
        response = client.get("/v1/chats", params={**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        pages.append(response.json())
        cursor = pages[-1]["oldestCursor"]
        if not pages[-1]["hasMore"]:
            return pages


@pytest.mark.parametrize("stage", STAGES)
def test_every_page_of_a_profile_is_valid_in_its_stage_and_the_walk_meets_every_chat(stage: str) -> None:
    fake = FakeBeeper(profile=stage)
    fake.activity.message()  # live changes keep the stage's shape too
    fake.activity.new_chat()
    pages = walk(fake, limit=40)
    validator = stage_validator(stage, "ListChatsResponse")
    for page in pages:
        assert validator.is_valid(page), next(validator.iter_errors(page)).message
    ids = [chat["id"] for page in pages for chat in page["items"]]
    assert ids == fake.ordered_ids() and len(ids) == 401
    sizes = {len(page["items"]) for page in pages[:-1]}
    assert sizes == ({40} if stage == "6.0" else {25})  # before 6.0 there is no limit: ignored, pages of 25


def test_limit_is_a_parameter_from_6_0_only() -> None:
    assert FakeBeeper(profile="5.0").http_client().get("/v1/chats", params={"limit": 0}).status_code == 200
    answer = FakeBeeper(profile="6.0").http_client().get("/v1/chats", params={"limit": 0})
    assert answer.status_code == 400 and answer.json()["code"] == "INVALID_REQUEST"


def test_a_profile_serves_its_own_document_and_lacks_what_its_stage_lacked() -> None:
    for stage in STAGES:
        client = FakeBeeper(profile=stage).http_client()
        served = client.get("/openapi.json").json()
        assert served == {**stages.stage(stage).document, "servers": served["servers"]}
        assert served["info"]["version"] == (stages.stage(stage).python or stages.stage(stage).npm)[0]
        info = client.get("/v1/info")
        if stage in ("4.1", "js-4.2.3"):
            assert info.status_code == 404 and set(info.json()) >= {"code", "message"}
        else:
            assert info.status_code == 200
        # One account by its ID came with 6.0 (the Python SDK 6.0.0's accounts.retrieve), the list before.
        account_id = client.get("/v1/accounts").json()[0]["accountID"]
        one = client.get(f"/v1/accounts/{account_id}")
        if stage == "6.0":
            assert one.status_code == 200 and one.json()["accountID"] == account_id
        else:
            assert one.status_code == 404 and set(one.json()) >= {"code", "message"}, stage


def test_search_and_retrieve_follow_the_profile() -> None:
    fake = FakeBeeper(profile="4.2")
    client = fake.http_client()
    found = client.get("/v1/chats/search", params={"type": "group"}).json()
    assert found["items"] and stage_validator("4.2", "SearchChatsResponse").is_valid(found)
    assert all("network" not in chat for chat in found["items"])
    one = client.get(f"/v1/chats/{found['items'][0]['id']}").json()
    assert "network" not in one and stage_validator("4.2", "Chat").is_valid(one)
    untitled = FakeBeeper(profile="js-4.2.3").http_client().get("/v1/chats/search", params={"query": "a"})
    assert untitled.status_code == 200


def test_faults_and_scripted_pages_work_under_a_profile() -> None:
    fake = FakeBeeper(profile="4.1", scenario={"rules": [{"match": {"page": 2}, "fault": {"status": 503}}]})
    client = fake.http_client()
    first = client.get("/v1/chats").json()
    assert client.get("/v1/chats", params={"cursor": first["oldestCursor"]}).status_code == 503
    fake.serve_pages({"items": [], "hasMore": False, "oldestCursor": None, "newestCursor": None})
    assert client.get("/v1/chats").json()["items"] == []


MATRIX_6_0 = {"4.1": None, "js-4.2.3": "title", "4.2": "network", "5.0": None, "6.0": None}


@pytest.mark.parametrize("stage", STAGES)
def test_the_strict_python_sdk_6_0_0_against_each_profile(stage: str) -> None:
    """One row of the compatibility matrix (version-history.md §5.3): 6.0.0 fails on js-4.2.3 for
    a null title and on 4.2 for the missing network, and walks the others."""
    from beeper_desktop_api import APIResponseValidationError, BeeperDesktop

    fake = FakeBeeper(profile=stage)
    client = BeeperDesktop(base_url=fake.base_url, access_token=fake.token, http_client=fake.http_client(),
                           _strict_response_validation=True, max_retries=0)
    if MATRIX_6_0[stage] is None:
        assert len(list(client.chats.list())) == 400
    else:
        with pytest.raises(APIResponseValidationError) as failure:
            list(client.chats.list())
        assert MATRIX_6_0[stage] in str(failure.value.__cause__)


ACCOUNT = {"accountID": "R R R R R", "bridge": "— — — R R", "status": "— — — — R", "user": "R R R R R",
           "capabilities": "— — — — O", "loginID": "— — — — O", "network": "R R — O O", "statusText": "— — — — O"}


def test_accounts_have_the_shape_of_their_stage() -> None:
    """neighbourhood-contract.md §2.1: bridge from H4 (5.0), status and the rest from H6, network
    required in H1, gone in H3, optional from H4."""
    for column, stage in enumerate(STAGES):
        expected = {field: codes.split()[column] for field, codes in ACCOUNT.items() if codes.split()[column] != "—"}
        assert shape(stages.stage(stage).document, "Account") == expected, stage
        served = FakeBeeper(profile=stage).http_client().get("/v1/accounts").json()
        validator = stage_validator(stage, "Account")
        assert served and all(validator.is_valid(account) for account in served), stage
        assert set().union(*served) <= set(expected), stage


def test_message_texts_are_plain_text_before_5_0() -> None:
    """version-history.md §3.4: the text became a Matrix HTML body in 5.0."""
    def texts(stage: str) -> list[str]:
        page = FakeBeeper(profile=stage).http_client().get("/v1/chats", params={"limit": 200}).json()
        return [chat["preview"]["text"] for chat in page["items"] if "text" in chat.get("preview", {})]

    assert any("<" in text for text in texts("5.0"))
    for stage in ("4.1", "js-4.2.3", "4.2"):
        assert texts(stage) and not any(re.search(r"</?[a-z]+>", text) for text in texts(stage)), stage


def test_a_retrieved_chat_has_every_participant_by_default_before_5_0() -> None:
    """neighbourhood-contract.md §3: maxParticipantCount defaulted to all (-1) in H1 to H3, to 100 from H4."""
    crowded = next(chat for chat in load_chats() if chat["participants"]["total"] > 100)
    for stage, expected in (("4.2", crowded["participants"]["total"]), ("5.0", 100)):
        one = FakeBeeper(profile=stage).http_client().get(f"/v1/chats/{crowded['id']}").json()
        assert len(one["participants"]["items"]) == min(expected, 5000), stage


@pytest.mark.parametrize("stage", ["4.1", "js-4.2.3", "4.2", "5.0"])
def test_the_strategies_draw_what_a_stage_allowed(stage: str) -> None:
    """``chats(profile=...)``: valid in that stage's document, with only the fields it had; and
    js-4.2.3's null title and 4.2's missing network are among the draws."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import find as hypothesis_find

    from fake_beeper.strategies import accounts, chats

    validator = stage_validator(stage, "ChatListResponse")
    fields = {field for field, codes in CHAT.items() if codes.split()[STAGES.index(stage)] != "—"}

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(chat=chats(profile=stage), account=accounts(profile=stage))
    def drawn(chat: dict[str, Any], account: dict[str, Any]) -> None:
        assert validator.is_valid(chat), next(validator.iter_errors(chat)).message
        assert set(chat) <= fields
        assert stage_validator(stage, "Account").is_valid(account) and "status" not in account

    drawn()
    found = settings(database=None, max_examples=500, phases=[Phase.generate])  # the first found: no shrinking
    if stage == "js-4.2.3":
        hypothesis_find(chats(profile=stage), lambda chat: "title" in chat and chat["title"] is None, settings=found)
    if stage != "4.2":
        hypothesis_find(chats(profile=stage), lambda chat: "network" in chat, settings=found)


def contract_suite(*args: str) -> subprocess.CompletedProcess[str]:
    """``pytest ARGS`` on ``contract_tests/`` in a fresh process, no target left in the environment."""
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", *args],
                          cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True, timeout=600,
                          check=False,
                          env={**os.environ, "BEEPER_BASE_URL": "", "BEEPER_ACCESS_TOKEN": "", "BEEPER_PROFILE": ""})


def test_the_contract_suite_holds_a_server_to_an_older_stage() -> None:
    """``pytest contract_tests --beeper-profile 4.1``: the fake serves 4.1 (no ``limit``, no
    ``/v1/info``), and the suite's walks, walker machine and Schemathesis hold it to 4.1's document."""
    modules = ["test_pagination_invariants.py", "test_state_machine.py", "test_schemathesis.py"]
    done = contract_suite("--beeper-profile", "4.1", "--beeper-max-examples", "10",
                          *(f"contract_tests/{module}" for module in modules))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    summary = done.stdout.strip().splitlines()[-1]
    passed = int(re.search(r"(\d+) passed", summary).group(1))  # type: ignore[union-attr]
    assert passed >= 15 and "failed" not in summary and "skipped" not in summary, summary


def test_the_contract_suite_runs_thinner_when_asked() -> None:
    """``--beeper-max-examples N``: fewer Schemathesis cases reach the server (and a value that is
    no count is refused before any test runs)."""
    def fuzzed(*extra: str) -> int:
        with FakeBeeper().start() as fake:
            done = contract_suite("--beeper-base-url", fake.base_url, "--beeper-token", fake.token,
                                  "--beeper-operations", "listChats", "contract_tests/test_schemathesis.py", *extra)
            assert done.returncode == 0, done.stdout[-3000:]
            return len([r for r in fake.journal if "x-schemathesis-testcaseid" in r.headers])

    assert fuzzed("--beeper-max-examples", "2") < fuzzed("--beeper-max-examples", "12")
    refused = contract_suite("--beeper-max-examples", "0", "contract_tests/test_schemathesis.py")
    assert refused.returncode == 4 and "--beeper-max-examples: a whole number of 1 or more" in refused.stderr


def test_the_contract_suite_fails_a_server_of_another_stage() -> None:
    # A 4.2 server (no `network`) held to 4.1, which requires it, fails, naming the field: the suite
    # validates what it walks against the stage it is given, whatever stage the server is.
    with FakeBeeper(profile="4.2").start() as old:
        done = contract_suite("--beeper-base-url", old.base_url, "--beeper-token", old.token,
                              "--beeper-profile", "4.1", "contract_tests/test_pagination_invariants.py")
    assert done.returncode == 1, done.stdout[-3000:]
    assert "contract: every chat of a walk is a Chat" in done.stdout
    assert '"network" is a required property' in done.stdout
