// Walks GET /v1/chats with the official TypeScript SDK, the way an app would, and prints JSON.
//
//   node walk.mjs '{"accountIDs": ["..."], "limit": 50}'
//
// The SDK reads BEEPER_BASE_URL and BEEPER_ACCESS_TOKEN from the environment (set by the test).
// Output: {"ids": [...], "accountIDs": [...]} for a walk, or {"error": {"name", "status", "message"}}
// when the SDK throws, so the Python side can assert on the SDK's own error mapping.
import BeeperDesktop from '@beeper/desktop-api';

const params = JSON.parse(process.argv[2] ?? '{}');
const client = new BeeperDesktop({ maxRetries: 0 });

try {
  const ids = [];
  const accountIDs = [];
  for await (const chat of client.chats.list(params)) {
    ids.push(chat.id);
    accountIDs.push(chat.accountID);
  }
  console.log(JSON.stringify({ ids, accountIDs }));
} catch (error) {
  console.log(JSON.stringify({ error: { name: error.constructor.name, status: error.status ?? null, message: error.message } }));
}
