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

  // Every number opens the list behind it: the drill-down page with the dashboard's filters and a metric.
  function drill(params) {
    if (!links.drilldownUrl) {
      return;
    }
    var url = links.drilldownUrl + "?" + (links.filterQuery || "");
    var extra = withQuery("", params).replace(/^\?/, "");
    window.location.href = url + (extra ? (links.filterQuery ? "&" : "") + extra : "");
  }

  function withChain(params, chainId) {
    // A chart row about one chain narrows the list to it, whatever the chain filter was.
    var query = (links.filterQuery || "").split("&").filter(function (part) { return part && part.indexOf("chain=") !== 0; });
    var extra = withQuery("", params).replace(/^\?/, "");
    window.location.href = links.drilldownUrl + "?" + query.concat(["chain=" + encodeURIComponent(chainId)]).join("&") +
      (extra ? "&" + extra : "");
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
  if (byChain) {
    byChain.on("click", function (params) {
      var row = data.by_chain[params.dataIndex];
      var status = usedStatuses[params.seriesIndex];
      if (row && status) {
        withChain({ metric: "status", status: status.value }, row.chain_id);
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
  if (statusPie) {
    statusPie.on("click", function (params) {
      drill({ metric: "status", status: params.data.status });
    });
  }

  // Monthly trend over the last 12 months; a point opens that month's challenges or claims.
  var trend = init("chart-trend", function () {
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 8, right: 32, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: "category", boundaryGap: false, data: data.monthly_trend.months, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: labels.published, type: "line", areaStyle: { opacity: 0.15 }, data: data.monthly_trend.published },
        { name: labels.claimed, type: "line", areaStyle: { opacity: 0.15 }, data: data.monthly_trend.claimed },
        { name: labels.completed, type: "line", areaStyle: { opacity: 0.15 }, data: data.monthly_trend.completed }
      ]
    };
  });
  if (trend) {
    trend.on("click", function (params) {
      var month = data.monthly_trend.months[params.dataIndex];
      if (!month || params.seriesIndex > 1) {
        return;
      }
      var parts = month.split("-");
      var last = new Date(Number(parts[0]), Number(parts[1]), 0).getDate();
      var query = { period: "custom", start: month + "-01", end: month + "-" + (last < 10 ? "0" + last : last),
                    metric: params.seriesIndex === 0 ? "published" : "claims" };
      if (data.filters.chain_id) {
        query.chain = data.filters.chain_id;
      }
      window.location.href = withQuery(links.drilldownUrl, query);
    });
  }

  // Top experts by claims (with accepted claims alongside); the most active expert at the top.
  var experts = data.top_experts_by_claims.slice().reverse();
  var topExperts = init("chart-top-experts", function () {
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
  if (topExperts) {
    topExperts.on("click", function (params) {
      var row = experts[params.dataIndex];
      if (row) {
        drill({ metric: "expert", expert: row.expert_id });
      }
    });
  }

  // Per-chain funnel: posted -> claimed -> completed, side by side for every chain.
  var funnelSteps = [
    { key: "posted", metric: "posted", label: labels.posted },
    { key: "claimed", metric: "claimed", label: labels.claimed_challenges },
    { key: "completed", metric: "completed", label: labels.completed }
  ];
  var funnel = init("chart-funnel", function () {
    var narrow = isNarrow();
    var names = data.funnel.map(function (row) { return row.chain_name; });
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
      graphic: emptyGraphic(data.funnel.every(function (row) { return row.posted === 0; })),
      xAxis: narrow ? { type: "value", minInterval: 1 } : { type: "category", data: names,
        axisLabel: { interval: 0, overflow: "truncate", width: 90 } },
      yAxis: narrow ? { type: "category", data: names, axisLabel: { overflow: "truncate", width: 80 } }
        : { type: "value", minInterval: 1 },
      series: funnelSteps.map(function (step) {
        return { name: step.label, type: "bar", data: data.funnel.map(function (row) { return row[step.key]; }) };
      })
    };
  });
  if (funnel) {
    funnel.on("click", function (params) {
      var row = data.funnel[params.dataIndex];
      var step = funnelSteps[params.seriesIndex];
      if (row && step) {
        withChain({ metric: step.metric }, row.chain_id);
      }
    });
  }

  // Fields in demand against the experts who cover them; a field with more demand than experts is red.
  var fields = data.fields.slice().reverse();
  var fieldsChart = init("chart-fields", function () {
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 8, right: 24, top: 40, bottom: 8, containLabel: true },
      graphic: emptyGraphic(fields.length === 0),
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: fields.map(function (row) { return row.name; }),
        axisLabel: { overflow: "truncate", width: 100 } },
      series: [
        { name: labels.demand, type: "bar", data: fields.map(function (row) {
          return { value: row.demand, itemStyle: row.demand > row.experts ? { color: "#dc3545" } : undefined };
        }) },
        { name: labels.experts, type: "bar", data: fields.map(function (row) { return row.experts; }) }
      ]
    };
  });
  if (fieldsChart) {
    fieldsChart.on("click", function (params) {
      var row = fields[params.dataIndex];
      if (row) {
        drill({ metric: params.seriesIndex === 0 ? "field" : "field_experts", field: row.field_id });
      }
    });
  }

  // Enterprises that posted most in the period.
  var enterprises = data.top_enterprises.slice().reverse();
  var enterpriseChart = init("chart-top-enterprises", function () {
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 8, right: 24, top: 40, bottom: 8, containLabel: true },
      graphic: emptyGraphic(enterprises.length === 0),
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: enterprises.map(function (row) { return row.name; }),
        axisLabel: { overflow: "truncate", width: 140 } },
      series: [
        { name: labels.posted, type: "bar", data: enterprises.map(function (row) { return row.posted; }) },
        { name: labels.completed, type: "bar", data: enterprises.map(function (row) { return row.completed; }) }
      ]
    };
  });
  if (enterpriseChart) {
    enterpriseChart.on("click", function (params) {
      var row = enterprises[params.dataIndex];
      if (row) {
        drill({ metric: "enterprise", enterprise: row.enterprise_id });
      }
    });
  }

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
