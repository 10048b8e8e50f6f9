"""The README's figures and settings agree with the code they describe."""
import re

from mutate import ROOT, part

convergence = part("checks.convergence")

README = (ROOT / "README.md").read_text(encoding="utf-8")


def paragraph(start):
    """The README's bullet paragraph that begins with start (up to the next bullet)."""
    text = README[README.index(start):]
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
    assert "seeds " + " and ".join(map(str, convergence.SEEDS)) in text
    assert "1000 iterations" not in text


def test_the_performance_section_names_the_same_training_budget():
    mlp, linear = convergence.CONFIGS["MLP"], convergence.CONFIGS["LinearClassifier"]
    assert f"{mlp['num_iters']} iterations of {mlp['batch_size']} for the MLP" in " ".join(README.split())
    assert f"four MLP trainings of {mlp['num_iters']} iterations and two linear ones of {linear['num_iters']}" \
        in " ".join(README.split())
