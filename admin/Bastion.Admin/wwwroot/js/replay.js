// Replay page: starts the vendored asciinema player on #player with the .cast URL the page put in data-cast.
// Loaded as a file (CSP script-src 'self'); the player's terminal is WebAssembly, allowed on this page only.
(() => {
  'use strict';

  const element = document.getElementById('player');
  if (!element || !element.dataset.cast) return;
  if (!window.AsciinemaPlayer) {
    element.textContent = 'The player script did not load; download the .cast file below instead.';
    return;
  }
  // A session without a terminal size (a pty-req of 0x0, as some clients send) has a 0x0 header, on which the
  // player's terminal fails ("unreachable"); such a session is shown at 80x24 instead.
  const size = {};
  if (!(Number(element.dataset.cols) > 0 && Number(element.dataset.rows) > 0)) {
    size.cols = 80;
    size.rows = 24;
  }
  if (element.dataset.live) {
    // Still being recorded: follow the server-sent event stream (the player's eventsource driver) from now on.
    window.AsciinemaPlayer.create({ driver: 'eventsource', url: element.dataset.live }, element, { autoPlay: true, fit: 'width', ...size });
    return;
  }
  // preload: fetch and check the recording at once, so a missing or refused file shows before anyone presses play.
  window.AsciinemaPlayer.create(element.dataset.cast, element, { preload: true, fit: 'width', ...size });
})();
