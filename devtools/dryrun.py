"""What a `snakemake -n` printed: the jobs it would run (read by the tests and the benchmarks)."""

from __future__ import annotations

import re


def planned_jobs(dry_run_output: str) -> list[tuple[str, str]]:
    """(rule, unit wildcard or '') for every job a `snakemake -n` printed."""
    jobs = []
    for block in re.split(r"\n(?=(?:local)?rule \w+:)", "\n" + dry_run_output):
        head = re.match(r"(?:local)?rule (\w+):", block.strip())
        if head:
            unit = re.search(r"wildcards: unit=(\S+)", block)
            jobs.append((head.group(1), unit.group(1) if unit else ""))
    return jobs
