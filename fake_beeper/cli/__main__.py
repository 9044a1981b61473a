"""``python -m fake_beeper.cli``: the command, as ``fake-beeper`` runs it."""

import sys

from fake_beeper.cli import main

sys.exit(main())
