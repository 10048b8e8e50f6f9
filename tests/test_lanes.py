"""Lanes (autograder/lanes.py): a submission's tests spread over children that run at once give
the same scores as one lane; the split is fixed by the declared seconds; the lanes' number follows
the processors and the cgroup's quota; each lane's children run on its processor."""
import os
import subprocess
import sys
import time

import pytest

from autograder import assignment, grade, lanes, rubric
from autograder.batch import pool
from autograder.checks.framework import Declared
from autograder.sandbox import Limits
from mutate import ROOT
from tools.make_examples import hang
from tools.reference_copy import copy_reference


def rubric_of(seconds):
    return [rubric.RubricTest(f"t{i}", f"t{i}", 1.0, "visible", ("f",), s) for i, s in enumerate(seconds)]


def test_plan_puts_the_longest_tests_on_the_least_loaded_lane():
    plan = lanes.plan(rubric_of([0.3, 0.02, 0.3, 0.02, 0.06, 0.02]), 2)
    assert [[t.id for t in lane] for lane in plan] == [["t0", "t4"], ["t1", "t2", "t3", "t5"]]  # 0.36 s each


def test_plan_gives_less_to_a_lane_that_must_first_start_a_child():
    assert [len(lane) for lane in lanes.plan(rubric_of([0.02] * 6), 2, [0.0, 0.05])] == [4, 2]
    assert [len(lane) for lane in lanes.plan(rubric_of([0.02] * 6), 2, [0.05, 0.0])] == [2, 4]  # lane k: loads[k]


def test_plan_keeps_rubric_order_in_each_lane_and_gives_each_lane_its_own_list():
    tests = rubric_of([0.02] * 3)
    assert lanes.plan(tests, 1) == [tests]
    plan = lanes.plan(tests, 5)
    assert plan == [[tests[0]], [tests[1]], [tests[2]], [], []]
    assert lanes.plan(tests, 2) == lanes.plan(list(tests), 2)  # a function of the tests alone


def test_every_assignment_splits_into_lanes_of_similar_declared_seconds():
    for name in ("gradlab", "dropnorm"):
        tests = rubric.parse(assignment.load(name))
        loads = [sum(t.seconds for t in lane) for lane in lanes.plan(tests, 2)]
        assert len(loads) == 2 and max(loads) <= max(t.seconds for t in tests) + min(loads), (name, loads)


def test_seconds_come_from_the_check_or_the_rubric_and_must_be_positive():
    declared = {"t": Declared(None, 1, None, ("f",)), "u": Declared(None, 1, None, ("f",), None, 0.3)}
    tests = rubric.combine(declared, {"u": {"seconds": 0.5}})
    assert [t.seconds for t in tests] == [0.5, rubric.SECONDS]
    with pytest.raises(ValueError, match="seconds must be > 0"):
        rubric.combine(declared, {"t": {"seconds": 0}})


def cgroup(tmp_path, lines, files):
    (tmp_path / "cgroup").write_text("\n".join(lines) + "\n")
    for name, text in files.items():
        (tmp_path / "fs" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "fs" / name).write_text(text)


@pytest.mark.parametrize("lines, files, expected", [
    (["0::/"], {"cpu.max": "50000 100000\n", "memory.max": "max\n"}, 1),  # Gradescope's half a CPU
    (["0::/"], {"cpu.max": "max 100000\n", "memory.max": "max\n"}, 2),
    (["0::/"], {"cpu.max": "200000 100000\n", "memory.max": str(700 << 20)}, 1),  # one child's memory only
    (["0::/grading"], {"grading/cpu.max": "200000 100000\n"}, 2),
    (["2:cpu,cpuacct:/", "1:memory:/"], {"cpu,cpuacct/cpu.cfs_quota_us": "50000\n",
                                         "cpu,cpuacct/cpu.cfs_period_us": "100000\n"}, 1),
    (["2:cpu,cpuacct:/", "1:memory:/"], {"cpu,cpuacct/cpu.cfs_quota_us": "-1\n",
                                         "memory/memory.limit_in_bytes": "9223372036854771712\n"}, 2),
    (["0::/"], {"cpu.max": "garbage\n"}, 1),
])
def test_usable_lanes_follow_the_cgroup(tmp_path, monkeypatch, lines, files, expected):
    cgroup(tmp_path, lines, files)
    monkeypatch.setattr(lanes, "CGROUPS", tmp_path / "cgroup")
    monkeypatch.setattr(lanes, "CGROUP_ROOT", tmp_path / "fs")
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    assert lanes.usable(Limits()) == expected


def test_lane_k_runs_on_the_kth_processor_whatever_thread_asks(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {5, 3})
    assert lanes.processors(3) == [3, 5, 3]


def scores(document):
    return {t["extra_data"]["id"]: (t["score"], t["status"]) for t in document["tests"]}


