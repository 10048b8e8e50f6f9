"""results.json's leaderboard (Gradescope's "leaderboard" array of name, value, order), from the
figures a test already measured: nothing new runs for it.

Enabled by the rubric's [policy.leaderboard] (its test: one whose extra_data.records hold
training runs, records.TrainingRun, each with its accuracy, as a convergence test's do): the
mean training accuracy of the student's
network over the test's cases (e.g. its seeds), a case without a run (train raised, timed out)
counting 0, and with
training_time = true the seconds the test took (the student's training, in the sandbox: a
measurement, which varies from run to run). The leaderboard is shown to students,
so it follows the test's visibility: before the test is shown (e.g. an after_due_date test
before the due date), there is no leaderboard.
"""
import math

from . import policy, visibility
from .report import records


def entries(tests, timings, board, due_passed=True):
    """The leaderboard's entries.

    Inputs:
    - tests: results.json's tests (dicts with extra_data.id and extra_data.records).
    - timings: dict test id -> seconds, as grade.grade returns.
    - board: policy.Leaderboard, or None (off).
    - due_passed: whether the due date has passed (see visibility.shown).

    Returns: list of {"name", "value", "order"} dicts; empty when off, not shown yet, or when the
    test has no run at all (e.g. the module did not import). The accuracy is the mean over the
    test's cases (extra_data.cases, one per seed): a case without a run counts 0.
    """
    if board is None:
        return []
    test = next((t for t in tests if t.get("extra_data", {}).get("id") == board.test), None)
    if test is None or not visibility.shown(test["visibility"], due_passed):
        return []
    runs = records.of_test(test, records.TrainingRun.kind)
    # Not measured (None) or not a finite number: 0, as for a seed without a run.
    accuracies = [run.accuracy if run.accuracy is not None and math.isfinite(run.accuracy) else 0.0 for run in runs]
    if not runs:
        return []
    # A case (a seed) whose run gave nothing counts 0: failing on purpose on a weak seed never helps.
    accuracies += [0.0] * (len(test["extra_data"].get("cases", [])) - len(accuracies))
    data = board.test.rsplit(".", 1)[-1]  # "convergence.ring": "ring"
    board_entries = [{"name": f"Accuracy on {data}", "value": round(sum(accuracies) / len(accuracies), 4),
                      "order": "desc"}]
    if board.training_time and board.test in timings:
        board_entries.append({"name": f"Training time on {data} (s)", "value": round(timings[board.test], 2),
                              "order": "asc"})
    return board_entries


def add(document, timings, due_passed=True):
    """Set document["leaderboard"] from the rubric's policy (nothing when it is off); in place."""
    board = entries(document["tests"], timings, policy.load().leaderboard, due_passed)
    if board:
        document["leaderboard"] = board
    return document


def markdown_lines(document):
    """report.md's lines for the document's leaderboard (none: [])."""
    board = document.get("leaderboard") or []
    if not board:
        return []
    return ["## Leaderboard", "", *[f"- {entry['name']}: {entry['value']:g}" if isinstance(entry["value"], (int, float))
                                    else f"- {entry['name']}: {entry['value']}" for entry in board], ""]
