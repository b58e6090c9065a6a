// Material Symbols icons are ligatures: a screen reader would read "redeem" or "arrow_forward" aloud.
// Every icon glyph the admin shows (including those htmx and Alpine add later) is hidden from it; the
// link or button around it carries the words.
(function () {
  const SELECTOR = ".material-symbols-outlined:not([aria-hidden])";
  const hide = (root) => root.querySelectorAll(SELECTOR).forEach((icon) => icon.setAttribute("aria-hidden", "true"));
  document.addEventListener("DOMContentLoaded", () => {
    hide(document);
    new MutationObserver((changes) => changes.forEach((change) => change.addedNodes.forEach((node) => {
      if (node.nodeType === Node.ELEMENT_NODE) hide(node.parentNode || node);
    }))).observe(document.body, { childList: true, subtree: true });
  });
})();
