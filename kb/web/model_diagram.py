"""The diagram of the model, drawn from the ontology at request time (SVG).

Boxes are the classes the ontology declares (`owl:Class`) and the classes its object
properties point to or from; each box lists the datatype properties whose domain it is
("rank: integer"). Solid arrows are object properties (from `rdfs:domain` to
`rdfs:range`), dashed arrows with a hollow head are `rdfs:subClassOf`. The layout is a
layered (Sugiyama) drawing computed by `grandalf`, so a new class or property in
`ontology/alliance.ttl` appears in the diagram without anyone drawing it.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from grandalf.graphs import Edge, Graph, Vertex
from grandalf.layouts import SugiyamaLayout
from grandalf.routing import route_with_lines

from kb.namespaces import OWL, RDFS, STANDARD_PREFIXES
from kb.store.embedded import KnowledgeStore

CHAR_W = 7.0  # average width of a 12 px character
LINE_H = 16.0
PAD = 8.0
#: Ranges and domains too general to draw as boxes.
TOO_GENERAL = {OWL + "Thing", RDFS + "Resource", RDFS + "Literal"}


@dataclass
class Box:
    """A class in the diagram: its name, its datatype properties, its place."""

    iri: str
    name: str
    fields: list[str] = field(default_factory=list)
    own: bool = False  # declared by the ontology (not an imported vocabulary's class)
    xy: tuple[float, float] = (0.0, 0.0)

    @property
    def w(self) -> float:
        longest = max([len(self.name), *(len(f) for f in self.fields)])
        return longest * CHAR_W + 2 * PAD

    @property
    def h(self) -> float:
        return LINE_H * (1 + len(self.fields)) + PAD * (2 if self.fields else 1)


class _Path:
    """Where grandalf puts an edge's route."""

    def __init__(self) -> None:
        self.points: list[tuple[float, float]] = []

    def setpath(self, points: list[Any]) -> None:
        self.points = [(float(x), float(y)) for x, y in points]


def short_name(iri: str, prefixes: dict[str, str]) -> str:
    """`alliance:Award` for the ontology's IRI, `org:Organization`, else the local name."""
    for prefix, ns in sorted(prefixes.items(), key=lambda p: -len(p[1])):
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def read_model(
    store: KnowledgeStore, ontology_graph: str, ontology_ns: str
) -> tuple[dict[str, Box], list[tuple[str, str, str, str]]]:
    """The boxes and the arrows (source, target, label, "property" or "subclass")."""
    prefixes = {**STANDARD_PREFIXES, "alliance": ontology_ns}
    graph = f"<{ontology_graph}>"
    classes = store.select(
        f"SELECT ?c WHERE {{ GRAPH {graph} {{ ?c a <{OWL}Class> FILTER(isIRI(?c)) }} }}"
    )
    supers = store.select(
        f"SELECT ?c ?s WHERE {{ GRAPH {graph} {{ ?c a <{OWL}Class> ; <{RDFS}subClassOf> ?s "
        f"FILTER(isIRI(?s)) }} }}"
    )
    props = store.select(
        f"SELECT ?p ?t ?d ?r WHERE {{ GRAPH {graph} {{ ?p a ?t ; <{RDFS}domain> ?d . "
        f"FILTER(?t IN (<{OWL}ObjectProperty>, <{OWL}DatatypeProperty>)) "
        f"OPTIONAL {{ ?p <{RDFS}range> ?r }} }} }}"
    )
    boxes: dict[str, Box] = {}

    def box(iri: str) -> Box:
        if iri not in boxes:
            boxes[iri] = Box(iri, short_name(iri, prefixes))
        return boxes[iri]

    for row in classes:
        box(row["c"].value).own = True  # type: ignore[union-attr]
    arrows: list[tuple[str, str, str, str]] = []
    for row in sorted(props, key=lambda r: r["p"].value):  # type: ignore[union-attr]
        p, kind = row["p"].value, row["t"].value  # type: ignore[union-attr]
        domain = row["d"].value  # type: ignore[union-attr]
        rng = row["r"].value if row["r"] is not None else ""
        local = short_name(p, prefixes).split(":", 1)[-1]
        if kind == OWL + "DatatypeProperty":
            if domain not in TOO_GENERAL:
                box(domain).fields.append(f"{local}: {short_name(rng, prefixes).split(':')[-1]}")
        elif domain not in TOO_GENERAL and rng and rng not in TOO_GENERAL:
            box(domain)
            box(rng)
            arrows.append((domain, rng, local, "property"))
    # parallel arrows (objective, lineOfAction: Alliance → skos:Concept) as one, both named
    merged: dict[tuple[str, str], list[str]] = {}
    for source, target, label, _ in arrows:
        merged.setdefault((source, target), []).append(label)
    arrows = [(s, t, ", ".join(names), "property") for (s, t), names in merged.items()]
    for row in supers:
        c, s = row["c"].value, row["s"].value  # type: ignore[union-attr]
        # a superclass only where it says something: the ontology's own, or one with links
        if s in boxes or any(s in (a, b) for a, b, _, _ in arrows):
            arrows.append((c, s, "", "subclass"))
    for b in boxes.values():
        b.fields.sort()
    return boxes, arrows


