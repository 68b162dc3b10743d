"""Reports: figures (PNG + PDF), plain-language verdicts, a self-contained ``index.html`` and ``summary.json``.

Public API::

    build_report(records, out_dir, *, fits=None, data_equivariance=None, theory=True, bootstrap=1000, seed=0) -> Path
    build_summary(records, study, ...) -> dict          # the numbers behind the page
    compute_verdict / exponent_verdict / data_verdict / augmentation_verdict   # verdict logic (report.verdicts)
"""

from equiscale.report.build import REPORT_AXES, build_report
from equiscale.report.summary import build_summary
from equiscale.report.verdicts import augmentation_verdict, compute_verdict, data_verdict, exponent_verdict

__all__ = ["REPORT_AXES", "augmentation_verdict", "build_report", "build_summary", "compute_verdict",
           "data_verdict", "exponent_verdict"]
