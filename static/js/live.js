// Live parts of a page: poll a small JSON answer with If-None-Match and put what changed in place.
//
// The convention (server side: tracker/checkins/live.py):
//
//   <section data-live-url="/trainings/7/live" data-live-interval="4"   polled every 4 s (default 4)
//            data-live-etag="W/&quot;…&quot;">                 the ETag of what the page shows (optional)
//     <strong data-live-key="count_text">12</strong>      textContent ← body.count_text (format on the server)
//     <meter data-live-attr="value:count">                 attribute value ← body.count ("a:x b:y" for several)
//     <div data-live-html="html.roster">…</div>            innerHTML ← body.html.roster (rendered, escaped by Jinja)
//     <ol data-live-rows="html.rows">                      rows changed ← body.html.rows, [{id, html}, …]:
//       <li data-live-id="checkin-5" data-live-sort="…">   the row of the same id is replaced, a new one goes
//     </ol>                                                before the first with a greater data-live-sort
//   </section>
//
// Keys are paths into the JSON ("html.roster"). A key missing from the answer leaves its element
// alone. Elements found with data-live-url that share a URL share one poller; an element bound to a
// key may be the container itself or inside it. After each new answer the container gets a
// "live:update" event whose detail is the JSON, for what the attributes cannot say.
// A part with the cursor in one of its fields, or an open <details> (a small form), is updated once left.
//
// How it polls: one request at a time; 304 answers cost the server no counting. Every few seconds
// while the page is visible, every 60 s while hidden (and at once when shown again), never offline
// (at once when back online), doubling the wait after each error up to 2 min. A 401, 403, 404 or a
// redirect (signed out) stops it. Scripts use it directly too (the scanner, with its bearer token):
//
//   const poller = TrackerLive.poll(url, { onData(body, askedAt) {…}, fetch: (url, init) => fetch(url, init),
//                                          interval: 4, immediate: false });
//   poller.now();  poller.stop();
(function () {
  "use strict";
  var HIDDEN = 60, MAX_BACKOFF = 120, STOP = [401, 403, 404];

  function pick(body, path) {
    return path.split(".").reduce(function (value, key) {
      return value !== undefined && value !== null ? value[key] : undefined;
    }, body);
  }

  // Someone typing or choosing in the part, or a <details> (a small form) open in it.
  function busy(element) {
    var active = document.activeElement;
    var typing = active && element.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName);
    return typing || element.querySelector("details[open]") !== null;
  }

  function poll(url, options) {
    var etag = options.etag || null, timer = null, inFlight = false, stopped = false, failures = 0;
    var base = options.interval || 4;
    var get = options.fetch || function (address, init) { return window.fetch(address, init); };

    function delay() {
      if (failures) return Math.min(base * Math.pow(2, failures), MAX_BACKOFF);
      return document.visibilityState === "hidden" ? HIDDEN : base;
    }

    function schedule(seconds) {
      window.clearTimeout(timer);
      if (stopped) return;
      // A little jitter, so that a hundred pages opened together do not poll in step.
      timer = window.setTimeout(tick, seconds * (0.9 + Math.random() * 0.2) * 1000);
    }

    function tick() {
      if (stopped || inFlight) return;
      if (navigator.onLine === false) return;  // the "online" event starts it again
      inFlight = true;
      var asked = Date.now(), headers = { Accept: "application/json" };
      if (etag) headers["If-None-Match"] = etag;
      // no-store: the browser's cache would turn our 304 into a 200 with the old body.
      Promise.resolve(get(url, { headers: headers, cache: "no-store", credentials: "same-origin", redirect: "manual" }))
        .then(function (response) {
          if (response.type === "opaqueredirect" || STOP.indexOf(response.status) >= 0) {
            stopped = true;
            return null;
          }
          if (response.status === 304) return null;
          if (!response.ok) throw new Error("live " + response.status);
          etag = response.headers.get("ETag");
          return response.json();
        })
        .then(function (body) {
          failures = 0;
          if (body && options.onData) return options.onData(body, asked);
        })
        .catch(function (error) {
          failures += 1;
          if (window.console) window.console.warn("live: " + url, error);
        })
        .then(function () {
          inFlight = false;
          if (options.onTick) options.onTick();
          schedule(delay());
        });
    }

    function now() {
      if (!stopped && !inFlight) schedule(0);
    }

    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") now();
    });
    window.addEventListener("online", function () { failures = 0; now(); });
    schedule(options.immediate ? 0 : delay());
    return { now: now, stop: function () { stopped = true; window.clearTimeout(timer); } };
  }

  // Put the answer's values into the elements bound to them under the containers of one URL.
  function binder(containers) {
    var pending = [], rows = {};

    function bound(selector) {
      var found = [];
      containers.forEach(function (container) {
        if (container.matches(selector)) found.push(container);
        found.push.apply(found, container.querySelectorAll(selector));
      });
      return found;
    }

    function apply(body) {
      bound("[data-live-key]").forEach(function (element) {
        var value = pick(body, element.getAttribute("data-live-key"));
        if (value !== undefined && element.textContent !== String(value)) element.textContent = value;
      });
      bound("[data-live-attr]").forEach(function (element) {
        element.getAttribute("data-live-attr").split(/\s+/).forEach(function (pair) {
          var parts = pair.split(":"), value = pick(body, parts[1] || "");
          if (parts[1] && value !== undefined) element.setAttribute(parts[0], value);
        });
      });
      // A part sent whole is newer than any of its rows still waiting: they go with the old part.
      pending = bound("[data-live-html]").map(function (element) {
        return { element: element, html: pick(body, element.getAttribute("data-live-html")) };
      }).filter(function (item) { return item.html !== undefined; });
      bound("[data-live-rows]").forEach(function (list) {
        var key = list.getAttribute("data-live-rows"), items = pick(body, key);
        if (pending.some(function (item) { return item.element.contains(list); })) delete rows[key];
        if (!items) return;
        rows[key] = rows[key] || {};
        items.forEach(function (item) { rows[key][item.id] = item.html; });
      });
      flush();
      containers.forEach(function (container) {
        container.dispatchEvent(new CustomEvent("live:update", { detail: body }));
      });
    }

    // Put in place what can be: whole parts first, then the rows (of the lists those parts hold now).
    function flush() {
      pending = pending.filter(function (item) {
        if (busy(item.element)) return true;
        if (item.element.innerHTML !== item.html) item.element.innerHTML = item.html;
        return false;
      });
      bound("[data-live-rows]").forEach(function (list) {
        var key = list.getAttribute("data-live-rows"), waiting = rows[key] || {};
        if (pending.some(function (item) { return item.element.contains(list); })) return;
        Object.keys(waiting).forEach(function (id) {
          if (upsert(list, id, waiting[id])) delete waiting[id];
        });
      });
    }

    return { apply: apply, flush: flush };
  }

  // Replace the row ``id`` of ``list`` or insert it in data-live-sort order; false while it is busy.
  function upsert(list, id, html) {
    var holder = document.createElement("template");
    holder.innerHTML = html.trim();
    var row = holder.content.firstElementChild, old = null, next = null;
    var sort = row.getAttribute("data-live-sort") || "";
    Array.prototype.forEach.call(list.children, function (child) {
      if (child.getAttribute("data-live-id") === id) old = child;
      else if (!next && (child.getAttribute("data-live-sort") || "") > sort) next = child;
    });
    if (old && busy(old)) return false;
    if (old && old.outerHTML === row.outerHTML) return true;
    if (old) list.removeChild(old);
    list.insertBefore(row, next);
    return true;
  }

  function start() {
    var groups = {};
    document.querySelectorAll("[data-live-url]").forEach(function (element) {
      var url = element.getAttribute("data-live-url");
      (groups[url] = groups[url] || []).push(element);
    });
    Object.keys(groups).forEach(function (url) {
      var containers = groups[url], parts = binder(containers);
      var interval = parseFloat(containers[0].getAttribute("data-live-interval")) || undefined;
      document.addEventListener("focusout", function () { window.setTimeout(parts.flush, 0); });
      document.addEventListener("toggle", parts.flush, true);
      var etag = containers.map(function (element) { return element.getAttribute("data-live-etag"); })
        .filter(Boolean)[0];
      poll(url, { onData: parts.apply, onTick: parts.flush, interval: interval, etag: etag });
    });
  }

  window.TrackerLive = { poll: poll };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
