"""Extreme but valid settings: no firms in one country (or in both), no universities, a zero
budget for every policy, every policy at once, explosive entry, a population of 15 firms, and
100,000 firms. Each either runs, with every invariant of tests/test_invariants.py holding
every quarter, or is refused by the command line with one line and exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, fresh_model, run_cli, scenario, spec, toml_text
from test_invariants import IdLedger, check_firms, check_ties, step_checked

from sim.policies import REGISTRY

STEPS = 8
MONEY = ("budget", "operating_cost", "setup_cost", "cost")


def every_policy(**overrides: float) -> list[dict]:
    """Every registered policy in both countries, with ``overrides`` where declared."""
    return [{"type": kind, **{k: v for k, v in overrides.items()
                              if k in REGISTRY[kind].declared()}} for kind in sorted(REGISTRY)]


CASES = {
    "no_firms_in_AZ": spec(countries={"AZ": {"model_firms": 0}},
                           policies=every_policy(), scale=0.1),
    "no_firms_in_BY": spec(countries={"BY": {"model_firms": 0}},
                           policies=every_policy(), scale=0.1),
    "no_universities": spec(countries={"AZ": {"universities": 0}, "BY": {"universities": 0}},
                            policies=every_policy(), scale=0.1),
    "zero_budget_everywhere": spec(policies=every_policy(**dict.fromkeys(MONEY, 0.0)),
                                   scale=0.1, model={"soft_budget": 0.0}),  # no bail-outs
    "every_policy_at_once": spec(policies=every_policy(), scale=0.1),
    "explosive_entry": spec(model={"entry_rate": 0.2, "replacement_entry": 2.0,
                                   "spinoff_rate": 1.0}, scale=0.05),
    "fifteen_firms": spec(policies=every_policy(), scale=0.01),
    "no_firms_at_all": spec(countries={"AZ": {"model_firms": 0}, "BY": {"model_firms": 0}},
                            policies=every_policy(), scale=0.1),
}


def run_through_cli(d: dict, tmp_path: Path) -> tuple[int, str]:
    """``clustersim compare`` of a tiny baseline and the extreme scenario, 2 quarters."""
    path = tmp_path / "extreme.toml"
    path.write_text(toml_text({**d, "name": "extreme"}))
    reference = tmp_path / "reference.toml"
    reference.write_text(toml_text({"name": "reference", "model": {"firm_scale": 0.02,
                                                                   "warmup": 0}}))
    out = tmp_path / "out"
    code, stdout, err = run_cli(["compare", str(reference), str(path), "--seeds", "1",
                                 "--steps", "2", "--out", str(out), "--quiet", "--workers",
                                 "1"])
    assert "Traceback" not in err
    if code == 0:
        assert (out / "compare.md").is_file() and (out / "indicators.parquet").is_file()
    else:
        lines = err.strip().splitlines()
        assert code == 2 and len(lines) == 1, f"exit code {code}:\n{err}"
        assert str(path) in lines[0] and not out.exists()
    return code, err


@pytest.mark.parametrize("case", sorted(CASES))
def test_extreme_settings_run_with_every_invariant(case, tmp_path):
    d = CASES[case]
    code, err = run_through_cli(d, tmp_path)
    if code == 2:  # refused with a clear message: nothing more to check
        assert "model_firms" in err, err
        return
    model = fresh_model(scenario(d), seed=3)
    if case.startswith("no_firms_"):
        # the only firms of an empty country are those founded during the warm-up (spin-offs
        # of its universities, entrants): none of the starting population
        empty = {"no_firms_in_AZ": [0], "no_firms_in_BY": [1], "no_firms_at_all": [0, 1]}[case]
        mine = np.isin(model.firms["country"], empty)
        assert (model.firms["born"][mine] >= -model.params["warmup"]).all()
        assert (model.firms["spinoff"][mine] | (model.firms["employees"][mine] < 200)).all()
        if case != "no_firms_at_all":
            assert (~mine).sum() > 50
    check_firms(model)
    check_ties(model)
    ledger = IdLedger(model)
    for _ in range(STEPS):
        step_checked(model, ledger)
    if case == "zero_budget_everywhere":
        spent = {code: gov.spent_total for code, gov in model.governments.items()}
        assert spent == {"AZ": 0.0, "BY": 0.0}, f"policies with no budget spent {spent}"
    if case == "no_universities":
        assert model.universities == []


#: The 100k-firm construction, in its own process so its time and peak memory are its own.
LARGE = textwrap.dedent("""
    import json, resource, sys, time
    import numpy as np
    from sim import ClusterModel
    from sim.inputs.scenario import default_scenario
    start = time.perf_counter()
    s = default_scenario().with_model(firm_scale=100_000 / 1500, warmup=0)
    model = ClusterModel(s, seed=1)
    built = time.perf_counter()
    model.step()
    stepped = time.perf_counter()
    f = model.firms
    finite = all(np.isfinite(f[c]).all() for c in ("employees", "capital", "cash", "debt",
                                                  "productivity", "sales_total"))
    # time to market is undefined (NaN) while nothing has been launched in its window, and
    # the grants' take-up while no grant has funded a project (the baseline has none); every
    # other indicator must be finite, so a NaN there is not masked
    arr = model.indicator_array()
    names = model.indicator_names()
    ttm = [names.index(n) for n in ("time_to_market", "deadweight_share",
                                    "private_per_public")]
    print(json.dumps({"firms": int(f.n), "ties": model.graph.number_of_edges(),
                      "universities": len(model.universities),
                      "construct_s": built - start, "step_s": stepped - built,
                      "finite": bool(finite),
                      "indicators_finite": bool(np.isfinite(np.delete(arr, ttm, axis=2)).all()),
                      "time_to_market_not_inf": bool(not np.isinf(arr[:, :, ttm]).any()),
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
""")


def test_hundred_thousand_firms_build_and_step_in_a_minute():
    """100,000 firms (firm_scale 66.7, no warm-up): construction and one quarter take under
    60 s together, and the state is finite."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", LARGE], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)
    wall = time.perf_counter() - start
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    print(f"\n100k firms: {result} (process wall time {wall:.1f} s)")
    assert 95_000 <= result["firms"] <= 105_000
    assert result["finite"] and result["indicators_finite"] and result["time_to_market_not_inf"]
    assert result["construct_s"] + result["step_s"] < 60.0, result
