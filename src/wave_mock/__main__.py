"""``python -m wave_mock`` is ``wave-mock``."""

from wave_mock.cli import main

main()
