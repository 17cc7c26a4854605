/* Live layer API of the meldkamer map page: window.meldkamerMap.
 *
 * The page is generated once (maps/page.py); afterwards the workstation only sends
 * small JSON messages, through QWebChannel (object "mapBridge") when the page runs
 * inside the workstation, or by calling these functions directly. Nothing here loads
 * anything from the network.
 *
 * Unit labels that would overlap are grouped (see "de-cluttering" below): a few show
 * stacked, more as a badge with their number, coloured by the most urgent status in it. Place names are labels whose detail follows
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
  var STACK_MAX = 4;  /* groups up to this size show their labels stacked */
  var STACK_ZOOM = 16;  /* from this zoom on every group is a stack (a station's units) */
  var STACK_STEP = 19;  /* pixels from one stacked label to the next (a label is 18) */
  var GROUP_DX = 54, GROUP_DY = 18;  /* labels closer than this (pixels) would overlap */
  var LABEL_ZOOMS = {town: 0, major: 13, minor: 15};  /* place labels from this zoom */

  var api = {};
  var map = null;
  var config = {};
  var layers = {};
  var units = {};
  var order = null;  /* the callsigns, sorted: the order groups are formed in */
  var groups = [];  /* the groups of the last de-clutter pass */
  var badges = [];  /* numbered badge markers, reused from pass to pass */
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

  function upsertUnit(u) {
    var id = String(u.callsign);
    var entry = units[id];
    var key = unitKey(u);
    var mk = {label: String(u.label || u.callsign), colour: unitColour(u),
              status: String(u.status || '')};
    if (!entry) {
      var marker = L.marker([u.lat, u.lon], {icon: unitIcon(u), title: u.title || id,
                                             keyboard: false, riseOnHover: true});
      marker.addTo(layers.units);
      units[id] = {marker: marker, key: key, lat: u.lat, lon: u.lon, mk: mk};
      order = null;
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
        label.style.background = mk.colour;
        label.textContent = mk.label;
      } else {
        entry.marker.setIcon(entry.marker.options.icon);
      }
      entry.key = key;
      entry.mk = mk;
    }
  }

  function removeUnit(callsign) {
    var entry = units[String(callsign)];
    if (entry) {
      layers.units.removeLayer(entry.marker);
      delete units[String(callsign)];
      order = null;
    }
  }

  /* -- de-cluttering ------------------------------------------------------------------
   * Unit labels that would overlap on screen form a group (greedy, in callsign order,
   * against each group's first label, on a grid of label-sized cells: O(units)). A small
   * group, or any group from STACK_ZOOM on, shows its labels stacked around the first
   * one's place (each label still its own marker, moved by a margin); a larger group at a
   * lower zoom shows one badge with its number, ringed in the colour of its most urgent
   * status; a click on the badge zooms in to its units. Only the current zoom counts, so
   * a pass costs well under a millisecond for 200 units, and only what changed is
   * written to the page. Written here rather than with Leaflet.markercluster: that
   * plugin re-clusters a moved marker at every zoom level, 15-30 ms for 200 moving
   * units, over the 16 ms a frame allows. */

  function sortedUnits() {
    if (!order) { order = Object.keys(units).sort(); }
    return order;
  }

  function place(el, dx, dy, hidden) {
    if (el._mkDx !== dx) { el.style.marginLeft = dx + 'px'; el._mkDx = dx; }
    if (el._mkDy !== dy) { el.style.marginTop = dy + 'px'; el._mkDy = dy; }
    if (el._mkHidden !== hidden) { el.style.display = hidden ? 'none' : ''; el._mkHidden = hidden; }
  }

  function badgeHtml(group) {
    var top = group.members[0].mk;
    group.members.forEach(function (e) {
      if ((STATUS_RANK[e.mk.status] || 0) > (STATUS_RANK[top.status] || 0)) { top = e.mk; }
    });
    return '<div class="mk-cluster" style="border-color:' + esc(top.colour) + '" title="' +
      esc(group.names.join(', ')) + '">' + group.members.length + '</div>';
  }

  function badge(i) {
    var b = badges[i];
    if (!b) {
      b = badges[i] = {marker: L.marker([0, 0], {keyboard: false, zIndexOffset: 1000,
                                                 icon: L.divIcon({html: '', iconSize: null,
                                                                  className: 'mk-cluster-icon',
                                                                  iconAnchor: [0, 0]})}),
                       html: null, group: null};
      b.marker.on('click', function () {
        var bounds = L.latLngBounds(b.group.members.map(function (e) {
          return [e.lat, e.lon];
        }));
        map.fitBounds(bounds, {padding: [40, 40], maxZoom: STACK_ZOOM, animate: false});
        userMoved = true;
      });
    }
    return b;
  }

  function declutter() {
    if (!map || !map.hasLayer(layers.units)) { return; }
    var zoom = map.getZoom();
    var ids = sortedUnits();
    var cells = {};
    var found = [];
    for (var i = 0; i < ids.length; i++) {
      var entry = units[ids[i]];
      var pt = map.latLngToLayerPoint([entry.lat, entry.lon]);
      entry.pt = pt;
      var cx = Math.floor(pt.x / GROUP_DX), cy = Math.floor(pt.y / GROUP_DY);
      var group = null;
      for (var gx = cx - 1; gx <= cx + 1 && !group; gx++) {
        for (var gy = cy - 1; gy <= cy + 1 && !group; gy++) {
          var near = cells[gx + ',' + gy];
          if (!near) { continue; }
          for (var k = 0; k < near.length; k++) {
            var a = near[k].anchor;
            if (Math.abs(a.x - pt.x) < GROUP_DX && Math.abs(a.y - pt.y) < GROUP_DY) {
              group = near[k];
              break;
            }
          }
        }
      }
      if (!group) {
        group = {anchor: pt, members: [], names: []};
        var cell = cx + ',' + cy;
        (cells[cell] = cells[cell] || []).push(group);
        found.push(group);
      }
      group.members.push(entry);
      group.names.push(entry.mk.label);
    }
    var used = 0;
    groups = found;
    for (var g = 0; g < found.length; g++) {
      var grp = found[g];
      var n = grp.members.length;
      grp.kind = n === 1 ? 'unit' : (n <= STACK_MAX || zoom >= STACK_ZOOM ? 'stack' : 'badge');
      for (var m = 0; m < n; m++) {
        var e = grp.members[m];
        var el = e.marker.getElement();
        if (!el) { continue; }
        if (grp.kind === 'badge') {
          place(el, 0, 0, true);
        } else {
          var slot = (m - (n - 1) / 2) * STACK_STEP;
          place(el, Math.round(grp.anchor.x - e.pt.x), Math.round(grp.anchor.y - e.pt.y + slot),
                false);
        }
      }
      if (grp.kind === 'badge') {
        var cx2 = 0, cy2 = 0;
        grp.members.forEach(function (e2) { cx2 += e2.pt.x; cy2 += e2.pt.y; });
        grp.centre = map.layerPointToLatLng([cx2 / n, cy2 / n]);
        var b = badge(used++);
        b.group = grp;
        b.marker.setLatLng(grp.centre);
        var html = badgeHtml(grp);
        if (!layers.units.hasLayer(b.marker)) { b.marker.addTo(layers.units); b.html = null; }
        if (b.html !== html) {
          var bel = b.marker.getElement();
          if (bel) { bel.innerHTML = html; }
          b.html = html;
        }
      }
    }
    for (var r = used; r < badges.length; r++) {
      if (layers.units.hasLayer(badges[r].marker)) { layers.units.removeLayer(badges[r].marker); }
      badges[r].group = null;
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
    declutter();
  };
  api.clusters = function () {
    /* The groups of units shown at this zoom: stacks of labels and numbered badges. */
    return groups.filter(function (g) { return g.members.length > 1; }).map(function (g) {
      var ll = g.centre || map.layerPointToLatLng(g.anchor);
      return {kind: g.kind, count: g.members.length, units: g.names.slice().sort(),
              lat: ll.lat, lon: ll.lng};
    });
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
  api.upsertUnit = function (u) { upsertUnit(u); declutter(); };
  api.removeUnit = function (callsign) { removeUnit(callsign); declutter(); };
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
  api.reveal = function (lat, lon, zoom, centre) {
    /* Bring a point to the middle, at this zoom at least (closer stays closer); without
     * ``centre`` a point already well in view (a click) leaves the map as it is. */
    var wanted = zoom || 15;
    var inner = map.getBounds().pad(-0.15);
    if (!centre && map.getZoom() >= wanted && inner.contains([lat, lon])) { return false; }
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
    /* A ring above the markers: the call's place shows even under a station's units. */
    pin = L.circleMarker([lat, lon], {radius: 13, color: '#ffeb3b', weight: 4, opacity: 1,
                                      fill: false, interactive: false, pane: 'mkPin'})
      .addTo(map);
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
  api.pinPosition = function () {
    if (!pin) { return null; }
    var ll = pin.getLatLng();
    return [ll.lat, ll.lng];
  };

  /* One JSON message from Python; answers with an "applied" event when it has a seq. */
  api.handle = function (text) {
    var msg = typeof text === 'string' ? JSON.parse(text) : text;
    var ops = {
      units: function () { api.setUnits(msg.units); },
      unit: function () { api.upsertUnit(msg.unit); },
      remove_unit: function () { api.removeUnit(msg.callsign); },
      incidents: function () { api.setIncidents(msg.incidents); },
      incident: function () { upsertIncident(msg.incident); },
      remove_incident: function () { removeIncident(msg.number); },
      centre: function () { api.centreOn(msg.lat, msg.lon, msg.zoom); },
      reveal: function () { api.reveal(msg.lat, msg.lon, msg.zoom, msg.centre); },
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

  function addPlaceLabels(list) {
    /* Each place's name beside its dot, in the places layer (the switch hides both);
     * under the units and never in the way of a click. */
    (list || []).forEach(function (p) {
      var icon = L.divIcon({html: '<div class="mk-place-label mk-tier-' + esc(p.tier) + '">' +
                                  esc(p.name) + '</div>',
                            className: 'mk-place-label-icon', iconSize: null,
                            iconAnchor: [0, 0]});
      L.marker([p.lat, p.lon], {icon: icon, interactive: false, keyboard: false,
                                zIndexOffset: -1000}).addTo(layers.places);
    });
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
    map.createPane('mkPin').style.zIndex = 640;  /* over the markers, under tooltips */
    map.getPane('mkPin').style.pointerEvents = 'none';
    /* The tile layer (if any) carries folium's zoom limits; the map needs its own. */
    map.setMaxZoom(cfg.maxZoom || 19);
    if (layers.places) { addPlaceLabels(cfg.labels); }
    layers.units = L.layerGroup().addTo(map);
    layers.units.on('add', declutter);  /* shown again: its markers' elements are new */
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
    map.on('zoomend', declutter);
    placeLabelZoom();
    api.showIsland(cfg.island || 'BO');
    if (!connectBridge()) { sendReady(); }
  };

  window.meldkamerMap = api;
}());
