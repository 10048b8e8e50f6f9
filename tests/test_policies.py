"""The rubric's [policy]: its parser, the late deduction, Gradescope's submission limits and the
leaderboard, each with real metadata and results files; every results.json valid against the schema."""
import json
import shutil

import pytest

from autograder import assignment, grade, leaderboard, policy, rubric
from autograder.gradescope import metadata
from autograder.gradescope import run as gradescope_run
from autograder.policy import late, limits
from autograder.report import records
from autograder.results import grader_name
from mutate import ROOT, part
from results_schema import validate as validate_results

EXAMPLES = ROOT / "examples" / "submissions"
DUE = "2026-03-01T23:59:00-05:00"
LATE = policy.Late(points_per_unit=2, unit_hours=1, max_deduction=10)


def rubric_file(tmp_path, text):
    path = tmp_path / "rubric.toml"
    path.write_text(text)
    return path


def meta(created, due=DUE, late_due=None, users=None, previous=()):
    return {"id": 9, "created_at": created, "assignment": {"due_date": due, "late_due_date": late_due},
            "users": users or [{"email": "s@example.edu", "id": 7, "name": "S"}],
            "previous_submissions": list(previous)}


def document(score=50.0, max_score=100.0):
    """A small results document as grade() writes it."""
    return {"score": score, "execution_time": 1.0, "output": "**Score**", "tests": [
        {"name": "t", "score": score, "max_score": max_score, "status": "failed", "visibility": "visible",
         "tags": ["f"], "output": "", "extra_data": {"id": "t"}}], "extra_data": {"notes": []}}


# The parser


def test_the_shipped_rubric_has_only_the_leaderboard_on():
    rules = policy.load()
    assert rules.late is None and rules.limits is None
    assert rules.leaderboard == policy.Leaderboard("convergence.ring", training_time=False)
    assert "convergence.ring" in {test.id for test in rubric.parse()}


def test_a_rubric_without_policy_has_everything_off(tmp_path):
    assert policy.load(rubric_file(tmp_path, '[tests."a"]\npoints = 1\nfunctions = ["f"]\n')) == policy.Policy()


def test_every_part_is_parsed(tmp_path):
    path = rubric_file(tmp_path, """
[policy.late]
points_per_day = 10
max_deduction = 30
grace_minutes = 15
after_late_due_date = "zero"
[policy.limits]
max_per_window = 3
window_hours = 12
[policy.leaderboard]
test = "convergence.three_modes"
training_time = true
""")
    rules = policy.load(path)
    assert rules.late == policy.Late(10, 24, 30, 15, "zero")
    assert rules.limits == policy.Limits(3, 12, None)
    assert rules.leaderboard == policy.Leaderboard("convergence.three_modes", training_time=True)


@pytest.mark.parametrize("table, message", [
    ("[policy.late]\npoints_per_hour = 1\npoints_per_day = 1\nmax_deduction = 5", "exactly one"),
    ("[policy.late]\npoints_per_hour = 1", "max_deduction"),
    ("[policy.late]\npoints_per_hour = -1\nmax_deduction = 5", "positive"),
    ("[policy.late]\npoints_per_hour = 1\nmax_deduction = 5\nafter_late_due_date = 'none'", "after_late_due_date"),
    ("[policy.limits]\nwindow_hours = 24", "max_per_window"),
    ("[policy.limits]\nmax_total = 2.5", "integer"),
    ("[policy.limits]\nmax_total = true", "integer"),
    ("[policy.leaderboard]\ntraining_time = true", "needs test"),
    ("[policy.leaderboard]\ntest = 'convergence.ring'\ntraining_time = 1", "true or false"),
    ("[policy.curve]\nx = 1", "unknown keys"),
    ("[policy.late]\npoints_per_hour = 1\nmax_deduction = 5\ncap = 3", "unknown keys"),
])
def test_a_malformed_policy_is_refused_with_its_key(tmp_path, table, message):
    with pytest.raises(ValueError, match=message):
        policy.load(rubric_file(tmp_path, table + "\n"))


# The late policy


