"""A map of Europe as SVG paths, drawn on the server from world-atlas country shapes.

The shapes are Natural Earth's (npm package `world-atlas`, TopoJSON, installed by
`make web-assets`). They are decoded here, clipped to Europe, projected with the
Lambert azimuthal equal-area projection centred on Europe (as ETRS89-LAEA) and
rounded to whole pixels, so the landing page carries its map inline: no tile server,
no script needed to see it, no request to any other host.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

#: ISO 3166-1 numeric (world-atlas ids) → alpha-3 (the KB's country slugs), Europe and around.
NUMERIC_TO_ALPHA3 = {
    "008": "ALB", "020": "AND", "051": "ARM", "040": "AUT", "031": "AZE", "056": "BEL",
    "070": "BIH", "100": "BGR", "191": "HRV", "196": "CYP", "203": "CZE", "208": "DNK",
    "233": "EST", "246": "FIN", "250": "FRA", "268": "GEO", "276": "DEU", "300": "GRC",
    "348": "HUN", "352": "ISL", "372": "IRL", "380": "ITA", "428": "LVA", "438": "LIE",
    "440": "LTU", "442": "LUX", "470": "MLT", "498": "MDA", "492": "MCO", "499": "MNE",
    "528": "NLD", "807": "MKD", "578": "NOR", "616": "POL", "620": "PRT", "642": "ROU",
    "674": "SMR", "688": "SRB", "703": "SVK", "705": "SVN", "724": "ESP", "752": "SWE",
    "756": "CHE", "792": "TUR", "804": "UKR", "826": "GBR", "643": "RUS", "112": "BLR",
    "336": "VAT", "398": "KAZ", "012": "DZA", "504": "MAR", "788": "TUN", "434": "LBY",
    "818": "EGY", "760": "SYR", "368": "IRQ", "364": "IRN", "422": "LBN", "376": "ISR",
    "400": "JOR",
}  # fmt: skip

#: Shapes left out: Greenland (its clipped coast would be a sliver along the top edge).
SKIPPED = {"304"}

# The part of the globe drawn (degrees): Iceland to the Caspian, Malta to the North Cape.
LON_MIN, LON_MAX, LAT_MIN, LAT_MAX = -25.0, 50.0, 33.0, 72.0
CENTRE_LON, CENTRE_LAT = 10.0, 52.0
WIDTH = 640
MIN_STEP = 2


@dataclass(frozen=True)
class CountryShape:
    code: str | None  # ISO alpha-3 where known
    name: str  # the English short name world-atlas gives
    d: str  # SVG path data


@dataclass(frozen=True)
class EuropeMap:
    width: int
    height: int
    shapes: tuple[CountryShape, ...]


def _project(lon: float, lat: float) -> tuple[float, float]:
    lam, phi = math.radians(lon - CENTRE_LON), math.radians(lat)
    phi0 = math.radians(CENTRE_LAT)
    k = math.sqrt(
        2 / (1 + math.sin(phi0) * math.sin(phi) + math.cos(phi0) * math.cos(phi) * math.cos(lam))
    )
    x = k * math.cos(phi) * math.sin(lam)
    y = k * (math.cos(phi0) * math.sin(phi) - math.sin(phi0) * math.cos(phi) * math.cos(lam))
    return x, -y


def _clip(ring: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Sutherland–Hodgman clipping of a ring to the lon/lat window."""

    def cut(
        points: list[tuple[float, float]], inside: object, axis: int, bound: float
    ) -> list[tuple[float, float]]:
        assert callable(inside)
        out: list[tuple[float, float]] = []
        for i, cur in enumerate(points):
            prev = points[i - 1]
            if inside(cur):
                if not inside(prev):
                    out.append(_cross(prev, cur, axis, bound))
                out.append(cur)
            elif inside(prev):
                out.append(_cross(prev, cur, axis, bound))
        return out

    pts = ring
    for axis, bound, keep_above in (
        (0, LON_MIN, True),
        (0, LON_MAX, False),
        (1, LAT_MIN, True),
        (1, LAT_MAX, False),
    ):
        if not pts:
            break

        def inside(
            p: tuple[float, float], a: int = axis, b: float = bound, up: bool = keep_above
        ) -> bool:
            return p[a] >= b if up else p[a] <= b

        pts = cut(pts, inside, axis, bound)
    return _densify(pts)


