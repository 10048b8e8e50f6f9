"""gradlab's report plugins (autograder/report/plugins.py): its title and its own sections.

The generic sections (gradient checks, training runs, decision boundaries) are drawn from the
records in results.json; what is gradlab's alone is drawn here, from results.json only.
"""
from autograder.report.html import esc, table

TITLE = "gradlab"
SAMPLING_TEST = "sample_minibatch.values"  # its case "rows are drawn uniformly" keeps figures["row_counts"]


def minibatch_sampling(document):
    """How often sample_minibatch drew each row over the grader's 30 batches of 10 rows out of 20.

    Returns: (heading, HTML) or None when the test is not shown or measured nothing.
    """
    test = next((t for t in document.get("tests", []) if t.get("extra_data", {}).get("id") == SAMPLING_TEST), None)
    counts = (test or {}).get("extra_data", {}).get("figures", {}).get("row_counts")
    if not isinstance(counts, list) or not counts or not all(isinstance(c, int) for c in counts):
        return None
    draws = sum(counts)
    expected = draws / len(counts)
    # One row of counts under the row numbers: 20 columns read at a glance, 20 lines do not.
    header = ["Row"] + [esc(row) for row in range(len(counts))]
    cells = ["Times drawn"] + [esc(count) for count in counts]
    intro = (f"<p>Your <code>sample_minibatch</code> drew {draws} rows in all from {len(counts)}; a uniform "
             f"sampler draws each about {expected:g} times. It drew them between {min(counts)} and {max(counts)} "
             "times.</p>")
    return "Minibatch sampling", intro + table(header, [cells], numeric=tuple(range(1, len(header))))


SECTIONS = [minibatch_sampling]