@pytest.mark.parametrize("created, points", [
    ("2026-03-01T23:00:00-05:00", None),  # on time
    ("2026-03-02T00:30:00-05:00", 2),  # 31 minutes: one started hour
    ("2026-03-02T03:29:00-05:00", 8),  # 3.5 hours: four
    ("2026-03-03T00:00:00-05:00", 10),  # a day: capped
])
def test_the_deduction_counts_started_hours_and_is_capped(created, points):
    taken = late.deduction(metadata.lateness(meta(created)), LATE, 80.0)
    assert (taken and taken["points"]) == points


def test_the_grace_and_the_days():
    info = metadata.lateness(meta("2026-03-02T00:10:00-05:00"))
    assert late.deduction(info, policy.Late(2, 1, 10, grace_minutes=15), 80.0) is None
    per_day = policy.Late(5, 24, 50)
    assert late.deduction(info, per_day, 80.0)["points"] == 5
    two_days = metadata.lateness(meta("2026-03-03T23:58:00-05:00"))  # 2 days less a minute
    assert late.deduction(two_days, per_day, 80.0)["units"] == 2


def test_each_student_is_late_after_their_own_due_date():
    users = [{"id": 7, "assignment": {"due_date": "2026-03-03T23:59:00-05:00"}}]
    assert late.deduction(metadata.lateness(meta("2026-03-02T12:00:00-05:00", users=users)), LATE, 80.0) is None


def test_after_the_late_due_date_the_policy_says_what_happens():
    info = metadata.lateness(meta("2026-03-02T01:00:00-05:00", late_due="2026-03-02T00:30:00-05:00"))
    assert late.deduction(info, LATE, 80.0)["points"] == 10  # max_deduction, though 2 hours give 4
    zero = late.deduction(info, policy.Late(2, 1, 10, after_late_due_date="zero"), 80.0)
    assert zero["points"] == 80 and zero["past_late_due_date"] and "late due date" in zero["message"]


def test_the_deduction_never_takes_the_total_below_zero():
    info = metadata.lateness(meta("2026-03-03T00:00:00-05:00"))
    assert late.deduction(info, LATE, 3.5)["points"] == 3.5
    assert late.deduction(info, LATE, 0.0) is None


def test_the_deduction_is_its_own_line_of_a_valid_results_json():
    results = late.apply(document(50.0), meta("2026-03-02T02:00:00-05:00"), LATE)
    validate_results(results)
    penalty = results["tests"][-1]
    assert penalty["name"] == "Late penalty" and penalty["score"] == -6 and penalty["max_score"] == 0
    assert penalty["extra_data"]["id"] == late.TEST_ID and penalty["visibility"] == "visible"
    assert results["score"] == 44 == sum(t["score"] for t in results["tests"])
    assert results["output"].startswith("**Late penalty**: -6 points: 3 started hours late")
    assert results["extra_data"]["late_penalty"]["points"] == 6


@pytest.mark.parametrize("odd", [None, {}, {"created_at": 5}, meta("not a date"), meta("2026-03-02T02:00:00Z", due=[1]),
                                 {"created_at": "2026-03-02T02:00:00Z", "users": "x", "assignment": "y"}])
def test_odd_metadata_and_no_policy_deduct_nothing(odd):
    assert late.apply(document(), odd, LATE) == document()
    assert late.apply(document(), meta("2026-03-05T00:00:00Z"), None) == document()


# Submission limits


def graded_before(time, score=40.0, **extra):
    """A previous_submissions entry as Gradescope writes it: its results are our results.json."""
    results = document(score)
    results["leaderboard"] = [{"name": "Accuracy on ring", "value": score / 100}]
    results["extra_data"].update({"grader": grader_name(assignment.current()), **extra})
    return {"submission_time": time, "score": score, "results": results}


CREATED = "2026-02-20T12:00:00-05:00"
FIVE_A_DAY = policy.Limits(max_per_window=2, window_hours=24)


def test_within_the_limit_the_submission_is_graded():
    assert limits.check(meta(CREATED, previous=[graded_before("2026-02-20T09:00:00-05:00")]), FIVE_A_DAY) is None
    assert limits.check(meta(CREATED), FIVE_A_DAY) is None
    assert limits.check(meta(CREATED, previous=[graded_before("2026-02-20T09:00:00-05:00")] * 5), None) is None