def _densify(ring: list[tuple[float, float]], step: float = 1.0) -> list[tuple[float, float]]:
    """Extra points on long edges (the clipping cuts), so they follow the projection's curves."""
    out: list[tuple[float, float]] = []
    for i, cur in enumerate(ring):
        prev = ring[i - 1]
        n = int(max(abs(cur[0] - prev[0]), abs(cur[1] - prev[1])) / step)
        for k in range(1, n):
            out.append((prev[0] + (cur[0] - prev[0]) * k / n, prev[1] + (cur[1] - prev[1]) * k / n))
        out.append(cur)
    return out


def _cross(
    p: tuple[float, float], q: tuple[float, float], axis: int, bound: float
) -> tuple[float, float]:
    t = (bound - p[axis]) / (q[axis] - p[axis])
    return (p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1]))


def _decode_arcs(topo: dict[str, object]) -> list[list[tuple[float, float]]]:
    transform = topo.get("transform")
    arcs: list[list[tuple[float, float]]] = []
    raw_arcs = topo["arcs"]
    assert isinstance(raw_arcs, list)
    if isinstance(transform, dict):
        sx, sy = transform["scale"]
        tx, ty = transform["translate"]
        for arc in raw_arcs:
            x = y = 0
            pts = []
            for dx, dy in arc:
                x += dx
                y += dy
                pts.append((x * sx + tx, y * sy + ty))
            arcs.append(pts)
    else:
        arcs = [[(float(a), float(b)) for a, b in arc] for arc in raw_arcs]
    return arcs


def _ring(indexes: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    pts: list[tuple[float, float]] = []
    for i in indexes:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        pts.extend(arc[1:] if pts else arc)
    return pts


@lru_cache(maxsize=2)
def load_europe_map(topojson_path: Path) -> EuropeMap | None:
    """The map, or None when the shapes are not installed (run `make web-assets`)."""
    if not topojson_path.is_file():
        return None
    topo = json.loads(topojson_path.read_text(encoding="utf-8"))
    arcs = _decode_arcs(topo)
    corners = [
        _project(lon, lat) for lon in (LON_MIN, CENTRE_LON, LON_MAX) for lat in (LAT_MIN, LAT_MAX)
    ]
    # The window drawn: the projected lon/lat box, trimmed to where Europe lies.
    x0 = _project(-25.0, 63.0)[0]
    x1 = _project(50.0, 42.0)[0]
    y0 = min(c[1] for c in corners)
    y1 = _project(CENTRE_LON, LAT_MIN)[1]
    scale = WIDTH / (x1 - x0)
    height = round((y1 - y0) * scale)
    shapes: list[CountryShape] = []
    for geom in topo["objects"]["countries"]["geometries"]:
        if str(geom.get("id")) in SKIPPED:
            continue
        polygons = (
            [geom["arcs"]]
            if geom.get("type") == "Polygon"
            else geom.get("arcs", [])
            if geom.get("type") == "MultiPolygon"
            else []
        )
        parts: list[str] = []
        for polygon in polygons:
            for ring_arcs in polygon:
                ring = _ring(ring_arcs, arcs)
                # A ring wholly outside the window is dropped before clipping: rings cut at the
                # antimeridian (Chukotka) would otherwise leave their long cut edge behind.
                if not any(
                    LON_MIN <= lon <= LON_MAX and LAT_MIN <= lat <= LAT_MAX for lon, lat in ring
                ):
                    continue
                if any(lon > 90 for lon, _ in ring) and any(lon < -90 for lon, _ in ring):
                    # Across the antimeridian (Russia): unwrap the far-east part eastwards.
                    ring = [(lon + 360 if lon < -90 else lon, lat) for lon, lat in ring]
                ring = _clip(ring)
                if len(ring) < 3:
                    continue
                px: list[tuple[int, int]] = []
                for lon, lat in ring:
                    x, y = _project(lon, lat)
                    p = (round((x - x0) * scale), round((y - y0) * scale))
                    # Points closer than MIN_STEP pixels to the last one kept add nothing visible.
                    if not px or abs(px[-1][0] - p[0]) + abs(px[-1][1] - p[1]) >= MIN_STEP:
                        px.append(p)
                if len(px) < 3:
                    continue
                if all(p[0] < 0 or p[0] > WIDTH or p[1] < 0 or p[1] > height for p in px):
                    continue
                steps = "".join(f"l{b[0] - a[0]} {b[1] - a[1]}" for a, b in itertools.pairwise(px))
                parts.append(f"M{px[0][0]} {px[0][1]}{steps}z")
        if parts:
            props = geom.get("properties") or {}
            shapes.append(
                CountryShape(
                    NUMERIC_TO_ALPHA3.get(str(geom.get("id"))),
                    str(props.get("name", "")),
                    "".join(parts),
                )
            )
    return EuropeMap(WIDTH, height, tuple(shapes))
