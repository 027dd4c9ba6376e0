"""One multisport activity from its legs, the same shape whichever format it came from (FIT sessions, TCX
MultiSportSession): a `multi` parent whose duration is every leg's plus the transitions between them (as the
demo's bricks), distance the legs' sum, HR weighted by the legs' recorded seconds; legs in order, each with the
transition before it (the first leg's is 0).
"""

from __future__ import annotations

from dataclasses import replace

from core.imports.model import ImportFileError, ParsedActivity


def multisport_activity(legs: list[ParsedActivity], transitions_s: list[float], what: str) -> ParsedActivity:
    """The parent of `legs`; `transitions_s[i]` is the transition time before leg i (the first is ignored).

    ImportFileError naming `what` (e.g. 'FIT multisport file') when there is no leg.
    """
    if not legs:
        raise ImportFileError(f"{what} holds only transitions: nothing to import")
    legs = [
        replace(leg, transition_before_s=0.0 if i == 0 else transitions_s[i] if i < len(transitions_s) else 0.0)
        for i, leg in enumerate(legs)
    ]
    first, last = legs[0], legs[-1]
    elapsed = max((last.start - first.start).total_seconds() + last.elapsed_s, first.elapsed_s)
    hr = [p for leg in legs for p in leg.hr_seconds]
    return ParsedActivity(
        sport="multi",
        source_sport="multisport",
        start=first.start,
        duration_s=sum(leg.duration_s for leg in legs) + sum(leg.transition_before_s or 0.0 for leg in legs),
        elapsed_s=elapsed,
        moving_s=None,
        distance_m=sum(leg.distance_m or 0.0 for leg in legs),
        avg_hr=round(sum(h * s for h, s in hr) / sum(s for _, s in hr)) if hr else None,
        max_hr=max((leg.max_hr for leg in legs if leg.max_hr), default=None),
        legs=tuple(legs),
    )