def metadata_file(tmp_path, data):
    """data written as submission_metadata.json and read back as run_autograder reads it."""
    path = tmp_path / "submission_metadata.json"
    path.write_text(json.dumps(data))
    return metadata.read(path)


def test_past_the_limit_the_last_graded_score_stands_with_a_message(tmp_path):
    previous = [graded_before("2026-02-19T11:00:00-05:00", 10.0),  # more than 24 hours before: not counted
                graded_before("2026-02-20T09:00:00-05:00", 30.0), graded_before("2026-02-20T10:00:00-05:00", 35.0)]
    data, note = metadata_file(tmp_path, meta(CREATED, previous=previous))
    assert note is None
    results = limits.check(data, FIVE_A_DAY)
    validate_results(results)
    assert results["score"] == 35.0 and results["tests"] == previous[2]["results"]["tests"]
    assert results["leaderboard"] == previous[2]["results"]["leaderboard"]
    assert results["output"].startswith("**Submission limit**: you have used the 2 graded submissions allowed in "
                                        "24 hours")
    assert "next one is graded from 2026-02-21T09:00:00-05:00 (in 21 hours)" in results["output"]
    assert results["extra_data"]["limited"]["last_graded"] == "2026-02-20T10:00:00-05:00"
    assert data["previous_submissions"][2]["results"]["output"] == "**Score**"  # a copy: the metadata is not changed


def test_runs_where_the_grader_failed_and_limited_ones_never_count():
    previous = [graded_before("2026-02-20T09:00:00-05:00"),
                graded_before("2026-02-20T10:00:00-05:00", 0.0, grading_failed="Traceback ..."),
                graded_before("2026-02-20T10:30:00-05:00", 40.0, limited={"reason": "..."}),
                {"submission_time": "2026-02-20T11:00:00-05:00", "score": None, "results": None}]
    assert limits.check(meta(CREATED, previous=previous), FIVE_A_DAY) is None


def test_the_total_limit_and_a_regrade_counts_only_earlier_submissions():
    previous = [graded_before(f"2026-02-1{day}T09:00:00-05:00", float(day)) for day in range(1, 4)]
    rules = policy.Limits(max_total=3)
    results = limits.check(meta(CREATED, previous=previous), rules)
    assert results["score"] == 3.0 and "all 3 graded submissions" in results["output"]
    # Regrading the second submission: Gradescope lists the later ones too, which do not count.
    assert limits.check(meta("2026-02-12T10:00:00-05:00", previous=previous), rules) is None


@pytest.mark.parametrize("previous", [
    "not a list", [None, 3, "x"], [{"submission_time": 5, "results": {}}],
    [{"submission_time": "yesterday", "results": {"tests": "x", "score": "high"}, "score": "x"}] * 3,
    [{"submission_time": "2026-02-20T09:00:00", "results": {"score": True, "output": 3, "extra_data": []}}] * 3,
    [{"submission_time": "2026-02-20T09:00:00", "results": {"leaderboard": [3, {"name": 1}, {"name": "x"}]}}] * 3,
    [{"submission_time": "2026-02-20T09:00:00", "results": {"leaderboard": {"name": "x", "value": 1}}}] * 3,
])
def test_odd_previous_submissions_never_raise_and_give_valid_results(tmp_path, previous):
    data = meta(CREATED)
    data["previous_submissions"] = previous
    data, _ = metadata_file(tmp_path, data)
    results = limits.check(data, policy.Limits(max_per_window=1, max_total=2))
    if results is not None:
        validate_results(results)
        assert results["tests"] == [] and results["score"] == 0.0
    odd_time = limits.check({"created_at": ["x"], "previous_submissions": previous}, policy.Limits(max_total=1))
    if odd_time is not None:
        validate_results(odd_time)


