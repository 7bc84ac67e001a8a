/* Trailers are public: play them with hls.js, or natively where the browser speaks HLS. */
(function () {
  "use strict";
  document.querySelectorAll("video[data-hls-src]").forEach(function (video) {
    var src = video.dataset.hlsSrc;
    if (window.Hls && window.Hls.isSupported()) {
      var hls = new window.Hls();
      hls.loadSource(src);
      hls.attachMedia(video);
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = src;
    }
  });
})();
