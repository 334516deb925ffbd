// Complaint reports: complaints by category as a stacked bar chart (ECharts, served locally). The data comes from
// the page's json_script element named by data-category-chart.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-category-chart]").forEach((el) => {
    const data = JSON.parse(document.getElementById(el.dataset.categoryChart)?.textContent || "{}");
    if (!window.echarts || !data.labels || data.labels.length === 0) { el.style.display = "none"; return; }
    const chart = echarts.init(el);
    const names = data.names || {};
    chart.setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: v => Number(v).toLocaleString() },
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 36, bottom: 60 },
      xAxis: { type: "category", data: data.labels, axisLabel: { interval: 0, rotate: data.labels.length > 6 ? 30 : 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: names.complaints, type: "bar", stack: "complaints", data: data.complaints },
        { name: names.referrals, type: "bar", stack: "complaints", data: data.referrals },
      ],
    });
    window.addEventListener("resize", () => chart.resize());
  });
});
