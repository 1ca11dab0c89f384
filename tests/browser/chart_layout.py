"""Where ECharts drew a chart's legend items and its y-axis name (from zrender's display list, in CSS px),
and which of them collide: a legend must not cover the unit above the y axis, nor page its items."""

RECTS = """(id) => {
    const node = document.getElementById(id);
    const chart = node && echarts.getInstanceByDom(node);
    if (!chart) return null;
    const opt = chart.getOption();
    const unit = (opt.yAxis && opt.yAxis[0] && opt.yAxis[0].name) || '';
    const names = new Set((opt.series || []).map((s) => s.name));
    const out = {unit: [], legend: [], names: [...names], paged: opt.legend && opt.legend[0] && opt.legend[0].type === 'scroll',
                 width: chart.getWidth()};
    for (const el of chart.getZr().storage.getDisplayList()) {
        const t = el.style && el.style.text;
        if (typeof t !== 'string' || el.invisible) continue;
        const r = el.getBoundingRect().clone();
        const m = el.getComputedTransform();
        if (m) r.applyTransform(m);
        const box = [r.x, r.y, r.x + r.width, r.y + r.height];
        if (unit && t === unit) out.unit.push(box);
        else if (names.has(t)) out.legend.push(box);
    }
    return out;
}"""


# Every chart drawn at the size of its box (as zrender measures it: client size less padding; hidden boxes skipped):
# a resize or a relayout reaches ECharts through a ResizeObserver and an animation frame, later on a loaded machine.
SIZED = """(ids) => ids.every((id) => {
    const node = document.getElementById(id);
    const chart = node && echarts.getInstanceByDom(node);
    if (!chart || node.offsetParent === null) return true;
    const st = getComputedStyle(node);
    const px = (v) => parseInt(v, 10) || 0;
    const w = ((node.clientWidth || px(st.width)) - px(st.paddingLeft) - px(st.paddingRight)) | 0;
    const h = ((node.clientHeight || px(st.height)) - px(st.paddingTop) - px(st.paddingBottom)) | 0;
    return chart.getWidth() === w && chart.getHeight() === h;
})"""
TWO_FRAMES = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"


def wait_for_layout(page, ids, timeout_ms: float = 30000) -> None:
    """Return once the charts ``ids`` have been resized to their boxes and drawn (two animation frames later)."""
    page.evaluate(TWO_FRAMES)
    page.wait_for_function(SIZED, arg=list(ids), timeout=timeout_ms)
    page.evaluate(TWO_FRAMES)


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def legend_clashes(page, ids) -> list[str]:
    """Problems of the charts `ids`: the unit name under a legend item, a legend item cut off or paged away."""
    wait_for_layout(page, ids)
    problems = []
    for chart_id in ids:
        got = page.evaluate(RECTS, chart_id)
        if got is None:
            continue
        if got["paged"]:
            problems.append(f"{chart_id}: legend pages its items")
        shown = len(got["legend"])
        if shown < len(got["names"]):
            problems.append(f"{chart_id}: {shown} of {len(got['names'])} legend items drawn")
        for box in got["legend"]:
            if box[2] > got["width"] + 1 or box[0] < -1:
                problems.append(f"{chart_id}: legend item outside the chart {box}")
            for unit in got["unit"]:
                if _overlap(box, unit):
                    problems.append(f"{chart_id}: unit {unit} under legend item {box}")
    return problems
