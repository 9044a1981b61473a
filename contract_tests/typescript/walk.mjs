// Calls the target with the official TypeScript SDK, the way an app would, and prints JSON.
//
//   node walk.mjs '{"accountIDs": ["..."], "limit": 50}'            chats.list(), every page
//   node walk.mjs '{"query": "ali", "scope": "titles"}' search      chats.search(), every page
//   node walk.mjs '{"chatID": "!a:x", "maxParticipantCount": -1}' retrieve
//   node walk.mjs '{"chatID": "!a:x"}' messages                     messages.list(chatID), every page
//   node walk.mjs '{"query": "the", "limit": 20}' searchMessages    messages.search(), every page
//   node walk.mjs '{"chatID": "!a:x", "messageID": "m1"}' message   messages.retrieve(messageID, {chatID})
//   node walk.mjs '{"chatID": "!a:x", "text": "hi"}' replyLoop       a reply loop against the fake only:
//        messages.send, retrieve until sent, update, reactions.add and delete, messages.delete
//   node walk.mjs '{}' accounts                                     accounts.list()
//   node walk.mjs '{}' info                                         info.retrieve()
//
// The SDK reads BEEPER_BASE_URL (4.2.3: BEEPER_DESKTOP_BASE_URL) and BEEPER_ACCESS_TOKEN from the
// environment (set by the test). FAKE_BEEPER_SDK names another installed SDK package to drive
// (desktop-api-4.2.3, for the compatibility matrix); the default is @beeper/desktop-api 5.0.0.
// Output: {"ids": [...], "accountIDs": [...]} for a walk (of chats or messages), {"result": ...} for one object, or
// {"error": {"name", "status", "message"}} when the SDK throws, so the Python side can assert on
// the SDK's own error mapping.
const { default: BeeperDesktop } = await import(process.env.FAKE_BEEPER_SDK || '@beeper/desktop-api');

const params = JSON.parse(process.argv[2] ?? '{}');
const operation = process.argv[3] ?? 'list';
const client = new BeeperDesktop({ maxRetries: 0 });

async function walk(pages) {
  const ids = [];
  const accountIDs = [];
  for await (const chat of pages) {
    ids.push(chat.id);
    accountIDs.push(chat.accountID);
  }
  return { ids, accountIDs };
}

async function call() {
  switch (operation) {
    case 'list': return walk(client.chats.list(params));
    case 'search': return walk(client.chats.search(params));
    case 'retrieve': {
      const { chatID, ...query } = params;
      return { result: await client.chats.retrieve(chatID, query) };
    }
    case 'messages': {
      const { chatID, ...query } = params;
      return walk(client.messages.list(chatID, query));
    }
    case 'searchMessages': return walk(client.messages.search(params));
    case 'message': {
      const { messageID, ...rest } = params;
      return { result: await client.messages.retrieve(messageID, rest) };
    }
    case 'replyLoop': {  // writes: run against a fake only (contract_tests/test_writes_sdks.py)
      const { chatID, text } = params;
      const sent = await client.messages.send(chatID, { text });
      let message = await client.messages.retrieve(sent.pendingMessageID, { chatID: sent.chatID });
      for (let tries = 0; message.sendStatus?.status === 'PENDING' && tries < 100; tries += 1) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        message = await client.messages.retrieve(sent.pendingMessageID, { chatID: sent.chatID });
      }
      const edited = await client.messages.update(message.id, { chatID: sent.chatID, text: `${text} (edited)` });
      const reacted = await client.chats.messages.reactions.add(message.id, { chatID: sent.chatID, reactionKey: '👍' });
      const unreacted = await client.chats.messages.reactions.delete('👍', { chatID: sent.chatID, messageID: message.id });
      await client.messages.delete(message.id, { chatID: sent.chatID, forEveryone: null });
      const deleted = await client.messages.retrieve(message.id, { chatID: sent.chatID });
      return { result: { sent, message, edited, reacted, unreacted, deleted } };
    }
    case 'accounts': return { result: await client.accounts.list() };
    case 'info': return { result: await client.info.retrieve() };
    default: throw new Error(`unknown operation ${operation}`);
  }
}

try {
  console.log(JSON.stringify(await call()));
} catch (error) {
  console.log(JSON.stringify({ error: { name: error.constructor.name, status: error.status ?? null, message: error.message } }));
}
