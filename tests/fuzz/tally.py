"""What the fuzz pass tried and how each input ended, per surface; written to ``var/fuzz/`` at the end.

Each test records every input it sent (``TALLY.record(surface, outcome)``); the session's
``pytest_terminal_summary`` prints the table and saves it as JSON, one file per database, so a run's
figures can be copied into docs/fuzzing.md.
"""

import json
import os
from collections import Counter, defaultdict
from pathlib import Path

from hypothesis import HealthCheck, Phase, settings

REPORT_FOLDER = Path(__file__).parents[2] / "var" / "fuzz"
# One knob for the run by hand: YUNDAN_FUZZ_SCALE=10 tries ten times the CI counts.
SCALE = max(1, int(os.environ.get("YUNDAN_FUZZ_SCALE", "1")))
# YUNDAN_FUZZ_SHRINK=0: report a failing input as found, without minutes of shrinking it first.
# CI (the counts as committed) tries the same inputs every run, so a red run is a regression and
# never a new draw; a run by hand with YUNDAN_FUZZ_SCALE > 1 draws fresh ones.
DERANDOMIZE = SCALE == 1
PHASES = [phase for phase in Phase if os.environ.get("YUNDAN_FUZZ_SHRINK", "1") != "0" or phase != Phase.shrink]


def fuzz_settings(examples: int, **extra) -> settings:
    """Hypothesis settings for a fuzz test: ``examples`` × YUNDAN_FUZZ_SCALE and no deadline (the
    2-core CI box is shared). The health checks are off: the inputs are big and slow on purpose, and
    every example runs in the test's one transaction."""
    return settings(**{"max_examples": examples * SCALE, "deadline": None, "phases": PHASES,
                       "suppress_health_check": list(HealthCheck), "derandomize": DERANDOMIZE, **extra})


class Tally:
    def __init__(self):
        self.outcomes: dict[str, Counter] = defaultdict(Counter)

    def record(self, surface: str, outcome: str) -> None:
        self.outcomes[surface][outcome] += 1

    def tried(self, surface: str) -> int:
        return sum(self.outcomes[surface].values())

    def lines(self) -> list[str]:
        width = max((len(surface) for surface in self.outcomes), default=0)
        lines = []
        for surface in sorted(self.outcomes):
            counts = ", ".join(f"{outcome} {count}" for outcome, count in self.outcomes[surface].most_common())
            lines.append(f"{surface:<{width}}  {self.tried(surface):>6} tried: {counts}")
        return lines

    def save(self, database: str) -> Path:
        REPORT_FOLDER.mkdir(parents=True, exist_ok=True)
        path = REPORT_FOLDER / f"report-{database}.json"
        report = {"database": database, "scale": SCALE,
                  "surfaces": {surface: {"tried": self.tried(surface), "outcomes": dict(counts)}
                               for surface, counts in sorted(self.outcomes.items())}}
        path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return path


TALLY = Tally()
