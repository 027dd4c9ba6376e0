"""Import: the athlete's own files (FIT, GPX, TCX, .gz, a Strava export .zip, health CSVs), one line per file."""

import pandas as pd
import streamlit as st

from core.db.imports import imports_frame
from core.imports import import_sources, sources_from_uploads
from core.imports.health import COLUMNS
from ui import page_state

st.title("Import")
st.caption(
    "FIT, GPX and TCX files (also gzipped), a Strava bulk export (.zip) or a daily health CSV with the columns "
    f"{', '.join(aliases[0] for aliases in COLUMNS.values())}. A file already imported, or the same activity "
    "from another device (same sport, start within a minute), is skipped; a file that cannot be read is refused "
    "alone and leaves nothing behind."
)

athlete_id = page_state.athlete_id()
uploads = st.file_uploader(
    "Files",
    type=["fit", "gpx", "tcx", "gz", "zip", "csv"],
    accept_multiple_files=True,
    key="imports_files",
)
if st.button("Import", type="primary", disabled=not uploads, key="imports_go"):
    sources, refused = sources_from_uploads((f.name, f.getvalue()) for f in uploads or [])
    bar = st.progress(0.0, text=f"0 of {len(sources)} files")
    report = import_sources(
        page_state.writing,
        athlete_id,
        sources,
        refused=refused,
        progress=lambda done, total, outcome: bar.progress(done / total, text=f"{done} of {total}: {outcome.name}"),
    )
    st.cache_data.clear()  # every cached figure of this athlete may have changed
    st.session_state["imports_report"] = report.to_dict()

report = st.session_state.get("imports_report")
if report and report["athlete_id"] == athlete_id:
    st.text(
        f"{report['imported']} imported · {report['skipped']} skipped · {report['refused']} refused — "
        f"{report['activities']} activities and {report['health_days']} health days added; data now runs to {report['as_of']}"
    )
    st.dataframe(
        pd.DataFrame(report["files"])[["status", "name", "message"]],
        hide_index=True,
        key="imports_outcomes",
    )

st.subheader("Imported before")
history = imports_frame(page_state.connection().cursor(), athlete_id)
if history.empty:
    st.info("Nothing imported for this athlete yet.")
else:
    st.dataframe(history, hide_index=True, key="imports_history")
