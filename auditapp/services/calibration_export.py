"""A calibration session's results as they leave the app: the JSON of
/calibration/<id>/results.json (documented in docs/calibration.md) and the results page's
partials as a PDF.
"""

from __future__ import annotations

from typing import Any

from auditapp.models import CalibrationSession
from auditapp.pdf import render_pdf

from .calibration_results import ItemRow, Results, results_of
from .reports import printable_html


def as_json(results: Results) -> dict[str, Any]:
    """The JSON of /calibration/<id>/results.json (docs/calibration.md)."""
    return {
        "session": results.session_id,
        "checklist": {"id": results.checklist.id, "version": results.checklist.version},
        "reference": {"mode": results.reference_mode, "name": results.reference_name},
        **{name: stat.as_json() for name, stat in results.stats.items()},
        "krippendorff_alpha_by_level": [
            {"label": s.label, **s.as_json()} for s in results.by_level
        ],
        "krippendorff_alpha_overall_interval": results.overall_alpha.as_json(),
        "raters": [
            {
                "name": r.name,
                "is_reference": r.is_reference,
                "overall": r.overall,
                "difference_from_reference": r.difference,
                "percent_matching_reference": r.pct_matching,
                "critical_mismatches": r.critical_mismatches,
                "tendency": r.tendency,
                "cohen_kappa": [{"label": s.label, **s.as_json()} for s in r.cohen],
            }
            for r in results.raters
        ],
        "items": [_item_json(results, row) for row in results.items],
    }


def _item_json(results: Results, row: ItemRow) -> dict[str, Any]:
    one_unit = {
        "value": None,
        "ci_low": None,
        "ci_high": None,
        "n_units": 1,
        "n_raters": sum(a.value is not None for a in row.answers),
        "reason": "only one unit: agreement on one item is pooled over sessions on /calibration",
    }
    return {
        "id": row.item.id,
        "text": row.item.text,
        "critical": row.item.critical,
        "level": row.level,
        "answers": [{"rater": a.rater, "value": a.value} for a in row.answers],
        "reference": row.reference,
        "modal": row.modal,
        "percent_with_reference": row.pct_with_reference,
        "disagreement": row.disagreement,
        "krippendorff_alpha": one_unit,
        "gwet_ac1": one_unit,
        "fleiss_kappa": one_unit,
        "percent_agreement": results.item_stats[row.item.id]["percent_agreement"].as_json(),
    }


def results_pdf(view, session: CalibrationSession) -> bytes:
    """The results page's partials as a PDF."""
    html = printable_html("pdf/calibration.html", view=view, results=results_of(session))
    return render_pdf(html)
