// Return-visit figures: completed visits per week or month, stacked by programme (ECharts, served locally). The
// data comes from the page's json_script element named by data-completions-chart.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-completions-chart]").forEach((el) => {
    const data = JSON.parse(document.getElementById(el.dataset.completionsChart)?.textContent || "{}");
    if (!window.echarts || !data.labels || !data.series || data.series.length === 0) { el.style.display = "none"; return; }
    const chart = echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: v => Number(v).toLocaleString() },
      legend: { top: 0, type: "scroll" },
      grid: { left: 48, right: 16, top: 36, bottom: 40 },
      xAxis: { type: "category", data: data.labels, axisLabel: { interval: 0, rotate: data.labels.length > 8 ? 30 : 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: data.series.map(s => ({ name: s.name, type: "bar", stack: "completed", data: s.data })),
    });
    window.addEventListener("resize", () => chart.resize());
  });
});