def test_run_autograder_past_the_limit_grades_nothing(tmp_path, monkeypatch):
    (tmp_path / "submission").mkdir()
    previous = [graded_before("2026-02-20T09:00:00-05:00", 30.0), graded_before("2026-02-20T10:00:00-05:00", 35.0)]
    (tmp_path / "submission_metadata.json").write_text(json.dumps(meta(CREATED, previous=previous)))
    monkeypatch.setenv("AUTOGRADER_ROOT", str(tmp_path))
    monkeypatch.setattr(policy, "load", lambda: policy.Policy(limits=FIVE_A_DAY))

    def must_not_grade(*args, **kwargs):
        raise AssertionError("graded past the limit")
    monkeypatch.setattr(grade, "grade", must_not_grade)
    assert gradescope_run.main() == 0
    results = json.loads((tmp_path / "results" / "results.json").read_text())
    validate_results(results)
    assert results["score"] == 35.0 and "**Submission limit**" in results["output"]
    assert results["extra_data"]["submission"]["late"] is False


def test_run_autograder_deducts_for_lateness(tmp_path, monkeypatch):
    shutil.copytree(EXAMPLES / "half_finished", tmp_path / "submission")
    (tmp_path / "submission_metadata.json").write_text(json.dumps(meta("2026-03-02T01:30:00-05:00")))
    monkeypatch.setenv("AUTOGRADER_ROOT", str(tmp_path))
    monkeypatch.setattr(policy, "load", lambda path=None: policy.Policy(late=LATE))
    assert gradescope_run.main() == 0
    results = json.loads((tmp_path / "results" / "results.json").read_text())
    validate_results(results)
    graded = sum(t["score"] for t in results["tests"] if t["extra_data"]["id"] != late.TEST_ID)
    assert results["tests"][-1]["score"] == -4 and results["score"] == pytest.approx(graded - 4)
    assert results["output"].startswith("**Late submission**") and "**Late penalty**: -4 points" in results["output"]
    assert "leaderboard" not in results  # the policy given here has none


# The leaderboard


def training_runs(accuracies):
    """extra_data.records of a convergence test on ring whose runs (seeds 0, 1, ...) reached accuracies."""
    return [records.TrainingRun("ring", seed, [0.7, 0.1], [0.7, 0.1], accuracy, 1.0, 0.95).to_data()
            for seed, accuracy in enumerate(accuracies)]


def test_the_leaderboard_comes_from_the_convergence_runs():
    tests = [{"visibility": "after_due_date", "extra_data": {"id": "convergence.ring",
                                                             "records": training_runs([0.99, 0.97])}}]
    board = policy.Leaderboard("convergence.ring")
    accuracy = {"name": "Accuracy on ring", "value": 0.98, "order": "desc"}
    assert leaderboard.entries(tests, {"convergence.ring": 1.234}, board) == [accuracy]
    timed = policy.Leaderboard("convergence.ring", training_time=True)
    assert leaderboard.entries(tests, {"convergence.ring": 1.234}, timed) == [
        accuracy, {"name": "Training time on ring (s)", "value": 1.23, "order": "asc"}]
    assert leaderboard.entries(tests, {}, board, due_passed=False) == []  # the test is not shown yet
    assert leaderboard.entries(tests, {}, None) == []
    assert leaderboard.entries([{**tests[0], "extra_data": {"id": "convergence.ring", "records": []}}], {}, board) == []
    # Only training runs count: another test's records (a gradient check) make no leaderboard.
    gradient = records.GradientCheck("MLP.loss", "W1", 1e-9, 1e-7).to_data()
    assert leaderboard.entries([{**tests[0], "extra_data": {"id": "convergence.ring", "records": [gradient]}}],
                               {}, board) == []


def test_a_graded_submission_has_a_valid_leaderboard(tmp_path, monkeypatch):
    results = grade.grade_to(EXAMPLES / "complete", tmp_path)  # the shipped rubric's: accuracy only
    validate_results(results)
    assert "## Leaderboard\n\n- Accuracy on ring: " in (tmp_path / "report.md").read_text()
    ring = next(t for t in results["tests"] if t["extra_data"]["id"] == "convergence.ring")
    accuracies = [run["accuracy"] for run in ring["extra_data"]["records"] if run["kind"] == "training_run"]
    assert len(accuracies) == len(ring["extra_data"]["cases"]) == len(part("checks.convergence").SEEDS)
    assert results["leaderboard"] == [{"name": "Accuracy on ring", "value": round(sum(accuracies) / len(accuracies), 4),
                                       "order": "desc"}]
    assert "leaderboard" not in grade.grade(EXAMPLES / "complete", due_passed=False)[0]
    monkeypatch.setattr(policy, "load", lambda path=None: policy.Policy(leaderboard=policy.Leaderboard(
        "convergence.three_modes", training_time=True)))
    timed, seconds = grade.grade(EXAMPLES / "complete")
    validate_results(timed)
    assert timed["leaderboard"][1] == {"name": "Training time on three_modes (s)",
                                       "value": round(seconds["convergence.three_modes"], 2), "order": "asc"}
    assert timed["leaderboard"][1]["value"] > 0


