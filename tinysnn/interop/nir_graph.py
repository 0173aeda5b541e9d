"""A NIR graph's structure: nested graphs flattened, the connections that close cycles found,
and an order to compute the nodes in.

Rules (each decides what a graph computes):

* A nested ``NIRGraph`` node is entered through its Input node and left through its Output node
  (an edge into the subgraph ``sub`` goes to ``sub``'s Input, an edge out of it leaves from its
  Output); its inner nodes are named ``sub/inner``. A dot in a name (``lif1.lif``) is part of
  the name, not nesting.
* The connection that closes a cycle is the one that reaches a node already on the path of a
  depth-first walk from the Input (successors taken in name order, so the choice never depends
  on the order of nodes or edges in the file: ``nir.read`` sorts nodes by name and keeps edges
  in any order).
* Every node must be reached from the Input, and the Output from it.
"""

from dataclasses import dataclass

from .nir_values import NIRError, as_text


@dataclass
class FlatGraph:
    """A NIR graph with its nested graphs flattened, its cycles found and an order to run in."""

    nodes: dict        # name -> NIR node (nested Input/Output nodes included, as pass-throughs)
    edges: list        # (source, target) pairs
    input: str         # the top graph's Input node
    output: str        # the top graph's Output node
    back_edges: set    # the edges that close a cycle
    order: list        # every node, each after its sources over the other edges


def _only(kind, names, where):
    if len(names) != 1:
        found = ", ".join(sorted(names)) or "none"
        raise NIRError(f"{where}: expected exactly one {kind} node, found {found} (graphs with "
                       f"several inputs or outputs are not supported)")
    return names[0]


def _flatten(graph, prefix, nodes, edges):
    """Add graph's nodes (nested ones flattened) and edges; returns (its Input, its Output)."""
    entry, leave = {}, {}
    for name, node in graph.nodes.items():
        name = as_text(name)
        path = prefix + name
        if type(node).__name__ == "NIRGraph":
            entry[name], leave[name] = _flatten(node, path + "/", nodes, edges)
        else:
            nodes[path] = node
    for edge in graph.edges:
        source, target = (as_text(end) for end in edge)
        for end in (source, target):
            if end not in entry and prefix + end not in nodes:
                where = f"graph {prefix[:-1]!r}" if prefix else "the graph"
                raise NIRError(f"{where}: edge {source!r} -> {target!r} names the node {end!r}, "
                               f"which does not exist")
        edges.append((leave.get(source, prefix + source), entry.get(target, prefix + target)))
    where = f"graph {prefix[:-1]!r}" if prefix else "the graph"
    inputs = [prefix + as_text(n) for n, v in graph.nodes.items() if type(v).__name__ == "Input"]
    outputs = [prefix + as_text(n) for n, v in graph.nodes.items()
               if type(v).__name__ == "Output"]
    return _only("Input", inputs, where), _only("Output", outputs, where)


def _back_edges(successors, start):
    """The edges that reach a node on the current depth-first path from ``start``."""
    back, visited, on_path = set(), {start}, {start}
    stack = [(start, iter(successors[start]))]
    while stack:
        node, rest = stack[-1]
        target = next(rest, None)
        if target is None:
            stack.pop()
            on_path.discard(node)
        elif target in on_path:
            back.add((node, target))
        elif target not in visited:
            visited.add(target)
            on_path.add(target)
            stack.append((target, iter(successors[target])))
    return back, visited


def _order(nodes, edges):
    """Kahn's topological order over edges without cycles; ties broken by name."""
    waiting = {n: 0 for n in nodes}
    for _, target in edges:
        waiting[target] += 1
    ready, order = sorted(n for n, count in waiting.items() if count == 0), []
    while ready:
        node = ready.pop(0)
        order.append(node)
        for source, target in edges:
            if source == node:
                waiting[target] -= 1
                if waiting[target] == 0:
                    ready.append(target)
                    ready.sort()
    return order


def flatten_graph(graph):
    """FlatGraph of a nir.NIRGraph; NIRError naming what is wrong with its structure."""
    if type(graph).__name__ != "NIRGraph":
        raise NIRError(f"from_nir: expected a nir.NIRGraph or a path to a .nir file, got "
                       f"{type(graph).__name__}")
    nodes, edges = {}, []
    top_input, top_output = _flatten(graph, "", nodes, edges)
    edges = sorted(set(edges))
    successors = {n: sorted(t for s, t in edges if s == n) for n in nodes}
    back, reached = _back_edges(successors, top_input)
    unreached = sorted(set(nodes) - reached)
    if unreached:
        raise NIRError(f"node {unreached[0]!r} is not reached from the Input node "
                       f"{top_input!r} (unreached: {', '.join(unreached)})")
    forward = [e for e in edges if e not in back]
    if any(target == top_input for _, target in edges):
        raise NIRError(f"node {top_input!r}: the Input node cannot receive edges")
    order = _order(nodes, forward)
    return FlatGraph(nodes, edges, top_input, top_output, back, order)