def layout(boxes: dict[str, Box], arrows: list[tuple[str, str, str, str]]) -> dict[Any, _Path]:
    """Place the boxes (Sugiyama layers) and route the arrows; the routes by arrow."""
    vertices = {iri: Vertex(iri) for iri in sorted(boxes)}
    for iri, v in vertices.items():
        v.view = boxes[iri]
    edges = []
    routes: dict[Any, _Path] = {}
    for arrow in arrows:
        source, target = arrow[0], arrow[1]
        if source == target:
            continue
        e = Edge(vertices[source], vertices[target], data=arrow)
        e.view = _Path()
        routes[arrow] = e.view
        edges.append(e)
    graph = Graph(list(vertices.values()), edges)
    x_offset = 0.0
    alone = [c for c in graph.C if len(c.sV) == 1]  # classes without links: a row below
    for component in graph.C:
        if len(component.sV) == 1:
            continue
        sug = SugiyamaLayout(component)
        sug.xspace, sug.yspace = 24, 80
        sug.route_edge = route_with_lines
        sug.init_all()
        sug.draw(3)
        left = min(v.view.xy[0] - v.view.w / 2 for v in component.sV)
        right = max(v.view.xy[0] + v.view.w / 2 for v in component.sV)
        shift = x_offset - left
        for v in component.sV:
            x, y = v.view.xy
            v.view.xy = (x + shift, y)
        for e in component.sE:
            if hasattr(e.view, "points"):
                e.view.points = [(x + shift, y) for x, y in e.view.points]
        x_offset += right - left + 60
    bottom = max(
        (v.view.xy[1] + v.view.h / 2 for c in graph.C for v in c.sV if c not in alone), default=0.0
    )
    x = 0.0
    for component in alone:
        for v in component.sV:
            v.view.xy = (x + v.view.w / 2, bottom + 60 + v.view.h / 2)
            x += v.view.w + 24
    return routes


