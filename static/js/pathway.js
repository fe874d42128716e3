// The pathway map: who refers to whom, as a directed graph drawn with cytoscape
// (static/vendor/cytoscape-3.35.0) from the JSON the server wrote in the page
// (#pathway-graph-data). A picture of the table below it, which holds the same figures
// and is what keyboards, screen readers and phones read: nothing here takes the focus.
(function () {
  "use strict";
  var container = document.getElementById("pathway-graph");
  if (!container || typeof window.cytoscape === "undefined") {
    return;
  }
  // Hidden on a phone (the table reads better there): nothing to draw.
  if (container.offsetParent === null) {
    return;
  }
  var dataNode = document.getElementById(container.getAttribute("data-graph"));
  var data = dataNode ? JSON.parse(dataNode.textContent) : { nodes: [], edges: [] };
  var tip = document.getElementById("pathway-graph-tip");
  var widest = 1;
  data.edges.forEach(function (edge) {
    widest = Math.max(widest, edge.referrals);
  });

  var elements = [];
  data.nodes.forEach(function (node) {
    elements.push({
      group: "nodes",
      data: {
        id: node.id,
        label: node.short,
        title: node.title,
        connected: node.connected ? 1 : 0,
        weight: node.sent + node.received,
      },
    });
  });
  data.edges.forEach(function (edge) {
    elements.push({
      group: "edges",
      data: {
        id: edge.id,
        source: edge.source,
        target: edge.target,
        label: String(edge.referrals),
        title: edge.title,
        width: 1.5 + (6 * edge.referrals) / widest,
        late: edge.stale > 0 ? 1 : 0,
      },
    });
  });

  var font = window.getComputedStyle(document.body).fontFamily;
  var cy = window.cytoscape({
    container: container,
    elements: elements,
    userZoomingEnabled: false,
    boxSelectionEnabled: false,
    autoungrabify: false,
    style: [
      {
        selector: "node",
        style: {
          label: "data(label)",
          "font-family": font,
          "font-size": 12,
          "text-valign": "bottom",
          "text-margin-y": 4,
          "text-wrap": "ellipsis",
          "text-max-width": 120,
          color: "#17212b",
          "background-color": "#0b5c6b",
          width: "mapData(weight, 0, 60, 14, 30)",
          height: "mapData(weight, 0, 60, 14, 30)",
          "border-width": 2,
          "border-color": "#073f4a",
        },
      },
      {
        selector: "node[connected = 0]",
        style: {
          "background-color": "#ffffff",
          "border-style": "dashed",
          "border-color": "#4d5b68",
        },
      },
      {
        selector: "edge",
        style: {
          width: "data(width)",
          "curve-style": "bezier",
          "target-arrow-shape": "triangle",
          "line-color": "#9fb3bf",
          "target-arrow-color": "#9fb3bf",
          label: "data(label)",
          "font-family": font,
          "font-size": 11,
          "text-background-color": "#ffffff",
          "text-background-opacity": 1,
          "text-background-padding": 2,
          color: "#17212b",
        },
      },
      {
        selector: "edge[late = 1]",
        style: { "line-color": "#a8231b", "target-arrow-color": "#a8231b" },
      },
      {
        selector: ".hover",
        style: { "line-color": "#c7741a", "target-arrow-color": "#c7741a" },
      },
    ],
    // A circle in name order: the same picture for the same figures, every label apart.
    layout: { name: "circle", animate: false, avoidOverlap: true, padding: 40 },
  });
  function show(event) {
    var element = event.target;
    var title = element.data("title");
    if (!tip || !title) {
      return;
    }
    element.addClass("hover");
    tip.textContent = title;
    tip.hidden = false;
    var position = event.renderedPosition || element.renderedPosition();
    tip.style.left = Math.max(0, position.x + 12) + "px";
    tip.style.top = Math.max(0, position.y + 12) + "px";
  }
  function hide(event) {
    event.target.removeClass("hover");
    if (tip) {
      tip.hidden = true;
    }
  }
  cy.on("mouseover tap", "edge, node", show);
  cy.on("mouseout", "edge, node", hide);
})();
