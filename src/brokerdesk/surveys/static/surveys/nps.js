// NPS trend: NPS per period with its 95 % interval as a band, responses as bars (ECharts, served locally). The
// data comes from the page's json_script element named by data-nps-chart (no inline script: CSP).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-nps-chart]").forEach((el) => {
    const data = JSON.parse(document.getElementById(el.dataset.npsChart)?.textContent || "{}");
    if (!window.echarts || !data.labels || data.labels.length === 0) { el.style.display = "none"; return; }
    const names = data.names || {};
    const low = data.low.map(v => (v === null ? null : v));
    const band = data.high.map((v, i) => (v === null || low[i] === null ? null : +(v - low[i]).toFixed(2)));
    const chart = echarts.init(el);
    chart.setOption({
      tooltip: { trigger: "axis" },
      legend: { top: 0, data: [names.nps || "NPS", names.interval || "95%", names.responses || "n"] },
      grid: { left: 48, right: 56, top: 36, bottom: 40 },
      xAxis: { type: "category", data: data.labels, axisLabel: { rotate: data.labels.length > 12 ? 30 : 0 } },
      yAxis: [{ type: "value", min: -100, max: 100, name: "NPS" },
              { type: "value", minInterval: 1, name: names.responses || "n", splitLine: { show: false } }],
      series: [
        { name: names.responses || "n", type: "bar", yAxisIndex: 1, data: data.responses, itemStyle: { opacity: 0.25 } },
        { name: "low", type: "line", data: low, stack: "ci", stackStrategy: "all", lineStyle: { opacity: 0 }, symbol: "none",
          tooltip: { show: false } },
        { name: names.interval || "95%", type: "line", data: band, stack: "ci", stackStrategy: "all", lineStyle: { opacity: 0 },
          symbol: "none", areaStyle: { opacity: 0.2 } },
        { name: names.nps || "NPS", type: "line", data: data.nps, connectNulls: false, symbolSize: 6 },
      ],
    });
    window.addEventListener("resize", () => chart.resize());
  });
});
