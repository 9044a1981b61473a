"""The defaults a user meets first, in one light module (the CLI reads them before importing anything heavy)."""

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 23373  # Beeper Desktop's own port
DEFAULT_TOKEN = "fake-beeper-token"
DEFAULT_SEED = 7  # the committed default dataset: seed 7, 400 chats, 12 accounts
DEFAULT_COUNT = 400
DEFAULT_ACCOUNTS = 12
DEFAULT_JOURNAL = 1000  # requests the CLI server keeps for GET /_fake-beeper/requests

# fake-beeper check
DEFAULT_CHECK_RATE = 50.0  # requests a second, at most
DEFAULT_CHECK_MAX_TIME = 110.0  # seconds for the whole check, so that it ends within two minutes
DEFAULT_CHECK_SEED = 20261121
DEFAULT_CHECK_MAX_EXAMPLES = 50  # Schemathesis's fuzzing cases per operation: a default check of a mock in 25 s
DEFAULT_CHECK_MAX_MESSAGES = 2_000  # messages walked per chat (of three): 100 pages of 20

# fake-beeper record
DEFAULT_RECORD_RATE = 10.0  # requests a second, at most: 2,000 chats a second in pages of 200
DEFAULT_RECORD_MAX_TIME = 600.0  # seconds for the whole walk: 50,000 chats take 25 s in pages of 200
DEFAULT_RECORD_MAX_MESSAGES = 20  # messages recorded per chat (one page of the fake's), newest first
DEFAULT_RECORD_MESSAGE_CHATS = 50  # the newest chats whose messages are recorded: 50 more requests
