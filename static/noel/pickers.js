// The admin's pickers (apps/core/widgets.py) on the admin's select2: a tree searchable by any ancestor's
// name, and pickers that ask the server as the person types, pictures shown by their thumbnails.
"use strict";
(function () {
  function label(item) {
    if (!item.id) return item.text;
    var option = item.element;
    var box = document.createElement("span");
    var depth = option && option.dataset.depth ? parseInt(option.dataset.depth, 10) : 1;
    if (option && option.dataset.depth) box.style.paddingLeft = (depth - 1) * 1.25 + "rem";
    var thumbnail = item.thumbnail || (option && option.dataset.thumbnail);
    if (thumbnail) {
      var img = document.createElement("img");
      img.src = thumbnail;
      img.alt = "";
      img.className = "noel-picker-thumb";
      box.appendChild(img);
    }
    box.appendChild(document.createTextNode(item.text));
    return django.jQuery(box);
  }

  function chosen(item) {
    var option = item.element;
    var thumbnail = item.thumbnail || (option && option.dataset.thumbnail);
    if (!thumbnail) return item.text;
    var box = document.createElement("span");
    var img = document.createElement("img");
    img.src = thumbnail;
    img.alt = "";
    img.className = "noel-picker-thumb";
    box.appendChild(img);
    box.appendChild(document.createTextNode(item.text));
    return django.jQuery(box);
  }

  function treeMatcher(params, data) {
    var term = (params.term || "").trim().toLowerCase();
    if (!term) return data;
    var path = data.element && data.element.dataset.path ? data.element.dataset.path : data.text;
    return path.toLowerCase().indexOf(term) > -1 ? data : null;
  }

  function start(root) {
    var $ = django.jQuery;
    $(root).find("select.noel-tree-select").addBack("select.noel-tree-select").each(function () {
      if (this.name.indexOf("__prefix__") > -1 || $(this).hasClass("select2-hidden-accessible")) return;
      $(this).select2({ matcher: treeMatcher, templateResult: label, width: "100%",
                        language: document.documentElement.lang || "en" });
    });
    $(root).find("select.noel-remote-picker").addBack("select.noel-remote-picker").each(function () {
      if (this.name.indexOf("__prefix__") > -1 || $(this).hasClass("select2-hidden-accessible")) return;
      var url = this.dataset.url;
      $(this).select2({
        width: "100%",
        allowClear: !this.multiple,
        placeholder: this.multiple ? "" : "—",
        minimumInputLength: 0,
        templateResult: label,
        templateSelection: chosen,
        language: document.documentElement.lang || "en",
        ajax: { url: url, dataType: "json", delay: 250, cache: true,
                data: function (params) { return { term: params.term || "", page: params.page || 1 }; } },
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { start(document); });
  document.addEventListener("formset:added", function (event) { start(event.target); });
})();