# Fixes from the review of the policies (issue 16)


def hidden_document(visible, hidden):
    """A results document with one visible test and one after_due_date test."""
    doc = document(visible)
    doc["tests"].append({**doc["tests"][0], "name": "h", "score": hidden, "visibility": "after_due_date",
                         "extra_data": {"id": "h"}})
    doc["score"] = visible + hidden
    return doc


def test_the_deduction_before_the_due_date_never_tells_the_hidden_tests_points():
    created = "2026-03-02T09:59:00-05:00"  # 10 hours late: 20 points, capped at 10
    before = late.apply(hidden_document(3.0, 40.0), meta(created), LATE, due_passed=False)
    assert before["tests"][-1]["score"] == -3 and before["score"] == 40  # only what the visible test shows
    assert "-3 points" in before["tests"][-1]["output"]
    after = late.apply(hidden_document(3.0, 40.0), meta(created), LATE, due_passed=True)
    assert after["tests"][-1]["score"] == -10 and after["score"] == 33
    validate_results(before)


@pytest.mark.parametrize("own", [{}, {"late_due_date": None}])
def test_an_extension_past_the_late_due_date_ignores_the_assignments_late_due_date(own):
    users = [{"id": 7, "assignment": {"due_date": "2026-03-10T23:59:00-05:00", **own}}]
    one_hour_late = meta("2026-03-11T00:30:00-05:00", late_due="2026-03-04T23:59:00-05:00", users=users)
    taken = late.deduction(metadata.lateness(one_hour_late), LATE, 80.0)
    assert taken["points"] == 2 and not taken["past_late_due_date"]
    before_own = meta("2026-03-06T00:00:00-05:00", late_due="2026-03-04T23:59:00-05:00", users=users)
    now = metadata._when(before_own["created_at"], "", [])
    assert not metadata.due_date_passed(before_own, now=now)


def test_a_seed_whose_training_raised_counts_zero_on_the_leaderboard():
    cases = [{"name": f"ring, seed {s}", "passed": s == 0} for s in range(3)]
    def ring(runs):
        return [{"visibility": "after_due_date", "extra_data": {"id": "convergence.ring", "cases": cases,
                                                                "records": runs}}]
    board = policy.Leaderboard("convergence.ring")
    honest = training_runs([0.99, 0.80, 0.82])
    assert leaderboard.entries(ring(honest), {}, board)[0]["value"] == 0.87
    assert leaderboard.entries(ring(honest[:1]), {}, board)[0]["value"] == 0.33  # seeds 1 and 2 raised
    assert leaderboard.entries(ring(training_runs([0.99, None, 0.81])), {}, board)[0]["value"] == 0.6  # unmeasured: 0


@pytest.mark.parametrize("lost", [{}, {"output": "The autograder failed to execute correctly."},
                                  {"score": 0, "extra_data": {"grader": "another grader"}}])
def test_only_results_this_grader_wrote_count_towards_the_limit(lost):
    previous = [graded_before("2026-02-20T09:00:00-05:00", 80.0),
                {"submission_time": "2026-02-20T10:00:00-05:00", "score": 0.0, "results": lost}]
    assert limits.check(meta(CREATED, previous=previous), FIVE_A_DAY) is None
    assert limits.check(meta(CREATED, previous=previous + [graded_before("2026-02-20T11:00:00-05:00")]),
                        FIVE_A_DAY)["score"] == 40.0


