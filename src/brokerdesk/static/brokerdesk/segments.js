// Segments: member-count trends per dimension (ECharts, served locally), and confirmation of irreversible steps.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-trend]").forEach((el) => {
    const data = JSON.parse(document.getElementById(el.dataset.trend)?.textContent || "{}");
    if (!window.echarts || !data.dates || data.dates.length === 0) { el.style.display = "none"; return; }
    const chart = echarts.init(el);
    const few = data.dates.length < 12;
    chart.setOption({
      tooltip: { trigger: "axis", valueFormatter: v => Number(v).toLocaleString() },
      legend: { top: 0, type: "scroll" },
      grid: { left: 56, right: 16, top: 36, bottom: 28 },
      xAxis: { type: "category", data: data.dates, boundaryGap: few },
      yAxis: { type: "value", minInterval: 1, axisLabel: { formatter: v => v >= 10000 ? (v / 10000) + "万" : v } },
      series: data.series.map(s => ({ name: s.name, type: "line", data: s.data, showSymbol: few, symbolSize: 6 })),
    });
    window.addEventListener("resize", () => chart.resize());
  });
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => { if (!window.confirm(form.dataset.confirm)) event.preventDefault(); });
  });
});
