"""Checks that a wecare run directory's tables load in pandas with their documented columns,
and that summary.csv equals pandas' own summary of replicates.csv.

    python3 tests/scripts/check_tables.py RUN_DIR
"""

import sys
from pathlib import Path

import numpy as np
import pandas as pd

run = Path(sys.argv[1])

rep = pd.read_csv(run / "replicates.csv")
assert list(rep.columns) == ["replicate", "wave", "step", "scope", "statistic", "value"], rep.columns
for c in ["replicate", "wave", "step"]:
    assert pd.api.types.is_integer_dtype(rep[c]), (c, rep[c].dtype)
assert rep["value"].dtype == np.float64, rep["value"].dtype

summary = pd.read_csv(run / "summary.csv")
columns = ["wave", "step", "scope", "statistic", "n", "mean", "sd", "mcse",
           "p2_5", "p50", "p97_5", "min", "max"]
assert list(summary.columns) == columns, summary.columns
for c in ["wave", "step", "n"]:
    assert pd.api.types.is_integer_dtype(summary[c]), (c, summary[c].dtype)

# pandas' summary of the replicates: NaN left out, sd with ddof=1, linear (type 7) quantiles.
g = rep.groupby(["wave", "scope", "statistic"])["value"]
mine = pd.DataFrame({
    "n": g.count(),
    "mean": g.mean(),
    "sd": g.std(ddof=1),
    "p2_5": g.quantile(0.025),
    "p50": g.quantile(0.5),
    "p97_5": g.quantile(0.975),
    "min": g.min(),
    "max": g.max(),
})
mine["mcse"] = mine["sd"] / np.sqrt(mine["n"])
theirs = summary.set_index(["wave", "scope", "statistic"]).sort_index()
mine = mine.sort_index()
assert len(theirs) == len(mine), (len(theirs), len(mine))
assert (theirs.index == mine.index).all()
assert (theirs["n"] == mine["n"]).all()
for c in ["mean", "sd", "mcse", "p2_5", "p50", "p97_5", "min", "max"]:
    np.testing.assert_allclose(theirs[c], mine[c], rtol=1e-12, atol=1e-12, equal_nan=True,
                               err_msg=c)

targets = pd.read_csv(run / "targets.csv")
assert list(targets.columns) == ["statistic", "wave", "scope", "observed", "observed_se", "n",
                                 "mean", "sd", "p2_5", "p50", "p97_5", "share_below", "z"]

node_sets = []
for wave_file in sorted((run / "networks").glob("replicate-*/wave-*-nodes.csv")):
    nodes = pd.read_csv(wave_file)
    assert list(nodes.columns) == ["id", "kind", "territory", "active", "adopted", "initiative",
                                   "project_member"], nodes.columns
    assert nodes["adopted"].dtype == bool
    assert nodes["active"].dtype == bool
    node_sets.append(list(nodes["id"]))
    ties = pd.read_csv(str(wave_file).replace("-nodes.csv", "-ties.csv"))
    assert list(ties.columns) == ["from", "to", "trust", "origin"], ties.columns
    # Ties join active organisations only.
    active = set(nodes.loc[nodes["active"], "id"])
    assert set(ties["from"]).union(ties["to"]) <= active
# Every wave's node table holds the full node set, in the same order (a panel).
assert node_sets and all(s == node_sets[0] for s in node_sets), "node sets differ across waves"

print(f"ok: {len(rep)} replicate rows, {len(summary)} summary rows")
