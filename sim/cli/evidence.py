"""``clustersim evidence``: each instrument's published evaluations against the model's
estimate of the same quantity (docs/evidence.md)."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

from sim.cli.errors import UsageError
from sim.cli.output import check_out


def bundled_model(stem: str, values: dict[str, dict[str, Any]], seed: int, scale: float) -> Any:
    """A model of the bundled scenario ``stem`` at population ``scale``, with the parameter
    ``values`` of its policies by policy name."""
    from sim.inputs.scenario import SCENARIO_DIR, load_scenario
    from sim.model import ClusterModel

    scenario = load_scenario(SCENARIO_DIR / f"{stem}.toml").with_model(firm_scale=scale)
    if any(values.values()):
        policies = [(kind, {**v, **values.get(kind, {})}) for kind, v in scenario.policies]
        scenario = dataclasses.replace(scenario, policies=policies)
    return ClusterModel(scenario, seed=seed)


def cmd_evidence(args: argparse.Namespace) -> int:
    """Run the studies of the evidence file and write the report."""
    from sim.cli.parser import DOCS_EVIDENCE
    from sim.reporting.files import write_text
    from sim.validation import evidence_report
    from sim.validation.evidence_report import EvidenceError, evidence_markdown, run_studies

    out = DOCS_EVIDENCE if args.docs else args.out
    if out is None:
        out = check_out(None, "evidence", False) / "evidence.md"
    out = Path(out)
    if out.suffix != ".md" or out.is_dir():
        raise UsageError(f"evidence: --out {out}: expected a Markdown file name ending in .md")
    try:  # before the runs, so a bad folder costs no work
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UsageError(f"evidence: --out {out}: cannot make its folder ({err.strerror})") \
            from None
    try:
        studies = evidence_report.load_studies(evidence_report.EVIDENCE_FILE)
        instruments = evidence_report.load_instruments(evidence_report.EVIDENCE_FILE)
    except EvidenceError as err:
        raise UsageError(f"evidence: {err}") from None
    if args.instrument:
        known = {i.name for i in instruments} | {s.instrument for s in studies}
        unknown = sorted(set(args.instrument) - known)
        if unknown:
            raise UsageError(f"evidence: --instrument {unknown[0]}: not in the evidence file; "
                             f"known: {', '.join(sorted(known))}")
        studies = [s for s in studies if s.instrument in args.instrument]
        instruments = [i for i in instruments if i.name in args.instrument]
    seeds = list(range(args.seeds))

    def progress(message: str) -> None:
        if not args.quiet:
            print(f"evidence: {message}", file=sys.stderr, flush=True)

    run_studies(studies, seeds, args.scale, bundled_model, progress)
    command = f"clustersim evidence --seeds {args.seeds} --scale {args.scale}" + (
        " --docs" if args.docs else "")
    write_text(out, evidence_markdown(studies, seeds, args.scale, command, instruments))
    reproduced = [s for s in studies if s.target is not None]
    within = sum(s.verdict() == "within" for s in reproduced)
    print(f"wrote {out}: {within} of {len(reproduced)} reproduced estimates are within the "
          "published intervals")
    return 0
