// Customer 360: the asset trend (ECharts, served locally; no CDN on a brokerage intranet).
document.addEventListener("DOMContentLoaded", () => {
  const el = document.getElementById("asset-chart");
  const data = JSON.parse(document.getElementById("asset-history")?.textContent || "[]");
  if (!el || !window.echarts || data.length === 0) { if (el) el.style.display = "none"; return; }
  const chart = echarts.init(el);
  const series = (name, key, area) => ({ name, type: "line", showSymbol: false, data: data.map(p => Number(p[key])), areaStyle: area ? { opacity: 0.08 } : undefined });
  chart.setOption({
    tooltip: { trigger: "axis", valueFormatter: v => "¥" + Number(v).toLocaleString(undefined, { maximumFractionDigits: 0 }) },
    legend: { top: 0 },
    grid: { left: 70, right: 16, top: 32, bottom: 28 },
    xAxis: { type: "category", data: data.map(p => p.date) },
    yAxis: { type: "value", axisLabel: { formatter: v => v >= 10000 ? (v / 10000) + "万" : v } },
    series: [series(el.dataset.labelTotal, "total_assets", true), series(el.dataset.labelMv, "market_value"), series(el.dataset.labelCash, "cash")],
  });
  window.addEventListener("resize", () => chart.resize());
});
