"""``index.html``: one self-contained page (base64 PNGs, inline CSS, no scripts, no external URLs)."""

from __future__ import annotations

import base64
import html
from typing import Any

from equiscale.report.verdicts import fmt

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#222;line-height:1.45}
h1{font-size:1.6em}h2{font-size:1.25em;border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.8em}
figure{margin:1em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.9em;color:#555}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}td,th{border:1px solid #ddd;padding:.2em .5em;
text-align:right}th{background:#f4f4f4}td.l,th.l{text-align:left}
ul.verdicts li{margin:.3em 0}.status{font-size:.8em;padding:.05em .4em;border-radius:.3em;background:#eee;
color:#333;margin-right:.4em}.missing{color:#8a4b00}.notes{font-size:.85em;color:#555}
"""


NO_VERDICTS = '<li class="missing">No verdicts: nothing could be fitted.</li>'


def _e(x: Any) -> str:
    return html.escape(str(x))


def _img(fig: dict[str, Any]) -> str:
    data = base64.b64encode(fig["png_bytes"]).decode("ascii")
    return (f'<figure id="fig-{_e(fig["name"])}"><img src="data:image/png;base64,{data}" alt="{_e(fig["title"])}">'
            f'<figcaption><b>{_e(fig["title"])}.</b> {_e(fig["caption"])} '
            f'(<a href="{_e(fig["pdf"])}">PDF</a>, <a href="{_e(fig["png"])}">PNG</a>)</figcaption></figure>')


def _table(head: list[str], rows: list[list[Any]], left: int = 1) -> str:
    th = "".join(f'<th class="{"l" if i < left else ""}">{_e(h)}</th>' for i, h in enumerate(head))
    body = "".join("<tr>" + "".join(f'<td class="{"l" if i < left else ""}">{_e(v)}</td>' for i, v in enumerate(r))
                   + "</tr>" for r in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _interval(iv: Any) -> str:
    return f"[{fmt(iv[0], 3)}, {fmt(iv[1], 3)}]" if iv and iv[0] is not None and iv[1] is not None else "—"


def parameters_html(rows: list[dict[str, Any]], confidence: float) -> str:
    """Fitted parameters with their bootstrap intervals."""
    if not rows:
        return '<p class="missing">No law could be fitted (see the notes below).</p>'
    body = [[r["series"], r["law"], r["parameter"], fmt(r["value"], 4), _interval(r["interval"])] for r in rows]
    return _table(["series", "law", "parameter", "value", f"{round(100 * confidence)}% interval"], body, left=3)


def theory_html(theory: dict[str, Any]) -> str:
    """Fitted exponents beside the random-feature theory's predictions for the implied (a, b)."""
    parts = []
    for name, th in sorted(theory.get("series", {}).items()):
        rows = [[r["name"], r["meaning"], fmt(r["measured"], 3) if r["measured"] is not None else "—",
                 _interval(th["intervals"].get(r["name"])), fmt(r["theory"], 3),
                 fmt(r["difference"], 2) if r["difference"] is not None else "—"] for r in th["rows"]]
        parts.append(f"<h3>{_e(name)}: a = {fmt(th['a'], 3)}, b = {fmt(th['b'], 3)} ({_e(th['regime'])})</h3>"
                     + _table(["exponent", "meaning", "fitted", "interval", "theory", "fitted − theory"], rows, 2))
    for n in theory.get("notes", []):
        parts.append(f'<p class="missing">{_e(n)}</p>')
    return "".join(parts) or '<p class="missing">No parametric fit to compare with the theory.</p>'


def render_html(summary: dict[str, Any], figures: list[dict[str, Any]], *, title: str = "equiscale report") -> str:
    """The whole page; ``figures`` carry their PNG bytes (embedded) and file names (linked)."""
    fits = summary.get("fits") or {}
    conf = fits.get("confidence", 0.95)
    verdicts = "".join(f'<li><span class="status">{_e(v["status"])}</span>{_e(v["text"])}</li>'
                       for v in summary.get("verdicts", []))
    runs = summary.get("runs", [])
    counts: dict[str, int] = {}
    for r in runs:
        counts[r["series"]] = counts.get(r["series"], 0) + 1
    count_rows = [[k, v] for k, v in sorted(counts.items())]
    by_section: dict[str, list[str]] = {}
    for f in figures:
        by_section.setdefault(f["section"], []).append(_img(f))
    missing = "".join(f'<li class="missing">{_e(m)}</li>' for m in summary.get("missing_figures", []))
    notes = "".join(f"<li>{_e(n)}</li>" for n in summary.get("notes", []))
    eq = summary.get("equivariance", {})
    data_eq = [[k, fmt(v, 3) if v is not None else "—"] for k, v in sorted(eq.get("data", {}).items())]

    def section(key: str) -> str:
        return "".join(by_section.get(key, []))

    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head>
<body><h1>{_e(title)}</h1>
<p>{len(runs)} runs in {len(counts)} series; bootstrap {_e(fits.get('bootstrap', 0))} resamples over runs
(seed {_e(fits.get('seed', '—'))}), {round(100 * conf)}% percentile intervals. Every number here is in
<a href="summary.json">summary.json</a>.</p>
{_table(["series", "runs"], count_rows)}
<h2>Verdicts</h2><ul class="verdicts">{verdicts or NO_VERDICTS}</ul>
<h2>Loss vs compute</h2>{section("compute")}
<h2>Loss vs wall-clock</h2>{section("wallclock")}
<h2>Compute-optimal allocation</h2>{section("allocation")}
<h2>Data efficiency and augmentation</h2>{section("data")}
<h2>Equivariance error</h2>{section("equivariance")}
{_table(["dataset", f"data equivariance error ({eq.get('group', 'E3')}, mean relative)"], data_eq) if data_eq else ""}
<h2>Fitted parameters</h2>{parameters_html(summary.get("parameters", []), conf)}
<h2>Theory: random-feature model</h2>{section("theory")}{theory_html(summary.get("theory", {}))}
<h2>What could not be shown or fitted</h2><ul class="notes">{missing}{notes or '<li>nothing</li>'}</ul>
</body></html>
"""
