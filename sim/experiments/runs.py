"""The one run function: a scenario and seeds in, a tidy indicators table out.

The command line, the browser view and the experiments all call :func:`run_scenario`
(or :func:`run_model` for a single live model); :func:`run_many` runs several scenarios over
several seeds on local worker processes.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from sim.experiments.worker_guard import watch_parent
from sim.indicators import COUNTRY_KEYS, TABLE_COLUMNS
from sim.inputs.effect_sizes import with_drawn_effect_sizes
from sim.inputs.scenario import Scenario, load_scenario
from sim.model import ClusterModel


def run_model(scenario: Scenario, seed: int, steps: int | None = None,
              on_step: Callable[[ClusterModel], None] | None = None) -> ClusterModel:
    """Build a model for ``scenario`` and ``seed`` and run it ``steps`` quarters (with the
    seed's draw of the effect sizes when the scenario asks for it,
    :mod:`sim.inputs.effect_sizes`)."""
    if scenario.draw_effect_sizes:
        scenario = with_drawn_effect_sizes(scenario, seed)
    model = ClusterModel(scenario, seed=seed)
    for _ in range(scenario.model["steps"] if steps is None else steps):
        model.step()
        if on_step is not None:
            on_step(model)
    model.finish()
    return model


def model_table(model: ClusterModel, scenario_name: str) -> pd.DataFrame:
    """The tidy indicators table of one model run."""
    arr = model.indicator_array()  # (steps, countries, indicators)
    steps, n_c, n_i = arr.shape
    return pd.DataFrame({
        "scenario": scenario_name,
        "seed": model.seed,
        "step": np.repeat(np.arange(steps), n_c * n_i),
        "country": np.tile(np.repeat(COUNTRY_KEYS, n_i), steps),
        "indicator": np.tile(model.indicator_names(), steps * n_c),
        "value": arr.ravel(),
    }, columns=TABLE_COLUMNS)


def run_scenario(scenario: Scenario | str | Path, seeds: Sequence[int] = (0,),
                 steps: int | None = None, progress: bool = False) -> pd.DataFrame:
    """Run a scenario once per seed and return the tidy indicators table.

    Args:
        scenario: a Scenario or the path of a scenario file.
        seeds: one run per seed.
        steps: quarters to run (default: the scenario's ``model.steps``).
        progress: show a progress bar (it appears only if the work takes over a second).

    Returns:
        DataFrame with columns scenario, seed, step, country, indicator, value.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    horizon = scenario.model["steps"] if steps is None else steps
    tables = []
    with tqdm(total=len(seeds) * horizon, disable=not progress, delay=1.0, unit="quarter",
              desc=scenario.name, leave=False) as bar:
        for seed in seeds:
            model = run_model(scenario, seed, horizon, on_step=lambda _m: bar.update())
            tables.append(model_table(model, scenario.name))
    return pd.concat(tables, ignore_index=True)


# ---------------------------------------------------------------------------------------------
# many runs in parallel


class RunError(RuntimeError):
    """A model run failed; the message names the scenario and the seed.

    Attributes:
        scenario: name of the scenario of the failed run.
        seed: seed of the failed run.
    """

    def __init__(self, scenario: str, seed: int, cause: BaseException):
        super().__init__(f"run of scenario {scenario!r} with seed {seed} failed: "
                         f"{type(cause).__name__}: {cause}")
        self.scenario = scenario
        self.seed = seed


def available_cpus() -> int:
    """CPUs this process may run on (all of the machine's where that cannot be told)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _run_one(scenario: Scenario, seed: int, steps: int | None) -> pd.DataFrame:
    """One run's tidy table (the task a worker process executes)."""
    return model_table(run_model(scenario, seed, steps), scenario.name)


def _start_worker(parent: int) -> None:
    """Worker initializer: Ctrl-C is handled by the parent, which stops the workers; and the
    worker ends as soon as the parent (process ``parent``) has ended, however it ended."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watch_parent(parent)


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes for :func:`run_many`, the sweeps and the calibration.

    Workers start from a fork server that has imported the model once (or are spawned where
    there is no fork server), never by forking this possibly multi-threaded process; they
    ignore Ctrl-C, which the parent handles, and end within a second of this process's end
    whatever ended it (SIGKILL included; :mod:`sim.experiments.worker_guard`), and with them
    the fork server.
    """
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if context.get_start_method() == "forkserver":
        context.set_forkserver_preload(["sim.experiments.runs"])
    return ProcessPoolExecutor(max_workers=workers, mp_context=context,
                               initializer=_start_worker, initargs=(os.getpid(),))


def _stop(executor: Executor, futures: Iterable[Future], owned: bool) -> None:
    """Cancel pending runs; if the pool is ours, also stop the running ones and shut it down."""
    for future in futures:
        future.cancel()
    if not owned:
        return
    # ProcessPoolExecutor has no public way to stop running tasks before Python 3.14
    # (terminate_workers); its processes are in ``_processes`` until shutdown.
    processes = list((getattr(executor, "_processes", None) or {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:  # a run may take minutes: do not wait for it
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5.0)


def run_many(scenarios: Sequence[Scenario | str | Path], seeds: Sequence[int],
             steps: int | None = None, workers: int | None = None, progress: bool = False,
             executor: Executor | None = None) -> list[pd.DataFrame]:
    """Run every (scenario, seed) pair, in parallel, and return one table per scenario.

    Each table has the same rows, in the same order and with the same values, as
    ``run_scenario(scenario, seeds, steps)``: a run depends only on its scenario and seed, so
    the results do not depend on the number of workers. Ctrl-C cancels the runs not yet
    started, stops the worker processes and raises KeyboardInterrupt.

    Worker processes import the script that calls this function (they do not fork it), so a
    script must call it under ``if __name__ == "__main__":``; interactive sessions and the
    ``clustersim`` command need nothing.

    Args:
        scenarios: Scenarios or paths of scenario files.
        seeds: one run of every scenario per seed.
        steps: quarters to run (default: each scenario's ``model.steps``).
        workers: local worker processes (default: the number of available CPUs); 1 runs
            everything in this process, without a pool. Ignored when ``executor`` is given.
        progress: show a progress bar over runs with the time remaining (it appears only if
            the work takes over a second).
        executor: a :class:`concurrent.futures.Executor` to submit the runs to instead of a new
            process pool (the caller keeps it open and shuts it down).

    Returns:
        One tidy indicators table per scenario, in the order given.

    Raises:
        RunError: a run raised; the message names its scenario and seed (the original error is
            chained). The runs not yet started are cancelled.
        ValueError: ``seeds`` is empty or ``workers`` is below 1.
    """
    scenarios = [s if isinstance(s, Scenario) else load_scenario(s) for s in scenarios]
    seeds = list(seeds)
    if not seeds:
        raise ValueError("run_many needs at least one seed")
    workers = available_cpus() if workers is None else workers
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    jobs = [(i, j) for i in range(len(scenarios)) for j in range(len(seeds))]
    results: dict[tuple[int, int], pd.DataFrame] = {}
    with tqdm(total=len(jobs), disable=not progress, delay=1.0, unit="run", desc="runs",
              leave=False) as bar:
        if executor is None and (workers == 1 or len(jobs) <= 1):
            for i, j in jobs:
                try:
                    results[i, j] = _run_one(scenarios[i], seeds[j], steps)
                except Exception as err:
                    raise RunError(scenarios[i].name, seeds[j], err) from err
                bar.update()
        elif jobs:
            owned = executor is None
            pool = process_pool(min(workers, len(jobs))) if owned else executor
            futures: dict[Future, tuple[int, int]] = {}
            try:
                for i, j in jobs:
                    futures[pool.submit(_run_one, scenarios[i], seeds[j], steps)] = (i, j)
                for future in as_completed(futures):
                    i, j = futures[future]
                    try:
                        results[i, j] = future.result()
                    except Exception as err:
                        raise RunError(scenarios[i].name, seeds[j], err) from err
                    bar.update()
            except BaseException:  # a failed run or Ctrl-C: stop the others, do not wait
                _stop(pool, futures, owned)
                raise
            if owned:
                pool.shutdown()
    return [pd.concat([results[i, j] for j in range(len(seeds))], ignore_index=True)
            for i in range(len(scenarios))]
