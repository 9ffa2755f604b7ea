"""scaling_laws.task: the command line's task laws from Python."""

from __future__ import annotations

import math

import pytest

import scaling_laws as sl

from conftest import cli_error


def _ladder(tmp_path, percent_row=None):
    """Four sizes, two lengths each: a task whose loss follows a Chinchilla law and whose
    accuracy follows a sigmoid of it, with a little alternating noise."""
    files = []
    for n in (1e8, 2e8, 4e8, 8e8):
        for mult in (10, 40):
            name = f"{int(n / 1e6)}M-{mult}x"
            lines = ["tokens,acc_quiz,loss_quiz"]
            for i in range(1, 31):
                d = n * mult * i / 30
                loss = 0.6 + 40.0 / n**0.3 + 300.0 / d**0.3
                acc = 0.25 + 0.7 / (1 + math.exp(6 * (loss - 1.0)))
                wiggle = 0.002 if i % 2 else -0.002
                value = acc + wiggle
                if percent_row == (name, i):
                    value *= 100
                lines.append(f"{d},{value},{loss * (1 + wiggle / 4)}")
            path = tmp_path / f"{name}.csv"
            path.write_text("\n".join(lines) + "\n")
            files.append(str(path))
    return files


PARAMS = {"100M": 1e8, "200M": 2e8, "400M": 4e8, "800M": 8e8}


def test_the_task_report_is_the_command_lines(tmp_path, cli_json):
    files = _ladder(tmp_path)
    laws = sl.task(files, target={"3B": (3.2e9, 6.4e10)}, run_params=PARAMS, bootstrap=10)
    cli = cli_json(
        "task", *files, "--params", "100M=1e8,200M=2e8,400M=4e8,800M=8e8",
        "--target", "3B=3.2e9,6.4e10", "--bootstrap", "10", "--format", "json",
    )
    assert laws.report == cli
    row = laws.predictions(frame="dict")
    assert row["task"] == ["quiz"] and row["target"] == ["3B"]
    # The truth at 3B, 64B tokens.
    loss = 0.6 + 40.0 / 3.2e9**0.3 + 300.0 / 6.4e10**0.3
    truth = 0.25 + 0.7 / (1 + math.exp(6 * (loss - 1.0)))
    assert row["accuracy"][0] == pytest.approx(truth, abs=0.02)


def test_percent_accuracies_and_unknown_tasks_are_refused_with_keywords(tmp_path):
    files = _ladder(tmp_path, percent_row=("200M-10x", 5))
    with pytest.raises(sl.OptionError, match="percentages") as refused:
        sl.task(files, target={"3B": (3.2e9, 6.4e10)}, run_params=PARAMS, bootstrap=0)
    assert "200M-10x.csv" in str(refused.value) and "row 5" in str(refused.value)
    files = _ladder(tmp_path / ".." / tmp_path.name)
    with pytest.raises(sl.OptionError, match="'arc_\\*' matches no task") as unknown:
        sl.task(files, target={"3B": (3.2e9, 6.4e10)}, run_params=PARAMS, tasks=["arc_*"])
    assert "--" not in str(unknown.value).split("templates")[0]
    with pytest.raises(sl.OptionError, match="params="):
        sl.task(files, target={"3B": (3.2e9, 6.4e10)})


def test_budgets_and_target_accuracies_match_the_command_line_and_the_truth(tmp_path, cli_json):
    files = _ladder(tmp_path)
    laws = sl.task(files, budget=1e20, target_accuracy=[0.8, 0.99], step2="sigmoid", run_params=PARAMS, bootstrap=20)
    cli = cli_json(
        "task", *files, "--params", "100M=1e8,200M=2e8,400M=4e8,800M=8e8",
        "--budget", "1e20", "--target-accuracy", "0.8,0.99", "--bootstrap", "20", "--format", "json",
    )
    assert laws.report == cli
    goals = laws.accuracy_goals(frame="dict")
    assert goals["accuracy"] == [0.8, 0.99]
    # 80%, past the largest run's 71%: the truth's task loss there is 1 + ln(0.7/0.55 − 1)/6
    # (the sigmoid inverted); the compute the fit names reaches about that loss by the truth's
    # law.
    needed = 1.0 + math.log(0.7 / 0.55 - 1) / 6
    assert goals["task_loss"][0] == pytest.approx(needed, abs=0.02)
    n, d = goals["params"][0], goals["tokens"][0]
    assert n * d * 6 == pytest.approx(goals["compute"][0], rel=1e-9)
    assert 0.6 + 40.0 / n**0.3 + 300.0 / d**0.3 == pytest.approx(needed, abs=0.03)
    assert goals["lower"][0] < goals["compute"][0] < goals["upper"][0]
    # 99% lies above the sigmoid's ceiling of 95%: no number.
    assert goals["compute"][1] is None and "cannot tell" in goals["withheld"][1]
    rows = laws.predictions(frame="dict")
    assert rows["budget"] == [1e20] and rows["params"][0] * rows["tokens"][0] * 6 == pytest.approx(1e20)


def test_a_task_call_without_a_question_or_with_a_percent_goal_is_refused(tmp_path):
    files = _ladder(tmp_path)
    with pytest.raises(sl.OptionError, match="target_accuracy="):
        sl.task(files, run_params=PARAMS)
    with pytest.raises(sl.OptionError, match="fractions"):
        sl.task(files, run_params=PARAMS, target_accuracy=60)
    with pytest.raises(sl.OptionError, match="exponential"):
        sl.task(files, run_params=PARAMS, budget=1e20, step2="logistic")


def test_the_task_figure_is_the_command_lines(tmp_path, cli_json):
    files = _ladder(tmp_path)
    laws = sl.task(files, target={"3B": (3.2e9, 6.4e10)}, run_params=PARAMS, bootstrap=5)
    figure = laws.plot()
    out = tmp_path / "tasks.svg"
    cli_json(
        "task", *files, "--params", "100M=1e8,200M=2e8,400M=4e8,800M=8e8",
        "--target", "3B=3.2e9,6.4e10", "--bootstrap", "5", "--format", "json", "--plot", str(out),
    )
    assert figure.svg == out.read_text()
    assert (figure.width, figure.height) == (2025, 750)
    assert "step 2 (predictable)" in figure.svg
