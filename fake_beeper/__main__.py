"""``python -m fake_beeper``: the ``fake-beeper`` command (``fake_beeper.entry``)."""

from fake_beeper.entry import run

run()
