/* 联盟看板: draws the ECharts charts from the json_script data rendered by alliance/views.py. */
(function () {
  "use strict";

  var dataElement = document.getElementById("dashboard-data");
  if (!dataElement || typeof echarts === "undefined") {
    return;
  }
  var data = JSON.parse(dataElement.textContent);
  var labels = data.labels || {};
  var links = (document.getElementById("dashboard-links") || {}).dataset || {};
  var charts = [];

  function isNarrow() {
    return window.matchMedia("(max-width: 575.98px)").matches;
  }

  function withQuery(url, params) {
    var query = Object.keys(params)
      .filter(function (key) { return params[key] !== null && params[key] !== undefined && params[key] !== ""; })
      .map(function (key) { return encodeURIComponent(key) + "=" + encodeURIComponent(params[key]); })
      .join("&");
    return query ? url + "?" + query : url;
  }

  function init(id, buildOption) {
    var element = document.getElementById(id);
    if (!element) {
      return null;
    }
    var chart = echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(buildOption());
    chart.__build = buildOption;
    charts.push(chart);
    return chart;
  }

  function emptyGraphic(isEmpty) {
    return isEmpty
      ? { type: "text", left: "center", top: "middle", style: { text: labels.empty || "", fill: "#6c757d", fontSize: 14 } }
      : { type: "text", style: { text: "" } };
  }

  // Challenges by chain and status: one stacked bar per chain, statuses that never occur are left out.
  var usedStatuses = data.statuses.filter(function (status) {
    return data.by_chain.some(function (row) { return row.counts[status.value] > 0; });
  });
  var byChain = init("chart-by-chain", function () {
    var narrow = isNarrow();
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { type: "scroll", top: 0 },
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      graphic: emptyGraphic(usedStatuses.length === 0),
      xAxis: narrow ? { type: "value", minInterval: 1 } : {
        type: "category",
        data: data.by_chain.map(function (row) { return row.chain_name; }),
        axisLabel: { interval: 0, overflow: "truncate", width: 90 }
      },
      yAxis: narrow ? {
        type: "category",
        data: data.by_chain.map(function (row) { return row.chain_name; }),
        axisLabel: { overflow: "truncate", width: 80 }
      } : { type: "value", minInterval: 1 },
      series: usedStatuses.map(function (status) {
        return {
          name: status.label,
          type: "bar",
          stack: "status",
          emphasis: { focus: "series" },
          data: data.by_chain.map(function (row) { return row.counts[status.value]; }),
          statusValue: status.value
        };
      })
    };
  });
  if (byChain && links.chainListUrl) {
    byChain.on("click", function (params) {
      var row = data.by_chain[params.dataIndex];
      var status = usedStatuses[params.seriesIndex];
      if (row && status) {
        window.location.href = withQuery(links.chainListUrl, { status: status.value, chain: row.chain_id });
      }
    });
  }

  // Status distribution across the selected chains.
  var distribution = data.status_distribution.filter(function (row) { return row.count > 0; });
  var statusPie = init("chart-status", function () {
    var narrow = isNarrow();
    return {
      tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
      legend: { type: "scroll", bottom: 0 },
      graphic: emptyGraphic(distribution.length === 0),
      series: [{
        name: labels.status,
        type: "pie",
        radius: narrow ? ["30%", "60%"] : ["40%", "70%"],
        center: ["50%", "45%"],
        label: { show: !narrow, formatter: "{b}\n{c}" },
        data: distribution.map(function (row) { return { name: row.label, value: row.count, status: row.status }; })
      }]
    };
  });
  if (statusPie && links.chainListUrl) {
    statusPie.on("click", function (params) {
      window.location.href = withQuery(links.chainListUrl, { status: params.data.status, chain: data.filters.chain_id });
    });
  }

  // Monthly trend over the last 12 months.
  init("chart-trend", function () {
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 8, right: 32, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: "category", boundaryGap: false, data: data.monthly_trend.months, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: labels.published, type: "line", areaStyle: { opacity: 0.15 }, data: data.monthly_trend.published },
        { name: labels.claimed, type: "line", areaStyle: { opacity: 0.15 }, data: data.monthly_trend.claimed }
      ]
    };
  });

  // Top experts by claims (with accepted claims alongside); the most active expert at the top.
  var experts = data.top_experts_by_claims.slice().reverse();
  init("chart-top-experts", function () {
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 8, right: 24, top: 40, bottom: 8, containLabel: true },
      graphic: emptyGraphic(experts.length === 0),
      xAxis: { type: "value", minInterval: 1 },
      yAxis: {
        type: "category",
        data: experts.map(function (row) { return row.name; }),
        axisLabel: { overflow: "truncate", width: 80 }
      },
      series: [
        { name: labels.claims, type: "bar", data: experts.map(function (row) { return row.claims; }) },
        { name: labels.accepted, type: "bar", data: experts.map(function (row) { return row.accepted; }) }
      ]
    };
  });

  // Charts follow the window (and rebuild their layout when crossing the phone breakpoint).
  var wasNarrow = isNarrow();
  var pending = null;
  window.addEventListener("resize", function () {
    if (pending) {
      window.cancelAnimationFrame(pending);
    }
    pending = window.requestAnimationFrame(function () {
      var narrow = isNarrow();
      charts.forEach(function (chart) {
        if (narrow !== wasNarrow) {
          chart.setOption(chart.__build(), true);
        }
        chart.resize();
      });
      wasNarrow = narrow;
    });
  });
})();
