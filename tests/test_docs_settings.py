"""The documentation's figures and settings agree with the code they describe."""
import re

from mutate import ROOT, part

convergence = part("checks.convergence")

INSTRUCTORS = (ROOT / "docs" / "instructors.md").read_text(encoding="utf-8")
PERFORMANCE = (ROOT / "docs" / "performance.md").read_text(encoding="utf-8")


def paragraph(start):
    """The instructors' page's bullet paragraph that begins with start (up to the next bullet)."""
    text = INSTRUCTORS[INSTRUCTORS.index(start):]
    return " ".join(re.split(r"\n- ", text, maxsplit=1)[0].split())


def test_the_convergence_settings_are_the_codes():
    text = paragraph("- **Convergence**:")
    runs = re.findall(r"(\d+) iterations of batches of (\d+) at learning rate ([\d.]+)", text)
    configs = [convergence.CONFIGS[kind] for kind in ("MLP", "LinearClassifier")]
    assert runs[:2] == [(str(c["num_iters"]), str(c["batch_size"]), f"{c['optim_config']['learning_rate']:g}")
                        for c in configs]
    assert all(c["update_rule"] == "sgd" for c in configs) and "`sgd`" in text
    assert f"reach {convergence.THRESHOLD:.0%} training accuracy" in text
    assert f"{convergence.N_POINTS} points" in text
    seeds = convergence.SEEDS
    assert ("seed " if len(seeds) == 1 else "seeds ") + " and ".join(map(str, seeds)) + "," in text
    assert "1000 iterations" not in text


def test_the_performance_section_names_the_same_training_budget():
    mlp, linear = convergence.CONFIGS["MLP"], convergence.CONFIGS["LinearClassifier"]
    assert f"{mlp['num_iters']} iterations of {mlp['batch_size']} for the MLP" in " ".join(PERFORMANCE.split())
    kinds = [kind for kind, _, _ in convergence.RUNS]
    n_mlp, n_linear = kinds.count("MLP"), kinds.count("LinearClassifier")
    words = {1: "one", 2: "two", 3: "three", 4: "four"}
    budget = (f"{words[n_mlp]} MLP training{'s' * (n_mlp > 1)} of {mlp['num_iters']} iterations and "
              f"{words[n_linear]} linear one{'s' * (n_linear > 1)} of {linear['num_iters']}")
    assert budget in " ".join(PERFORMANCE.split())
