/* Live layer API of the meldkamer map page: window.meldkamerMap.
 *
 * The page is generated once (maps/page.py); afterwards the workstation only sends
 * small JSON messages, through QWebChannel (object "mapBridge") when the page runs
 * inside the workstation, or by calling these functions directly. Nothing here loads
 * anything from the network.
 *
 * Unit markers that would overlap are grouped by Leaflet.markercluster (shipped beside
 * the page): a few show as a stack of their labels, more as a badge with their number,
 * coloured by the most urgent status in it. Place names are labels whose detail follows
 * the zoom (towns always, neighbourhoods closer in, the rest closest).
 */
(function () {
  'use strict';

  var STATUS_COLOURS = {
    available_station: '#2e7d32', available_mobile: '#43a047', dispatched: '#f9a825',
    en_route: '#fb8c00', on_scene: '#d32f2f', transporting: '#8e24aa',
    at_destination: '#5e35b1', out_of_service: '#757575'
  };
  var PRIORITY_COLOURS = {1: '#d32f2f', 2: '#f57c00', 3: '#1976d2'};
  /* Which status a cluster's colour shows: the most urgent one in it. */
  var STATUS_RANK = {on_scene: 7, en_route: 6, dispatched: 5, transporting: 4,
                     at_destination: 3, available_mobile: 2, available_station: 1};
  var STACK_MAX = 4;  /* clusters up to this size show their labels stacked */
  var CLUSTER_RADIUS = 36;  /* pixels: markers closer than this are grouped */
  var LABEL_ZOOMS = {town: 0, major: 13, minor: 15};  /* place labels from this zoom */

  var api = {};
  var map = null;
  var config = {};
  var layers = {};
  var units = {};
  var incidents = {};
  var pin = null;
  var bridge = null;
  var readySent = false;
  var userMoved = false;  /* the operator panned or zoomed: a resize keeps their view */

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

  function unitColour(u) {
    return u.colour || STATUS_COLOURS[u.status] || '#455a64';
  }

  function unitIcon(u) {
    var html = '<div class="mk-unit" style="background:' + esc(unitColour(u)) + '">' +
      esc(u.label || u.callsign) + '</div>';
    return L.divIcon({html: html, className: 'mk-unit-icon', iconSize: null,
                      iconAnchor: [0, 0]});
  }

  function unitKey(u) {
    return [u.colour || '', u.status || '', u.label || u.callsign].join('|');
  }

  function clusterIcon(cluster) {
    var children = cluster.getAllChildMarkers();
    var shown = children.map(function (m) { return m.options.mk; });
    shown.sort(function (a, b) { return a.label < b.label ? -1 : (a.label > b.label ? 1 : 0); });
    var names = shown.map(function (u) { return u.label; }).join(', ');
    if (shown.length <= STACK_MAX) {
      var rows = shown.map(function (u) {
        return '<div class="mk-unit" style="background:' + esc(u.colour) + '">' +
          esc(u.label) + '</div>';
      }).join('');
      return L.divIcon({html: '<div class="mk-stack" title="' + esc(names) + '">' + rows +
                              '</div>',
                        className: 'mk-cluster-icon', iconSize: null, iconAnchor: [0, 0]});
    }
    var top = shown[0];
    shown.forEach(function (u) { if ((STATUS_RANK[u.status] || 0) > (STATUS_RANK[top.status] || 0)) { top = u; } });
    return L.divIcon({html: '<div class="mk-cluster" style="border-color:' + esc(top.colour) +
                            '" title="' + esc(names) + '">' + shown.length + '</div>',
                      className: 'mk-cluster-icon', iconSize: null, iconAnchor: [0, 0]});
  }

  function unitGroup() {
    if (!L.markerClusterGroup) { return L.layerGroup(); }  /* the plugin is shipped; still */
    return L.markerClusterGroup({
      maxClusterRadius: CLUSTER_RADIUS, iconCreateFunction: clusterIcon,
      spiderfyOnMaxZoom: true, showCoverageOnHover: false, zoomToBoundsOnClick: true,
      animate: false, animateAddingMarkers: false, removeOutsideVisibleBounds: true
    });
  }

  function refreshClusters(markers) {
    if (markers.length && layers.units.refreshClusters) { layers.units.refreshClusters(markers); }
  }

  /* Add or change one unit. Returns 'moved' or 'changed' for a marker the caller must
   * re-cluster or whose cluster must be redrawn (done for many at once in setUnits). */
  function applyUnit(u, batch) {
    var id = String(u.callsign);
    var entry = units[id];
    var key = unitKey(u);
    var mk = {label: String(u.label || u.callsign), colour: unitColour(u), status: u.status};
    if (!entry) {
      var marker = L.marker([u.lat, u.lon], {icon: unitIcon(u), title: u.title || id,
                                             keyboard: false, riseOnHover: true, mk: mk});
      units[id] = {marker: marker, key: key, lat: u.lat, lon: u.lon};
      if (batch) { batch.added.push(marker); } else { layers.units.addLayer(marker); }
      return;
    }
    var marker2 = entry.marker;
    if (entry.lat !== u.lat || entry.lon !== u.lon) {
      entry.lat = u.lat;
      entry.lon = u.lon;
      if (batch) {
        batch.moved.push([marker2, [u.lat, u.lon]]);
      } else {
        marker2.setLatLng([u.lat, u.lon]);  /* the cluster group re-clusters a moved marker */
      }
    }
    if (entry.key !== key) {
      marker2.options.mk = mk;
      marker2.options.title = u.title || id;
      /* Change the label in place: rebuilding the icon's DOM costs ten times as much. */
      var el = marker2.getElement();
      var label = el && el.firstChild;
      marker2.options.icon = unitIcon(u);
      if (label && el.parentNode) {
        label.style.background = mk.colour;
        label.textContent = mk.label;
      } else {
        marker2.setIcon(marker2.options.icon);
      }
      entry.key = key;
      if (batch) { batch.changed.push(marker2); } else { refreshClusters([marker2]); }
    }
  }

  function upsertUnit(u) { applyUnit(u, null); }

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
    var batch = {added: [], moved: [], changed: []};
    for (var i = 0; i < list.length; i++) {
      applyUnit(list[i], batch);
      seen[String(list[i].callsign)] = true;
    }
    Object.keys(units).forEach(function (id) { if (!seen[id]) { removeUnit(id); } });
    /* Many markers at once: out of the clusters, moved, and back in one pass each. */
    var moved = batch.moved.map(function (m) { return m[0]; });
    var clustered = Boolean(layers.units.addLayers);
    if (clustered && moved.length) { layers.units.removeLayers(moved); }
    batch.moved.forEach(function (m) { m[0].setLatLng(m[1]); });
    if (clustered) {
      if (batch.added.length || moved.length) { layers.units.addLayers(batch.added.concat(moved)); }
    } else {
      batch.added.forEach(function (m) { layers.units.addLayer(m); });
    }
    var inPlace = batch.changed.filter(function (m) { return moved.indexOf(m) < 0; });
    refreshClusters(inPlace);
  };
  api.clusters = function () {
    /* The groups shown at the current zoom: how many units each holds, in its centre. */
    var out = [];
    var shown = layers.units._featureGroup;
    if (!shown) { return out; }
    shown.eachLayer(function (layer) {
      if (layer.getChildCount) {
        var ll = layer.getLatLng();
        out.push({count: layer.getChildCount(), lat: ll.lat, lon: ll.lng,
                  units: layer.getAllChildMarkers().map(function (m) { return m.options.mk.label; })
                    .sort()});
      }
    });
    return out;
  };
  api.placeLabels = function () {
    /* The place names on screen now (their layer shown, their zoom reached). */
    var out = [];
    var nodes = document.querySelectorAll('.mk-place-label');
    for (var i = 0; i < nodes.length; i++) {
      if (nodes[i].offsetParent !== null) { out.push(nodes[i].textContent); }
    }
    return out;
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
    userMoved = true;  /* a point was asked for: a resize keeps it in the middle */
  };
  api.reveal = function (lat, lon, zoom) {
    /* Bring a point into view at street level at least; a point already well in view
     * (a click) leaves the map where the operator has it. */
    var wanted = zoom || 15;
    var inner = map.getBounds().pad(-0.15);
    if (map.getZoom() >= wanted && inner.contains([lat, lon])) { return false; }
    api.centreOn(lat, lon, Math.max(wanted, map.getZoom()));
    return true;
  };
  api.showIsland = function (code) {
    var island = config.islands[code];
    if (!island) { return false; }
    var b = island.bbox;  /* south, west, north, east */
    map.fitBounds([[b[0], b[1]], [b[2], b[3]]], {padding: [8, 8], animate: false});
    config.island = code;
    userMoved = false;
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
      reveal: function () { api.reveal(msg.lat, msg.lon, msg.zoom); },
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

  function placeLabelZoom() {
    /* Which place labels show: a class per tier on the map, the stylesheet does the rest. */
    var zoom = map.getZoom();
    var container = map.getContainer();
    Object.keys(LABEL_ZOOMS).forEach(function (tier) {
      L.DomUtil[zoom >= LABEL_ZOOMS[tier] ? 'addClass' : 'removeClass'](container,
                                                                         'mk-show-' + tier);
    });
  }

  api.init = function (leafletMap, namedLayers, cfg) {
    map = leafletMap;
    config = cfg;
    layers = namedLayers;
    /* The tile layer (if any) carries folium's zoom limits; the map and its clusters
     * need their own. */
    map.setMaxZoom(cfg.maxZoom || 19);
    layers.units = unitGroup().addTo(map);
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
      /* Built while hidden or resized with the docks: frame the island again, unless the
       * operator has moved the map or a point was shown (then the centre stays). */
      if (e.oldSize.x === 0 || e.oldSize.y === 0 || !userMoved) {
        api.showIsland(config.island);
      }
    });
    var container = map.getContainer();
    ['mousedown', 'wheel', 'keydown', 'touchstart'].forEach(function (name) {
      container.addEventListener(name, function () { userMoved = true; }, {passive: true});
    });
    map.on('zoomend', placeLabelZoom);
    placeLabelZoom();
    api.showIsland(cfg.island || 'BO');
    if (!connectBridge()) { sendReady(); }
  };

  window.meldkamerMap = api;
}());
