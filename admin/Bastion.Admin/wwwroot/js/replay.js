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
  if (element.dataset.live) {
    // Still being recorded: follow the server-sent event stream (the player's eventsource driver) from now on.
    window.AsciinemaPlayer.create({ driver: 'eventsource', url: element.dataset.live }, element, { autoPlay: true, fit: 'width' });
    return;
  }
  // preload: fetch and check the recording at once, so a missing or refused file shows before anyone presses play.
  window.AsciinemaPlayer.create(element.dataset.cast, element, { preload: true, fit: 'width' });
})();