def render_svg(store: KnowledgeStore, ontology_graph: str, ontology_ns: str) -> str:
    """The model as a standalone SVG document (text)."""
    boxes, arrows = read_model(store, ontology_graph, ontology_ns)
    routes = layout(boxes, arrows)
    if not boxes:
        return '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'
    xs = [b.xy[0] + d * b.w / 2 for b in boxes.values() for d in (-1, 1)]
    ys = [b.xy[1] + d * b.h / 2 for b in boxes.values() for d in (-1, 1)]
    xs += [x for path in routes.values() for x, _ in path.points]
    ys += [y for path in routes.values() for _, y in path.points]
    min_x, max_x = min(xs) - 60, max(xs) + 60  # room for a label on a route at the edge
    min_y, max_y = min(ys) - 20, max(ys) + 20
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="model" role="img" '
        f'viewBox="{min_x:.0f} {min_y:.0f} {max_x - min_x:.0f} {max_y - min_y:.0f}" '
        f'width="{max_x - min_x:.0f}" height="{max_y - min_y:.0f}" '
        f'font-family="system-ui, sans-serif" font-size="12">',
        "<title>Model of the Alliance knowledge base (from ontology/alliance.ttl)</title>",
        "<defs>"
        '<marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
        'markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="#4a5360"/></marker>'
        '<marker id="hollow" viewBox="0 0 12 12" refX="12" refY="6" markerWidth="11" '
        'markerHeight="11" orient="auto-start-reverse"><path d="M0,0 L12,6 L0,12 z" '
        'fill="#fff" stroke="#4a5360"/></marker></defs>',
    ]
    labels = []
    for arrow in arrows:
        path = routes.get(arrow)
        if path is None or len(path.points) < 2:
            continue
        source, target, label, kind = arrow
        points = _clip(path.points, boxes[source], boxes[target])
        d = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        style = (
            'stroke-dasharray="5 4" marker-end="url(#hollow)"'
            if kind == "subclass"
            else 'marker-end="url(#arrow)"'
        )
        out.append(
            f'<polyline class="{kind}" points="{d}" fill="none" stroke="#4a5360" {style}>'
            f"<title>{html.escape(boxes[source].name)} {html.escape(label or 'subclass of')} "
            f"{html.escape(boxes[target].name)}</title></polyline>"
        )
        if label:
            mx, my = _middle(points)
            w = len(label) * 6.2 + 6
            labels.append(
                f'<g class="label"><rect x="{mx - w / 2:.1f}" y="{my - 8:.1f}" width="{w:.1f}" '
                f'height="15" fill="#fff" opacity=".85"/><text x="{mx:.1f}" y="{my + 4:.1f}" '
                f'text-anchor="middle" font-size="11" fill="#0b4f8a">{html.escape(label)}'
                "</text></g>"
            )
    for b in sorted(boxes.values(), key=lambda b: b.iri):
        x, y = b.xy[0] - b.w / 2, b.xy[1] - b.h / 2
        fill = "#e8f0f8" if b.own else "#f3f5f8"
        out.append(
            f'<g class="class" data-iri="{html.escape(b.iri)}"><rect x="{x:.1f}" y="{y:.1f}" '
            f'width="{b.w:.1f}" height="{b.h:.1f}" rx="4" fill="{fill}" stroke="#0b4f8a"/>'
            f'<text x="{b.xy[0]:.1f}" y="{y + PAD + 12:.1f}" text-anchor="middle" '
            f'font-weight="700" fill="#1b1f24">{html.escape(b.name)}</text>'
        )
        for i, f in enumerate(b.fields):
            out.append(
                f'<text x="{x + PAD:.1f}" y="{y + PAD + 12 + LINE_H * (i + 1) + 4:.1f}" '
                f'fill="#4a5360">{html.escape(f)}</text>'
            )
        out.append("</g>")
    out += labels
    out.append("</svg>")
    return "\n".join(out)


def _middle(points: list[tuple[float, float]]) -> tuple[float, float]:
    if len(points) % 2 == 1:
        return points[len(points) // 2]
    (x1, y1), (x2, y2) = points[len(points) // 2 - 1], points[len(points) // 2]
    return (x1 + x2) / 2, (y1 + y2) / 2


def _clip(points: list[tuple[float, float]], source: Box, target: Box) -> list[tuple[float, float]]:
    """The route from the edge of the source box to the edge of the target box."""
    pts = list(points)
    pts[0] = _border(source, pts[1] if len(pts) > 1 else target.xy)
    pts[-1] = _border(target, pts[-2] if len(pts) > 1 else source.xy)
    return pts


def _border(box: Box, toward: tuple[float, float]) -> tuple[float, float]:
    """Where the line from the box's centre toward a point leaves the box."""
    cx, cy = box.xy
    dx, dy = toward[0] - cx, toward[1] - cy
    if dx == 0 and dy == 0:
        return cx, cy
    sx = (box.w / 2) / abs(dx) if dx else float("inf")
    sy = (box.h / 2) / abs(dy) if dy else float("inf")
    s = min(sx, sy)
    return cx + dx * s, cy + dy * s
