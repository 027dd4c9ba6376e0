"""How the app looks, decided once: one colour and one order per activity type, format colours, profile labels.

Every page colours a sport the same way, whatever subset of sports an athlete has, so a reader learns
"orange = run" once. Pages import from here; core never does (it holds no presentation).
The sport list itself comes from core (`TYPE_CODES`), so a new activity type shows up here as a
missing colour in the tests rather than as a silently recycled one.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from core.analytics.load import HIGH_ACR, LOW_ACR
from core.workouts.sport import TYPE_CODES

# Okabe–Ito colours: distinguishable with the common colour-vision deficiencies.
SPORT_COLOURS: dict[str, str] = {
    "strength": "#0072B2",
    "run": "#E69F00",
    "ride": "#009E73",
    "swim": "#56B4E9",
    "yoga": "#CC79A7",
    "multi": "#8C6D31",
    "other": "#999999",
}
SPORT_ORDER: tuple[str, ...] = tuple(TYPE_CODES)
SPORT_LABELS: dict[str, str] = {sport: sport for sport in SPORT_ORDER} | {"multi": "multi (brick)"}
MULTI_EXPLAINED = (
    "multi = a brick: one workout made of legs done back to back (swim → ride → run) with transitions "
    "between them; it counts once, its legs are not counted again."
)

# Formats: neutral blues and greys, verbose as the grey baseline; no red, because no format is an error.
FORMAT_COLOURS: dict[str, str] = {
    "verbose": "#9E9E9E",
    "compact": "#56B4E9",
    "ultra": "#0072B2",
    "JSON": "#B7A57A",
    "TOON": "#6A7F8C",
}

PROFILE_LABELS: dict[str, str] = {
    "lifter_cut": "Lifter (cut)",
    "triathlete": "Triathlete",
    "hybrid": "Hybrid (run + lift)",
    "yoga_cyclist": "Yoga + cycling",
    "control": "Control (mixed sports)",
    "imported": "Imported (own files)",
}

CHAR_PX = 7  # average glyph width of the dataframe font (measured ~6 px at 1400 px) plus margin; 24 px more for padding and sort arrow

# A local file, so the browser tab icon needs no font host (a ":material/…:" page_icon is fetched online).
FAVICON = Path(__file__).parents[1] / "assets" / "favicon.svg"


def profile_label(profile: str) -> str:
    """A reader's label for a profile key: 'lifter_cut' → 'Lifter (cut)'; unknown keys lose their underscores."""
    return PROFILE_LABELS.get(profile, profile.replace("_", " ").capitalize())


def sport_colour_args(column: str = "type") -> dict[str, Any]:
    """Keyword arguments for a plotly express chart coloured by activity type in `column`.

    Use as `px.bar(frame, color="type", **sport_colour_args("type"))`: the same colour and legend
    order for every athlete, whichever sports they did.
    """
    return {"color_discrete_map": SPORT_COLOURS, "category_orders": {column: list(SPORT_ORDER)}}


def acr_label(variant: str) -> str:
    """How every page names an acute:chronic ratio: 'ACR (coupled)'."""
    return f"ACR ({variant})"


def fit_width(values: Iterable[object], label: str) -> int:
    """A dataframe column width in pixels that shows the header and the longest value unclipped."""
    longest = max([len(label), *(len(str(v)) for v in values)])
    return CHAR_PX * longest + 24


def ratio_axis(values: Iterable[float], marks: Iterable[float] = (LOW_ACR, HIGH_ACR)) -> dict[str, Any]:
    """Plotly axis settings for an acute:chronic ratio: ticks at 0, 0.5, 1, 1.5 … plus the band lines
    (0.8 and 1.3, and any other `marks`), so a band line sits on a labelled tick; range from 0 to the data."""
    finite = [float(v) for v in values if v is not None and float(v) == float(v)]
    top = max([1.5, *finite, *marks]) * 1.05
    ticks = sorted({*(i / 2 for i in range(int(top * 2) + 1)), *marks})
    return {"tickvals": ticks, "ticktext": [f"{t:g}" for t in ticks], "range": [0, top], "automargin": True}


def has_points(figure: Any) -> bool:
    """Whether a Plotly figure has at least one trace with a drawable (non-missing) value."""
    for trace in figure.data:
        ys = trace.y if trace.y is not None else trace.x
        if ys is not None and any(v is not None and v == v for v in ys):
            return True
    return False
