"""A mistake costs only the function that makes it: dropnorm's mutants graded on the tests of the
functions that call the broken one (tests/dropnorm/test_dropnorm_mutants.py judges the
diagnoses of the whole suite)."""
import dataclasses
from pathlib import Path

import pytest

from autograder import assignment, grade, rubric
from mutants import runner

FOLDER = Path(__file__).resolve().parents[2] / "assignments" / "dropnorm"


@pytest.fixture
def graded(tmp_path):
    """function(mutant, test ids) -> {test id: (score, max score, diagnosis)}."""
    previous = assignment.current()
    assignment.use(FOLDER)
    catalog = {mutant.name: mutant for mutant in runner.load_catalog()}

    def grade_mutant(mutant, ids):
        """mutant: a name of the catalog, or a runner.Mutant."""
        mutant = catalog[mutant] if isinstance(mutant, str) else mutant
        upload = runner.build_mutant(mutant, tmp_path / mutant.name)
        document = grade.grade(upload, rubric_tests=[t for t in rubric.load() if t.id in ids])[0]
        return {t["extra_data"]["id"]: (t["score"], t["max_score"], t["extra_data"]["diagnosis"])
                for t in document["tests"]}
    yield grade_mutant
    assignment.use(previous)


def test_a_wrong_forward_mask_costs_the_right_backward_nothing(graded):
    scores = graded("dropout_mask_above_1_minus_p", ["dropout_forward.train", "dropout_backward.gradient"])
    assert scores["dropout_forward.train"][0] == 0
    assert scores["dropout_forward.train"][2] == "dropout_mask_not_from_seed"
    backward = scores["dropout_backward.gradient"]
    assert backward[0] == backward[1]


def test_a_wrong_backward_fails_against_the_student_s_own_forward(graded):
    # the forward's mask and the backward both wrong: the backward is judged on its own mask
    catalog = {mutant.name: mutant for mutant in runner.load_catalog()}
    both = catalog["dropout_mask_above_1_minus_p"]
    both = dataclasses.replace(both, name="both", edits=both.edits + catalog["dropout_backward_ignores_mask"].edits)
    scores = graded(both, ["dropout_backward.gradient"])
    assert scores["dropout_backward.gradient"][0] < scores["dropout_backward.gradient"][1]
    assert scores["dropout_backward.gradient"][2] == "dropout_backward_ignores_mask"


@pytest.mark.parametrize("name, code", [("nets_dropout_seed_zero_indexed", "net_dropout_seed_wrong"),
                                        ("nets_batchnorm_mode_not_set", "batchnorm_batch_stats_in_test_mode")])
def test_the_visible_layout_check_names_the_net_s_mistake(graded, name, code):
    scores = graded(name, ["DeepMLP.layout"])
    assert scores["DeepMLP.layout"][0] < scores["DeepMLP.layout"][1]
    assert scores["DeepMLP.layout"][2] == code
