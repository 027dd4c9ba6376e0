"""The synthetic null-athlete generator the tests use; it lives in core/benchmarks/synthetic_athletes.py so the
calibration, null-rate and power benchmarks run the same athletes."""

from core.benchmarks.synthetic_athletes import (
    SCHEDULES,
    Planted,
    Schedule,
    null_athlete_tables,
    schedule_named,
    write_null_athlete,
)

__all__ = ["SCHEDULES", "Planted", "Schedule", "null_athlete_tables", "schedule_named", "write_null_athlete"]
