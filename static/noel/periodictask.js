// The periodic task form: the chosen crontab said in words under the field (django-celery-beat's own
// script, moved out of the page so that the Content-Security-Policy needs no 'unsafe-inline').
(function () {
  "use strict";
  const $ = window.django && window.django.jQuery;
  if (!$) return;
  const readable = JSON.parse(document.getElementById("readable-crontabs").textContent);
  const help = JSON.parse(document.getElementById("crontab-help").textContent);
  const said = window.gettext ? window.gettext("In words") : "In words";
  $(".field-crontab_translation").hide();
  $(".field-crontab").change(function () {
    const words = readable[$("#id_crontab").val()];
    const target = $(".field-crontab .help");
    target.text(help);
    if (words) target.append($("<br>"), document.createTextNode(said + ": " + words));
  });
})();
