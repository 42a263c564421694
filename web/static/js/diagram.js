/* The BPMN diagram (bpmn-js NavigatedViewer, vendored via npm) with done / current /
 * waiting / error elements marked.  Without the library the placeholder text stays. */
(function () {
  "use strict";

  function markers(canvas, registry, state) {
    var kinds = { done: "gf-done", current: "gf-current", waiting: "gf-waiting", error: "gf-error", tasks: "gf-task" };
    Object.keys(kinds).forEach(function (kind) {
      (state[kind] || []).forEach(function (id) {
        if (registry.get(id)) { canvas.addMarker(id, kinds[kind]); }
      });
    });
  }

  function show(box) {
    var placeholder = box.querySelector(".diagram-placeholder");
    var stateNode = box.parentNode.querySelector(".diagram-state");
    var state = {};
    try { state = JSON.parse(stateNode ? stateNode.textContent : "{}") || {}; } catch (e) { state = {}; }
    if (!window.BpmnJS) { return; }
    fetch(box.getAttribute("data-diagram-url"), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (xml) {
        var viewer = new window.BpmnJS({ container: box });
        return viewer.importXML(xml).then(function () {
          if (placeholder) { placeholder.remove(); }
          var canvas = viewer.get("canvas");
          markers(canvas, viewer.get("elementRegistry"), state);
          canvas.zoom("fit-viewport", "auto");
          box.setAttribute("data-rendered", "true");
        });
      })
      .catch(function () {
        if (placeholder) { placeholder.textContent = box.getAttribute("data-error-text") || "—"; }
        box.setAttribute("data-rendered", "error");
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll(".diagram[data-diagram-url]"), show);
  });
})();