def test_the_same_earlier_submission_listed_twice_counts_once():
    twice = [graded_before("2026-02-20T09:00:00-05:00")] * 2
    assert limits.check(meta(CREATED, previous=twice), FIVE_A_DAY) is None
    other = graded_before("2026-02-20T09:00:00-05:00", 41.0)  # same time, other results: another submission
    assert limits.check(meta(CREATED, previous=twice + [other]), FIVE_A_DAY)["score"] == 41.0


def test_under_a_second_late_is_a_started_hour():
    info = metadata.lateness(meta("2026-03-01T23:59:00.4-05:00"))
    assert info["late"] and info["seconds_late"] == pytest.approx(0.4)
    assert late.deduction(info, LATE, 80.0)["points"] == 2


@pytest.mark.parametrize("key", ["[policy.late]\npoints_per_hour = nan\nmax_deduction = 20",
                                 "[policy.late]\npoints_per_hour = 1\nmax_deduction = nan",
                                 "[policy.late]\npoints_per_hour = 1\nmax_deduction = 2\ngrace_minutes = inf",
                                 "[policy.limits]\nmax_per_window = 1\nwindow_hours = inf"])
def test_the_parser_refuses_numbers_that_are_not_finite(tmp_path, key):
    with pytest.raises(ValueError, match="must be a finite number"):
        policy.load(rubric_file(tmp_path, key + "\n"))


def run_limited(tmp_path, monkeypatch, text):
    """run_autograder with a limit of one a day, submission_metadata.json holding text; its results.json."""
    (tmp_path / "submission").mkdir(exist_ok=True)
    (tmp_path / "submission_metadata.json").write_text(text)
    monkeypatch.setenv("AUTOGRADER_ROOT", str(tmp_path))
    monkeypatch.setattr(policy, "load", lambda path=None: policy.Policy(limits=policy.Limits(max_per_window=1)))
    assert gradescope_run.main() == 0
    results = json.loads((tmp_path / "results" / "results.json").read_text())
    validate_results(results)
    return results


def test_numbers_in_the_metadata_that_are_not_finite_are_read_as_null(tmp_path, monkeypatch):
    earlier = json.dumps(graded_before("2026-02-20T09:00:00-05:00", 30.0))
    entry_score = '-05:00", "score": 30.0'
    assert entry_score in earlier
    for odd in (earlier.replace(entry_score, '-05:00", "score": NaN'), earlier.replace("0.3", "1e400")):
        text = json.dumps(meta(CREATED)).replace('"previous_submissions": []', f'"previous_submissions": [{odd}]')
        (tmp_path / "submission_metadata.json").write_text(text)
        data, note = metadata.read(tmp_path / "submission_metadata.json")
        assert "not finite" in note
        results = run_limited(tmp_path, monkeypatch, text)
        assert "**Submission limit**" in results["output"]
        assert any("not finite" in n for n in results["extra_data"]["submission"]["notes"])


def test_results_json_is_written_even_when_the_document_cannot_be(tmp_path, monkeypatch):
    monkeypatch.setattr(grade, "grade", lambda *args, **kwargs: ({**document(), "score": float("nan")}, {}))
    results = run_limited(tmp_path, monkeypatch, json.dumps(meta(CREATED)))
    assert results["score"] == 0 and "grading_failed" in results["extra_data"]


def test_a_refused_submission_copies_only_what_is_valid(tmp_path, monkeypatch):
    earlier = graded_before("2026-02-20T09:00:00-05:00", 30.0)
    earlier["results"].update(output_format="rtf", test_output_format=3, stdout_visibility="everyone", junk=1)
    earlier["results"]["tests"] += [{"name": "no max_score", "score": 1.0},
                                    {"name": "odd", "score": 1.0, "max_score": 1, "visibility": "public"}]
    results = run_limited(tmp_path, monkeypatch, json.dumps(meta(CREATED, previous=[earlier])))
    assert results["output_format"] == "md" and "junk" not in results and results["score"] == 30.0
    assert results["tests"] == earlier["results"]["tests"][:1]
    notes = results["extra_data"]["limited"]["notes"]
    assert any("2 test(s)" in n for n in notes) and any("'rtf'" in n for n in notes)
