"""Checks that a wecare run directory's wave GraphML files read in networkx (and in
python-igraph when it is installed) as the same networks as the node and tie tables: every
organisation as a node in table order, the same `active` flags, the same ties and trust.

    python3 tests/scripts/check_graphml.py RUN_DIR
"""

import sys
from pathlib import Path

import networkx as nx
import pandas as pd

try:
    import igraph as ig
except ImportError:
    ig = None

run = Path(sys.argv[1])
files = sorted((run / "networks").glob("replicate-*/wave-*.graphml"))
assert files, "no GraphML wave files"
for path in files:
    nodes = pd.read_csv(str(path).replace(".graphml", "-nodes.csv"))
    ties = pd.read_csv(str(path).replace(".graphml", "-ties.csv"))
    want_ties = {frozenset((a, b)): t for a, b, t in zip(ties["from"], ties["to"], ties["trust"])}

    g = nx.read_graphml(path)
    assert not g.is_directed()
    assert list(g.nodes) == list(nodes["id"]), path
    for col in ["active", "adopted", "initiative", "project_member"]:
        got = [g.nodes[n][col] for n in g.nodes]
        assert got == list(nodes[col]), (path, col)
    assert list(nx.get_node_attributes(g, "kind").values()) == list(nodes["kind"]), path
    got_ties = {frozenset((a, b)): d["trust"] for a, b, d in g.edges(data=True)}
    assert got_ties == want_ties, path
    active = [n for n, a in g.nodes(data="active") if a]
    observed = g.subgraph(active)
    assert observed.number_of_edges() == g.number_of_edges(), "ties touch inactive nodes"

    if ig is not None:
        h = ig.Graph.Read_GraphML(str(path))
        assert not h.is_directed()
        assert h.vs["id"] == list(nodes["id"]), path
        assert [bool(a) for a in h.vs["active"]] == list(nodes["active"]), path
        pairs = {frozenset((h.vs[e.source]["id"], h.vs[e.target]["id"])): e["trust"]
                 for e in h.es}
        assert pairs == want_ties, path

print(f"ok: {len(files)} GraphML wave files (networkx{', igraph' if ig else ''})")
