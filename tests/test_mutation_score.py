"""`make mutation-score` (tests/mutants/score.py): the generated mutants, the reviewed equivalents,
and a seeded sample of the full run, which must be killed or reviewed equivalent."""
import json

import pytest

from autograder import rubric
from mutants import generated, score


@pytest.fixture(scope="module")
def mutants():
    return generated.generate()


def test_every_mutant_lies_in_a_solution_block_and_is_graded_by_rubric_tests(mutants):
    assert len(mutants) > 1000
    functions = {f for test in rubric.load() for f in test.functions}
    for module in generated.MODULES:
        lines = generated.solution_lines((generated.reference() / f"{module}.py").read_text())
        assert {m.line for m in mutants if m.module == module} <= lines
    assert {f for m in mutants for f in m.functions} <= functions
    assert all(score.runner.tagged_tests(m.functions) for m in mutants)


def test_every_solution_block_gets_generated_or_hand_written_mutants(mutants):
    # A block where cosmic-ray's operators find nothing to change (a single call such as
    # np.tanh(x)) must have a mutant in mutants.toml.
    owners = set()
    for module in generated.MODULES:
        source = (generated.reference() / f"{module}.py").read_text()
        definitions = generated.definitions(source)
        owners |= {(module, definitions[line]) for line in generated.solution_lines(source)}
    bare = owners - {(m.module, m.definition) for m in mutants}
    assert bare - {(m.module, m.function) for m in score.runner.load_catalog()} == set()


def test_a_mutant_is_named_by_the_code_it_changes(mutants):
    first = next(m for m in mutants if m.module == "losses")
    before, after = first.change()
    assert before and after and before != after and first.source() != (generated.reference() / "losses.py").read_text()


def test_the_equivalent_list_is_short_and_each_entry_matches_one_mutant(mutants):
    reasons = generated.load_equivalent()
    assert 0 < len(reasons) <= 30
    wanted = {(module, definition, operator) for module, definition, operator, _, _ in reasons}
    keys = {generated.key(m, *m.change()) for m in mutants if (m.module, m.definition, m.operator) in wanted}
    assert set(reasons) - keys == set()
    assert all(len(why) > 20 for why in reasons.values())


def test_the_equivalent_list_rejects_an_entry_without_a_reason(tmp_path):
    bad = tmp_path / "equivalent.toml"
    bad.write_text('[[equivalent]]\nmodule = "losses"\ndefinition = "mse_loss"\noperator = "x"\nbefore = "a"\n'
                   'after = "b"\nwhy = " "\n')
    with pytest.raises(ValueError, match="no reason"):
        generated.load_equivalent(bad)


def test_a_seeded_sample_is_killed_or_reviewed_equivalent(tmp_path):
    # The full run is `make mutation-score` (docs/instructors.md, "The mutation score"); this is its fast subset.
    out = tmp_path / "latest.json"
    status = score.main(["--sample", "30", "--seed", "13", "--jobs", "2", "--out", str(out)])
    figures = json.loads(out.read_text())
    assert figures["mutants"] >= 25 and figures["killed"] + figures["equivalent"] == figures["mutants"]
    assert figures["survivors"] == [] and figures["stale"] == [] and status == 0


def test_survivors_and_stale_entries_are_reported():
    mutant = generated.Generated("losses", "mse_loss", "core/NumberReplacer", 0, 1, ("mse_loss",))
    outcomes = [score.Outcome(mutant, "a", "b", "survived"),
                score.Outcome(mutant, "c", "d", "stale", ["t"], ["x"], "w"),
                score.Outcome(mutant, "e", "f", "killed", ["t"], ["unknown"])]
    figures = score.summary(outcomes, [], 1.0, 2)
    assert figures["survived"] == 1 and len(figures["stale"]) == 1 and figures["score"] == pytest.approx(1 / 3)
    text = score.text(figures)
    assert "survivors:" in text and "a  ->  b" in text and "stale entries" in text