def uploads(name):
    spec = assignment.load(name)
    return [(name, path) for path in sorted(spec.examples.iterdir()) if not path.name.startswith(".")]


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two processors")
@pytest.mark.parametrize("name, upload", uploads("gradlab") + uploads("dropnorm"), ids=lambda v: getattr(v, "name", v))
def test_two_lanes_give_every_example_the_scores_of_one(name, upload):
    assignment.use(name)
    one, _ = grade.grade(upload)
    two, _ = grade.grade(upload, lanes=lanes.processors(2))
    assert scores(two) == scores(one)
    assert two["score"] == one["score"] and two["extra_data"]["lanes"] == 2 and one["extra_data"]["lanes"] == 1
    assert two["extra_data"]["student_output"] == one["extra_data"]["student_output"]


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two processors")
def test_a_hang_costs_each_lane_at_most_one_timeout_and_the_same_score(tmp_path):
    spec = assignment.current()
    upload = copy_reference(tmp_path, [hang(spec)])
    one, _ = grade.grade(upload)
    two, _ = grade.grade(upload, lanes=lanes.processors(2))
    assert scores(two) == scores(one)
    assert one["extra_data"]["children_stopped"]["timeout"] == 1
    assert 1 <= two["extra_data"]["children_stopped"]["timeout"] <= 2


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two processors")
def test_each_lanes_children_run_on_its_processor(tmp_path):
    says_where = "import os\nimport numpy as np\nprint('cpus', sorted(os.sched_getaffinity(0)))\n"
    upload = copy_reference(tmp_path, [("layers", "import numpy as np\n", says_where)])
    before = os.sched_getaffinity(0)
    cpus = sorted(before)[:2]
    document, _ = grade.grade(upload, lanes=cpus)
    extra = document["extra_data"]
    printed = extra["student_output"] + "".join(extra["student_output_later"].values())
    assert f"cpus [{cpus[0]}]" in printed and f"cpus [{cpus[1]}]" in printed
    assert os.sched_getaffinity(0) == before  # the grading thread is unpinned again


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two processors")
def test_no_test_of_one_visibility_runs_beside_a_test_of_another(monkeypatch):
    spans, original = [], grade._grade_tests

    def timed(sandbox, tests, *args):
        began = time.monotonic()
        result = original(sandbox, tests, *args)
        spans.append(({t.visibility for t in tests}, began, time.monotonic()))
        return result
    monkeypatch.setattr(grade, "_grade_tests", timed)
    document, _ = grade.grade(ROOT / "examples" / "submissions" / "complete", lanes=lanes.processors(2))
    assert document["score"] == 100 and len(spans) == 4 and all(len(shown) == 1 for shown, _, _ in spans)
    visible = [span for span in spans if span[0] == {"visible"}]
    later = [span for span in spans if span[0] != {"visible"}]
    assert len(visible) == 2 and max(end for _, _, end in visible) <= min(began for _, began, _ in later)


SLOW_IMPORT = "import time as _t\n_t.sleep(1.0)\n"  # in each of the seven modules: 7 s of imports


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two processors")
def test_the_imports_count_in_every_lanes_budget(tmp_path):
    upload = copy_reference(tmp_path)
    for module in assignment.current().graded:
        path = upload / "gradlab" / f"{module}.py"
        path.write_text(path.read_text() + SLOW_IMPORT)
    document, _ = grade.grade(upload, Limits(total_seconds=9.0), lanes=lanes.processors(2))
    # The bound of docs/threat-model.md: the budget, one last request's probe and stop (none here:
    # nothing hangs), the grader's own work. A lane given a whole budget after the imports took 16 s.
    assert document["execution_time"] < 9.0 + 3.0
    assert "used up its time budget of 9 s" in " ".join(t["output"] for t in document["tests"])


def test_the_command_line_refuses_fewer_than_one_lane_and_says_how_many_it_used(tmp_path):
    refused = subprocess.run([sys.executable, "-m", "autograder", "grade", "examples/submissions/empty", "--out",
                              str(tmp_path / "a"), "--lanes", "0"], cwd=ROOT, capture_output=True, text=True)
    assert refused.returncode == 2 and "--lanes must be at least 1" in refused.stderr
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", "examples/submissions/complete", "--out",
                           str(tmp_path / "b"), "--lanes", "1"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert '"lanes": 1' in (tmp_path / "b" / "results.json").read_text()


def test_the_batch_runs_each_worker_on_its_slots_processor_in_one_lane(tmp_path):
    cpu = max(os.sched_getaffinity(0))

    def job(item):
        (tmp_path / str(item)).write_text(repr((sorted(os.sched_getaffinity(0)), lanes.pinned_here())))
    outcomes = []
    pool.run([0, 1, 2], job, 1, 30, lambda item, outcome: outcomes.append(outcome.status), cpus=[cpu])
    assert outcomes == ["ok"] * 3
    assert {(tmp_path / str(item)).read_text() for item in range(3)} == {repr(([cpu], [cpu]))}
