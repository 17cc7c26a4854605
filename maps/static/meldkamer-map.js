/* Live layer API of the meldkamer map page: window.meldkamerMap.
 *
 * The page is generated once (maps/page.py); afterwards the workstation only sends
 * small JSON messages, through QWebChannel (object "mapBridge") when the page runs
 * inside the workstation, or by calling these functions directly. Nothing here loads
 * anything from the network.
 */
(function () {
  'use strict';

  var STATUS_COLOURS = {
    available_station: '#2e7d32', available_mobile: '#43a047', dispatched: '#f9a825',
    en_route: '#fb8c00', on_scene: '#d32f2f', transporting: '#8e24aa',
    at_destination: '#5e35b1', out_of_service: '#757575'
  };
  var PRIORITY_COLOURS = {1: '#d32f2f', 2: '#f57c00', 3: '#1976d2'};

  var api = {};
  var map = null;
  var config = {};
  var layers = {};
  var units = {};
  var incidents = {};
  var pin = null;
  var bridge = null;
  var readySent = false;

  function esc(text) {
    return String(text === undefined || text === null ? '' : text)
      .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;');
  }

  function post(message) {
    if (bridge) {
      bridge.receive(JSON.stringify(message));
    }
    document.dispatchEvent(new CustomEvent('meldkamer', {detail: message}));
  }

  function unitIcon(u) {
    var colour = u.colour || STATUS_COLOURS[u.status] || '#455a64';
    var html = '<div class="mk-unit" style="background:' + esc(colour) + '">' +
      esc(u.label || u.callsign) + '</div>';
    return L.divIcon({html: html, className: 'mk-unit-icon', iconSize: null,
                      iconAnchor: [0, 0]});
  }

  function unitKey(u) {
    return [u.colour || '', u.status || '', u.label || u.callsign].join('|');
  }

  function upsertUnit(u) {
    var id = String(u.callsign);
    var entry = units[id];
    var key = unitKey(u);
    if (!entry) {
      var marker = L.marker([u.lat, u.lon], {icon: unitIcon(u), title: u.title || id,
                                             keyboard: false, riseOnHover: true});
      marker.addTo(layers.units);
      units[id] = {marker: marker, key: key, lat: u.lat, lon: u.lon};
      return;
    }
    if (entry.lat !== u.lat || entry.lon !== u.lon) {
      entry.marker.setLatLng([u.lat, u.lon]);
      entry.lat = u.lat;
      entry.lon = u.lon;
    }
    if (entry.key !== key) {
      /* Change the label in place: rebuilding the icon's DOM costs ten times as much. */
      var el = entry.marker.getElement();
      var label = el && el.firstChild;
      entry.marker.options.icon = unitIcon(u);
      if (label) {
        label.style.background = u.colour || STATUS_COLOURS[u.status] || '#455a64';
        label.textContent = u.label || u.callsign;
      } else {
        entry.marker.setIcon(entry.marker.options.icon);
      }
      entry.key = key;
    }
  }

  function removeUnit(callsign) {
    var entry = units[String(callsign)];
    if (entry) {
      layers.units.removeLayer(entry.marker);
      delete units[String(callsign)];
    }
  }

  function incidentStyle(inc) {
    var colour = inc.colour || PRIORITY_COLOURS[inc.priority] || '#c62828';
    return {radius: 9, color: '#000', weight: 2, fillColor: colour, fillOpacity: 0.9};
  }

  function upsertIncident(inc) {
    var id = String(inc.number);
    var entry = incidents[id];
    var text = '<b>' + esc(inc.label || id) + '</b>' +
      (inc.title ? '<br>' + esc(inc.title) : '');
    if (!entry) {
      var marker = L.circleMarker([inc.lat, inc.lon], incidentStyle(inc));
      marker.bindTooltip(text, {direction: 'top', offset: [0, -8]});
      marker.on('click', function () { post({event: 'incident', number: id}); });
      marker.addTo(layers.incidents);
      incidents[id] = {marker: marker};
      return;
    }
    entry.marker.setLatLng([inc.lat, inc.lon]);
    entry.marker.setStyle(incidentStyle(inc));
    entry.marker.setTooltipContent(text);
  }

  function removeIncident(number) {
    var entry = incidents[String(number)];
    if (entry) {
      layers.incidents.removeLayer(entry.marker);
      delete incidents[String(number)];
    }
  }

  function roadStyle(feature) {
    var cls = feature.properties['class'] || '';
    var major = /^(motorway|trunk|primary|secondary)/.test(cls);
    var minor = /^(track|service|path|footway|cycleway|steps|pedestrian)/.test(cls);
    return {color: major ? '#e0a030' : '#8a8a8a', weight: major ? 4 : (minor ? 1 : 2),
            opacity: 0.9};
  }

  api.setUnits = function (list) {
    var seen = {};
    for (var i = 0; i < list.length; i++) {
      upsertUnit(list[i]);
      seen[String(list[i].callsign)] = true;
    }
    Object.keys(units).forEach(function (id) { if (!seen[id]) { removeUnit(id); } });
  };
  api.upsertUnit = upsertUnit;
  api.removeUnit = removeUnit;
  api.setIncidents = function (list) {
    var seen = {};
    for (var i = 0; i < list.length; i++) {
      upsertIncident(list[i]);
      seen[String(list[i].number)] = true;
    }
    Object.keys(incidents).forEach(function (id) { if (!seen[id]) { removeIncident(id); } });
  };
  api.upsertIncident = upsertIncident;
  api.removeIncident = removeIncident;

  api.centreOn = function (lat, lon, zoom) {
    map.setView([lat, lon], zoom || Math.max(map.getZoom(), 15), {animate: false});
  };
  api.showIsland = function (code) {
    var island = config.islands[code];
    if (!island) { return false; }
    var b = island.bbox;  /* south, west, north, east */
    map.fitBounds([[b[0], b[1]], [b[2], b[3]]], {padding: [8, 8], animate: false});
    config.island = code;
    return true;
  };
  api.setLayerVisible = function (name, visible) {
    var layer = layers[name];
    if (!layer) { return false; }
    if (visible && !map.hasLayer(layer)) { map.addLayer(layer); }
    if (!visible && map.hasLayer(layer)) { map.removeLayer(layer); }
    return true;
  };
  api.isLayerVisible = function (name) {
    return Boolean(layers[name]) && map.hasLayer(layers[name]);
  };
  api.setRoads = function (geojson) {
    layers.roads.clearLayers();
    /* SVG, not L.canvas(): the canvas renderer drew nothing under software rendering. */
    layers.roads.addLayer(L.geoJSON(geojson, {style: roadStyle, interactive: false}));
    if (layers.islands && map.hasLayer(layers.islands)) { layers.islands.bringToBack(); }
    layers.incidents.bringToFront();
  };
  api.setTiles = function (tiles) {
    if (layers.tiles) { map.removeLayer(layers.tiles); }
    layers.tiles = L.layerGroup();
    if (tiles && tiles.url) {
      L.tileLayer(tiles.url, {minZoom: tiles.minZoom || 0, maxZoom: tiles.maxZoom || 19,
                              maxNativeZoom: tiles.maxNativeZoom || tiles.maxZoom || 19,
                              attribution: ''}).addTo(layers.tiles);
      layers.tiles.addTo(map);
    }
  };
  api.setPin = function (lat, lon) {
    if (pin) { map.removeLayer(pin); pin = null; }
    if (lat === null || lat === undefined) { return; }
    pin = L.circleMarker([lat, lon], {radius: 6, color: '#000', weight: 2,
                                      fillColor: '#ffeb3b', fillOpacity: 1,
                                      interactive: false}).addTo(map);
  };
  api.count = function (name) {
    if (name === 'units') { return Object.keys(units).length; }
    if (name === 'incidents') { return Object.keys(incidents).length; }
    var layer = layers[name];
    return layer ? layer.getLayers().length : -1;
  };
  api.position = function (layer, id) {
    var entry = (layer === 'units' ? units : incidents)[String(id)];
    if (!entry) { return null; }
    var ll = entry.marker.getLatLng();
    return [ll.lat, ll.lng];
  };
  api.map = function () { return map; };

  /* One JSON message from Python; answers with an "applied" event when it has a seq. */
  api.handle = function (text) {
    var msg = typeof text === 'string' ? JSON.parse(text) : text;
    var ops = {
      units: function () { api.setUnits(msg.units); },
      unit: function () { upsertUnit(msg.unit); },
      remove_unit: function () { removeUnit(msg.callsign); },
      incidents: function () { api.setIncidents(msg.incidents); },
      incident: function () { upsertIncident(msg.incident); },
      remove_incident: function () { removeIncident(msg.number); },
      centre: function () { api.centreOn(msg.lat, msg.lon, msg.zoom); },
      island: function () { api.showIsland(msg.code); },
      layer: function () { api.setLayerVisible(msg.name, msg.visible); },
      roads: function () { api.setRoads(msg.geojson); },
      tiles: function () { api.setTiles(msg.tiles); },
      pin: function () { api.setPin(msg.lat, msg.lon); }
    };
    var op = ops[msg.op];
    try {
      if (!op) { throw new Error('unknown op ' + msg.op); }
      op();
    } catch (err) {
      post({event: 'error', seq: msg.seq, op: msg.op, message: String(err)});
      return;
    }
    if (msg.seq !== undefined) { post({event: 'applied', seq: msg.seq, op: msg.op}); }
  };

  function sendReady() {
    if (!readySent) {
      readySent = true;
      post({event: 'ready', zoom: map.getZoom()});
    }
  }

  function connectBridge() {
    if (typeof qt === 'undefined' || !qt.webChannelTransport) { return false; }
    var script = document.createElement('script');
    script.src = 'qrc:///qtwebchannel/qwebchannel.js';
    script.onload = function () {
      /* global QWebChannel */
      new QWebChannel(qt.webChannelTransport, function (channel) {
        bridge = channel.objects.mapBridge;
        if (bridge) { bridge.sig_to_page.connect(api.handle); }
        sendReady();
      });
    };
    document.head.appendChild(script);
    return true;
  }

  function showClick(lat, lon) {
    var box = document.getElementById('mk-click');
    if (box) {
      box.textContent = 'Locatie: ' + lat.toFixed(5) + ', ' + lon.toFixed(5);
      box.style.display = 'block';
    }
  }

  api.init = function (leafletMap, namedLayers, cfg) {
    map = leafletMap;
    config = cfg;
    layers = namedLayers;
    layers.units = L.layerGroup().addTo(map);
    layers.incidents = L.featureGroup().addTo(map);
    api.setTiles(cfg.tiles);
    if (layers.islands) { layers.islands.bringToBack(); }
    map.on('click', function (e) {
      var lat = Math.round(e.latlng.lat * 1e6) / 1e6;
      var lon = Math.round(e.latlng.lng * 1e6) / 1e6;
      showClick(lat, lon);
      post({event: 'click', lat: lat, lon: lon});
    });
    map.on('resize', function (e) {
      /* Built while hidden (0x0): frame the island once the view has a real size. */
      if (e.oldSize.x === 0 || e.oldSize.y === 0) { api.showIsland(config.island); }
    });
    api.showIsland(cfg.island || 'BO');
    if (!connectBridge()) { sendReady(); }
  };

  window.meldkamerMap = api;
}());
